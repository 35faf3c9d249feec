-- description: Web analytics sessions and revenue per day and channel (GA4, Plausible, Matomo...: the one tool per tenant and day that int_web_channel_daily counts), in the columns every channel-activity model shares (read by daily_channel_summary).
-- incremental: date
-- grain: tenant_id, date, channel, currency?
-- check: sessions >= 0
--
-- One of the channel_activity__* models: each puts one family of channel activity (web
-- analytics, apps, CRM, affiliates, post-purchase surveys, organic search, organic social,
-- email) in the same columns, so that daily_channel_summary reads them all through one
-- optional union whatever is synced; a column a family does not report is NULL.
-- The channel of a session and the tool counted per tenant and day are decided once, in
-- int_web_channel_daily (GA4 when the tenant has GA4 rows that day, else the first tool by
-- platform name), so two tools' sessions are never added. key_events are the tool's
-- conversions (GA4's key events) and ga4_revenue its revenue (the column keeps its name):
-- in the reporting currency when exchange rates are configured, else in its own.
select
    tenant_id,
    date,
    channel,
    coalesce(reporting_currency, currency) as currency,
    cast(sum(sessions) as bigint) as sessions,
    cast(sum(engaged_sessions) as bigint) as engaged_sessions,
    sum(conversions) as key_events,
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
    cast(null as decimal(38, 9)) as email_revenue,
    cast(null as bigint) as installs,
    cast(null as bigint) as reinstalls,
    cast(null as decimal(38, 9)) as app_revenue,
    cast(null as decimal(38, 9)) as app_cost,
    cast(null as bigint) as leads,
    cast(null as bigint) as qualified_leads,
    cast(null as bigint) as opportunities,
    cast(null as bigint) as won_deals,
    cast(null as decimal(38, 9)) as won_amount,
    cast(null as decimal(38, 9)) as affiliate_commission,
    cast(null as double) as affiliate_actions,
    cast(null as decimal(38, 9)) as affiliate_sale_amount,
    cast(null as bigint) as survey_responses
from int_web_channel_daily
where counted
group by tenant_id, date, channel, coalesce(reporting_currency, currency)
