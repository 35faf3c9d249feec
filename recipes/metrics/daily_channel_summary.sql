-- description: Per day and channel: ad spend and platform results next to the web analytics sessions and revenue for the same channel, and the owned, organic, app, CRM, affiliate and post-purchase survey activity beside them.
-- union: activity = channel_activity__* (optional)
-- incremental: date
-- grain: tenant_id, date, channel, currency?
-- not_null: channel
-- check: spend >= 0
-- check: sessions >= 0
--
-- A channel is an ad platform (tiktok_ads, google_ads, impact, ...: its spend from
-- fct_campaign_performance) or another channel (direct, organic_search, email, affiliate,
-- organic_app...). Everything beside the ads comes from the channel_activity__* models
-- (one per family, the same columns, read by name through one optional union):
--   web (channel_activity__web) -> sessions, engaged_sessions, key_events, ga4_revenue of the
--     one web analytics tool counted per tenant and day (GA4 when it has rows that day, else
--     the first other tool by name; int_web_channel_daily), an ad platform's paid traffic on
--     its channel by source / medium (seeds/traffic_source_platforms.csv);
--   organic_search (Search Console, Bing Webmaster...) -> search_impressions, search_clicks;
--   organic_social -> social_impressions, social_engagements, video_views, followers_gained;
--   email / sms / push -> email_sends, email_opens, email_clicks, email_revenue;
--   apps (channel_activity__apps) -> installs, reinstalls, app_revenue, app_cost per ad platform
--     (MMP media source, seeds/app_media_source_platforms.csv), organic_app, other_app;
--   crm (channel_activity__crm) -> leads, qualified_leads, opportunities, won_deals, won_amount
--     per lead source channel (seeds/lead_source_channels.csv);
--   affiliate (channel_activity__affiliate) -> affiliate_commission, affiliate_actions,
--     affiliate_sale_amount of the networks without ad performance (Tapfiliate); Impact and
--     Awin are ad platforms here (commission as spend), never both;
--   surveys (channel_activity__surveys) -> survey_responses, the post-purchase "how did you
--     hear about us" answers per channel (fct_post_purchase_attribution).
-- A channel's counts are NULL where nothing synced reports them. Without those sources the
-- model still builds from ad spend alone (the optional union is then empty). A row without
-- money (organic search, survey answers) takes the channel's currency when the channel has
-- exactly one that day (from its ads or its other activity), else currency NULL. Amounts are
-- in the reporting currency when exchange rates are configured, else in their own currency
-- (then a channel can have one row per currency).
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
        sum(email_revenue) as email_revenue,
        sum(installs) as installs,
        sum(reinstalls) as reinstalls,
        sum(app_revenue) as app_revenue,
        sum(app_cost) as app_cost,
        sum(leads) as leads,
        sum(qualified_leads) as qualified_leads,
        sum(opportunities) as opportunities,
        sum(won_deals) as won_deals,
        sum(won_amount) as won_amount,
        sum(affiliate_commission) as affiliate_commission,
        sum(affiliate_actions) as affiliate_actions,
        sum(affiliate_sale_amount) as affiliate_sale_amount,
        sum(survey_responses) as survey_responses
    from activity
    group by tenant_id, date, channel, currency
),

one_currency as (
    select tenant_id, date, channel, min(currency) as currency
    from (
        select tenant_id, date, channel, currency from activity_rows
        union all
        select tenant_id, date, channel, currency from ads
    ) as known
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
        sum(rows_.email_revenue) as email_revenue,
        sum(rows_.installs) as installs,
        sum(rows_.reinstalls) as reinstalls,
        sum(rows_.app_revenue) as app_revenue,
        sum(rows_.app_cost) as app_cost,
        sum(rows_.leads) as leads,
        sum(rows_.qualified_leads) as qualified_leads,
        sum(rows_.opportunities) as opportunities,
        sum(rows_.won_deals) as won_deals,
        sum(rows_.won_amount) as won_amount,
        sum(rows_.affiliate_commission) as affiliate_commission,
        sum(rows_.affiliate_actions) as affiliate_actions,
        sum(rows_.affiliate_sale_amount) as affiliate_sale_amount,
        sum(rows_.survey_responses) as survey_responses
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
        traffic.email_revenue,
        traffic.installs,
        traffic.reinstalls,
        traffic.app_revenue,
        traffic.app_cost,
        traffic.leads,
        traffic.qualified_leads,
        traffic.opportunities,
        traffic.won_deals,
        traffic.won_amount,
        traffic.affiliate_commission,
        traffic.affiliate_actions,
        traffic.affiliate_sale_amount,
        traffic.survey_responses
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
    email_revenue,
    installs,
    reinstalls,
    app_revenue,
    app_cost,
    leads,
    qualified_leads,
    opportunities,
    won_deals,
    won_amount,
    affiliate_commission,
    affiliate_actions,
    affiliate_sale_amount,
    survey_responses
from joined
