-- description: GA4's sessions and revenue per day and channel, in the columns every channel-activity model shares (read by daily_channel_summary).
-- incremental: date
-- grain: tenant_id, date, channel, currency
--
-- One of the channel_activity__* models: each puts one family of channel activity (web
-- analytics, organic search, organic social, email) in the same columns, so that
-- daily_channel_summary reads them all through one optional union whatever is synced.
-- Money is in the reporting currency when exchange rates are configured, else in its own.
select
    tenant_id,
    date,
    channel,
    coalesce(reporting_currency, currency) as currency,
    cast(sum(sessions) as bigint) as sessions,
    cast(sum(engaged_sessions) as bigint) as engaged_sessions,
    sum(key_events) as key_events,
    sum(case when reporting_currency is null then revenue else revenue_reporting end) as ga4_revenue,
    cast(null as bigint) as search_impressions,
    cast(null as bigint) as search_clicks,
    cast(null as bigint) as social_impressions,
    cast(null as bigint) as social_engagements,
    cast(null as bigint) as video_views,
    cast(null as bigint) as followers_gained,
    cast(null as bigint) as email_sends,
    cast(null as bigint) as email_opens,
    cast(null as bigint) as email_clicks,
    cast(null as decimal(38, 9)) as email_revenue
from int_ga4_channel_daily
group by tenant_id, date, channel, coalesce(reporting_currency, currency)
