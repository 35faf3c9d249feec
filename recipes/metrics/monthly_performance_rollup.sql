-- description: Campaign performance per calendar month, with ratios recomputed from the sums.
-- grain: tenant_id, month_start, platform, account_id, campaign_id
-- check: spend >= 0
-- check: days_with_data >= 1
-- derived: roas, ctr, cpc, cpm, conversion_rate
--
-- month_start is the first day of the month. The ratios (derived.sql) are recomputed
-- from the period's sums (never averaged from daily ratios), NULL when the denominator is 0.
-- The current month is partial: days_with_data says how many days have rows.
with totals as (
    select
        tenant_id,
        cast(date_trunc('month', date) as date) as month_start,
        platform,
        account_id,
        campaign_id,
        max(account_name) as account_name,
        max(campaign_name) as campaign_name,
        max(currency) as currency,
        count(*) as days_with_data,
        sum(spend) as spend,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(conversions) as conversions,
        sum(revenue) as conversion_value,
        sum(view_through_conversions) as view_through_conversions,
        sum(video_views) as video_views,
        max(reporting_currency) as reporting_currency,
        sum(spend_reporting) as spend_reporting,
        sum(revenue_reporting) as revenue_reporting
    from daily_campaign_summary
    group by tenant_id, cast(date_trunc('month', date) as date), platform, account_id, campaign_id
)

select
    tenant_id,
    month_start,
    platform,
    account_id,
    account_name,
    campaign_id,
    campaign_name,
    currency,
    days_with_data,
    spend,
    impressions,
    clicks,
    conversions,
    conversion_value as revenue,
    view_through_conversions,
    video_views,
    roas, ctr, cpc, cpm, conversion_rate,
    reporting_currency,
    spend_reporting,
    revenue_reporting
from totals
