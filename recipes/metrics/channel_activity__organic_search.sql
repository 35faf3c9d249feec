-- description: Organic search per day (Search Console, Bing Webmaster...): impressions and clicks on the organic_search channel (read by daily_channel_summary).
-- incremental: date
-- grain: tenant_id, date, channel
--
-- Every search tool's rows summed per tenant and day (fct_organic_search_daily: a tenant
-- that syncs two tools for one site sees both tools' clicks added; sync one per site).
-- No money: currency is NULL.
select
    tenant_id,
    date,
    'organic_search' as channel,
    cast(null as varchar) as currency,
    cast(null as bigint) as sessions,
    cast(null as bigint) as engaged_sessions,
    cast(null as double) as key_events,
    cast(null as decimal(38, 9)) as ga4_revenue,
    cast(sum(impressions) as bigint) as search_impressions,
    cast(sum(clicks) as bigint) as search_clicks,
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
from fct_organic_search_daily
group by tenant_id, date
