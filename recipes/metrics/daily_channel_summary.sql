-- description: Per day and channel: ad spend and platform results next to GA4 sessions and revenue for the same channel, and the owned and organic channels (organic search, organic social, email, SMS) beside them.
-- union: activity = channel_activity__* (optional)
-- incremental: date
-- grain: tenant_id, date, channel, currency
-- not_null: channel
-- check: spend >= 0
-- check: sessions >= 0
--
-- A channel is an ad platform (tiktok_ads, google_ads, ...: its spend from
-- fct_campaign_performance, its paid sessions from GA4 by source / medium, see
-- int_ga4_channel_daily) or another GA4 channel (direct, organic_search, email...),
-- which has sessions but no spend. The owned and organic channels come from the
-- channel_activity__* models (one per family, same columns): organic_search gets Search
-- Console's / Bing's impressions and clicks, organic_social the social platforms'
-- impressions, engagements, video views and followers gained, email / sms / push the
-- messaging platforms' sends, opens, clicks and attributed revenue. A channel's counts are
-- NULL where nothing synced reports them. Without GA4 or those sources the model still
-- builds from ad spend alone (the optional union is then empty). A channel without money
-- (organic search or social with no GA4 row that day) has currency NULL; with one GA4
-- currency that day it takes that one. Amounts are in the reporting currency when exchange
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

activity_rows as (
    select
        tenant_id,
        date,
        channel,
        currency,
        sum(sessions) as sessions,
        sum(engaged_sessions) as engaged_sessions,
        sum(key_events) as key_events,
        sum(ga4_revenue) as ga4_revenue,
        sum(search_impressions) as search_impressions,
        sum(search_clicks) as search_clicks,
        sum(social_impressions) as social_impressions,
        sum(social_engagements) as social_engagements,
        sum(video_views) as video_views,
        sum(followers_gained) as followers_gained,
        sum(email_sends) as email_sends,
        sum(email_opens) as email_opens,
        sum(email_clicks) as email_clicks,
        sum(email_revenue) as email_revenue
    from activity
    group by tenant_id, date, channel, currency
),

one_currency as (
    select tenant_id, date, channel, min(currency) as currency
    from activity_rows
    where currency is not null
    group by tenant_id, date, channel
    having count(distinct currency) = 1
),

traffic as (
    select
        rows_.tenant_id,
        rows_.date,
        rows_.channel,
        coalesce(rows_.currency, one_currency.currency) as currency,
        sum(rows_.sessions) as sessions,
        sum(rows_.engaged_sessions) as engaged_sessions,
        sum(rows_.key_events) as key_events,
        sum(rows_.ga4_revenue) as ga4_revenue,
        sum(rows_.search_impressions) as search_impressions,
        sum(rows_.search_clicks) as search_clicks,
        sum(rows_.social_impressions) as social_impressions,
        sum(rows_.social_engagements) as social_engagements,
        sum(rows_.video_views) as video_views,
        sum(rows_.followers_gained) as followers_gained,
        sum(rows_.email_sends) as email_sends,
        sum(rows_.email_opens) as email_opens,
        sum(rows_.email_clicks) as email_clicks,
        sum(rows_.email_revenue) as email_revenue
    from activity_rows as rows_
    left join one_currency
        on one_currency.tenant_id = rows_.tenant_id
        and one_currency.date = rows_.date
        and one_currency.channel = rows_.channel
    group by rows_.tenant_id, rows_.date, rows_.channel, coalesce(rows_.currency, one_currency.currency)
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
        coalesce(traffic.ga4_revenue, 0) as ga4_revenue,
        traffic.search_impressions,
        traffic.search_clicks,
        traffic.social_impressions,
        traffic.social_engagements,
        traffic.video_views,
        traffic.followers_gained,
        traffic.email_sends,
        traffic.email_opens,
        traffic.email_clicks,
        traffic.email_revenue
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
    platform_conversion_value / nullif(spend, 0) as platform_roas,
    search_impressions,
    search_clicks,
    social_impressions,
    social_engagements,
    video_views,
    followers_gained,
    email_sends,
    email_opens,
    email_clicks,
    email_revenue
from joined
