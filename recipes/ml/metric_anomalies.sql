-- description: Robust z-scores (median / MAD) per campaign and metric for every day, with an anomaly flag.
-- grain: tenant_id, platform, campaign_id, date, metric
-- not_null: value, median_value, observations
-- check: mad >= 0
--
-- For each campaign and metric (spend, impressions, clicks, conversions, revenue, ctr,
-- cpc, roas) over the campaign's whole history in daily_campaign_summary:
--   median_value = median(value)
--   mad          = median(|value - median_value|)        (median absolute deviation)
--   robust_z     = 0.6745 * (value - median_value) / mad (Iglewicz and Hoaglin)
-- robust_z is NULL when mad = 0 (a constant series has no spread to compare against).
-- A day is an anomaly (is_anomaly) when |robust_z| > 3.5 with at least 7 observations. Days where a ratio is
-- undefined (its denominator was 0) have no row for that metric. The median and MAD
-- see the whole history, so a day is judged against its campaign's typical level;
-- they are robust to the outliers they look for, unlike a mean and standard deviation.
with daily as (
    select tenant_id, platform, account_id, campaign_id, date, spend, impressions, clicks, conversions, revenue, ctr, cpc, roas
    from daily_campaign_summary
),

observations as (
    select tenant_id, platform, account_id, campaign_id, date, 'spend' as metric, cast(spend as double) as value from daily
    union all
    select tenant_id, platform, account_id, campaign_id, date, 'impressions' as metric, cast(impressions as double) as value from daily
    union all
    select tenant_id, platform, account_id, campaign_id, date, 'clicks' as metric, cast(clicks as double) as value from daily
    union all
    select tenant_id, platform, account_id, campaign_id, date, 'conversions' as metric, cast(conversions as double) as value from daily
    union all
    select tenant_id, platform, account_id, campaign_id, date, 'revenue' as metric, cast(revenue as double) as value from daily
    union all
    select tenant_id, platform, account_id, campaign_id, date, 'ctr' as metric, cast(ctr as double) as value from daily
    union all
    select tenant_id, platform, account_id, campaign_id, date, 'cpc' as metric, cast(cpc as double) as value from daily
    union all
    select tenant_id, platform, account_id, campaign_id, date, 'roas' as metric, cast(roas as double) as value from daily
),

centred as (
    select
        observations.*,
        median(value) over (partition by tenant_id, platform, campaign_id, metric) as median_value,
        count(*) over (partition by tenant_id, platform, campaign_id, metric) as observations
    from observations
    where value is not null
),

spread as (
    select
        centred.*,
        median(abs(value - median_value)) over (partition by tenant_id, platform, campaign_id, metric) as mad
    from centred
)

select
    tenant_id,
    platform,
    account_id,
    campaign_id,
    date,
    metric,
    value,
    median_value,
    mad,
    observations,
    0.6745 * (value - median_value) / nullif(mad, 0) as robust_z,
    coalesce(observations >= 7 and abs(0.6745 * (value - median_value) / nullif(mad, 0)) > 3.5, false) as is_anomaly
from spread
