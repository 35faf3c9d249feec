-- description: Organic social per day (Instagram, Facebook Pages, LinkedIn Pages, YouTube...): impressions, engagements, video views and followers gained on the organic_social channel (read by daily_channel_summary).
-- incremental: date
-- grain: tenant_id, date, channel
--
-- A platform reports an account's day (content_type 'account') and its posts' or videos'
-- days; the account's row already holds its content's numbers, so per platform, account
-- and day the account row is taken when there is one, else the content rows are summed.
-- No money: currency is NULL.
with per_account as (
    select
        tenant_id,
        date,
        platform,
        account_id,
        bool_or(content_type = 'account') as has_account_row,
        sum(case when content_type = 'account' then impressions end) as account_impressions,
        sum(case when content_type = 'account' then engagements end) as account_engagements,
        sum(case when content_type = 'account' then video_views end) as account_video_views,
        sum(case when content_type = 'account' then followers_gained end) as account_followers_gained,
        sum(case when content_type is distinct from 'account' then impressions end) as content_impressions,
        sum(case when content_type is distinct from 'account' then engagements end) as content_engagements,
        sum(case when content_type is distinct from 'account' then video_views end) as content_video_views,
        sum(case when content_type is distinct from 'account' then followers_gained end) as content_followers_gained
    from fct_social_content_daily
    group by tenant_id, date, platform, account_id
)

select
    tenant_id,
    date,
    'organic_social' as channel,
    cast(null as varchar) as currency,
    cast(null as bigint) as sessions,
    cast(null as bigint) as engaged_sessions,
    cast(null as double) as key_events,
    cast(null as decimal(38, 9)) as ga4_revenue,
    cast(null as bigint) as search_impressions,
    cast(null as bigint) as search_clicks,
    cast(sum(case when has_account_row then account_impressions else content_impressions end) as bigint) as social_impressions,
    cast(sum(case when has_account_row then account_engagements else content_engagements end) as bigint) as social_engagements,
    cast(sum(case when has_account_row then account_video_views else content_video_views end) as bigint) as video_views,
    cast(sum(case when has_account_row then account_followers_gained else content_followers_gained end) as bigint) as followers_gained,
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
from per_account
group by tenant_id, date
