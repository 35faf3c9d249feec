-- description: Post-purchase survey answers per day and channel ("how did you hear about us": fct_post_purchase_attribution), as a survey_responses count (read by daily_channel_summary).
-- incremental: date
-- grain: tenant_id, date, channel
-- check: survey_responses > 0
--
-- Every survey tool's matched responses summed per tenant, day and channel. No money:
-- currency is NULL.
select
    tenant_id,
    date,
    channel,
    cast(null as varchar) as currency,
    cast(null as bigint) as sessions,
    cast(null as bigint) as engaged_sessions,
    cast(null as double) as key_events,
    cast(null as decimal(38, 9)) as ga4_revenue,
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
    cast(sum(responses) as bigint) as survey_responses
from fct_post_purchase_attribution
group by tenant_id, date, channel
