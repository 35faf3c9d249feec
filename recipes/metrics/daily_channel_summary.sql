-- description: Per day and channel: ad spend and platform results next to GA4 sessions and revenue for the same channel.
-- union: ga4_channels = int_ga4_channel_daily (optional)
-- incremental: date
-- grain: tenant_id, date, channel, currency
-- not_null: channel, currency
-- check: spend >= 0
-- check: sessions >= 0
--
-- A channel is an ad platform (tiktok_ads, google_ads, ...: its spend from
-- fct_campaign_performance, its paid sessions from GA4 by source / medium, see
-- int_ga4_channel_daily) or another GA4 channel (direct, organic_search, email...),
-- which has sessions but no spend. Without GA4 the model still builds from ad spend
-- alone (the optional union is then empty). Amounts are in the reporting currency when exchange
-- rates are configured, else in their own currency (then a channel can have one row
-- per currency).
--   cost_per_session = spend / sessions        ga4_roas = ga4_revenue / spend
--   platform_roas    = platform_conversion_value / spend
-- Each ratio is NULL when its denominator is 0.
with ads as (
    select
        tenant_id,
        date,
        platform as channel,
        coalesce(reporting_currency, currency) as currency,
        sum(case when reporting_currency is null then spend else spend_reporting end) as spend,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(conversions) as platform_conversions,
        sum(case when reporting_currency is null then conversion_value else conversion_value_reporting end) as platform_conversion_value
    from fct_campaign_performance
    group by tenant_id, date, platform, coalesce(reporting_currency, currency)
),

traffic as (
    select
        tenant_id,
        date,
        channel,
        coalesce(reporting_currency, currency) as currency,
        sum(sessions) as sessions,
        sum(engaged_sessions) as engaged_sessions,
        sum(key_events) as key_events,
        sum(case when reporting_currency is null then revenue else revenue_reporting end) as ga4_revenue
    from ga4_channels
    group by tenant_id, date, channel, coalesce(reporting_currency, currency)
),

joined as (
    select
        coalesce(ads.tenant_id, traffic.tenant_id) as tenant_id,
        coalesce(ads.date, traffic.date) as date,
        coalesce(ads.channel, traffic.channel) as channel,
        coalesce(ads.currency, traffic.currency) as currency,
        coalesce(ads.spend, 0) as spend,
        coalesce(ads.impressions, 0) as impressions,
        coalesce(ads.clicks, 0) as clicks,
        coalesce(ads.platform_conversions, 0) as platform_conversions,
        coalesce(ads.platform_conversion_value, 0) as platform_conversion_value,
        coalesce(traffic.sessions, 0) as sessions,
        coalesce(traffic.engaged_sessions, 0) as engaged_sessions,
        coalesce(traffic.key_events, 0) as key_events,
        coalesce(traffic.ga4_revenue, 0) as ga4_revenue
    from ads
    full outer join traffic
        on traffic.tenant_id = ads.tenant_id
        and traffic.date = ads.date
        and traffic.channel = ads.channel
        and traffic.currency = ads.currency
)

select
    tenant_id,
    date,
    channel,
    currency,
    spend,
    impressions,
    clicks,
    platform_conversions,
    platform_conversion_value,
    sessions,
    engaged_sessions,
    key_events,
    ga4_revenue,
    spend / nullif(sessions, 0) as cost_per_session,
    ga4_revenue / nullif(spend, 0) as ga4_roas,
    platform_conversion_value / nullif(spend, 0) as platform_roas
from joined
