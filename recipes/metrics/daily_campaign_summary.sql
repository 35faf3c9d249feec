-- description: Daily campaign KPIs per tenant and platform; a ratio is NULL when its denominator is 0.
-- incremental: date
-- grain: tenant_id, date, platform, account_id, campaign_id
-- check: spend >= 0
-- check: roas >= 0 and roas <= 1000
-- finite: spend, impressions, clicks, conversions, revenue, roas, ctr, cpc, cpm, conversion_rate, spend_reporting, revenue_reporting
-- derived: roas, ctr, cpc, cpm, conversion_rate
--
-- revenue is the platform-reported conversion value. The ratios (derived.sql) are
-- fractions in the account's currency, recomputed from the day's sums and NULL when their
-- denominator is 0 (a day with revenue but no spend has roas NULL, not 0).
-- *_reporting amounts are in the reporting currency when exchange rates are configured
-- (NULL when that day's rate is missing).
-- view_through_conversions and video_views are NULL for a platform that does not report them.
with totals as (
    select
        tenant_id,
        date,
        platform,
        account_id,
        campaign_id,
        max(account_name) as account_name,
        max(campaign_name) as campaign_name,
        max(currency) as currency,
        sum(spend) as spend,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(conversions) as conversions,
        sum(conversion_value) as conversion_value,
        sum(view_through_conversions) as view_through_conversions,
        sum(video_views) as video_views,
        max(reporting_currency) as reporting_currency,
        sum(spend_reporting) as spend_reporting,
        sum(conversion_value_reporting) as revenue_reporting
    from fct_campaign_performance
    group by tenant_id, date, platform, account_id, campaign_id
)

select
    tenant_id,
    date,
    platform,
    account_id,
    account_name,
    campaign_id,
    campaign_name,
    currency,
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
