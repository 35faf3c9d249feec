-- description: One row per campaign and day (days without data filled with 0): lags, 7- and 28-day rolling sums and ratios, for forecasting and ML.
-- grain: tenant_id, platform, campaign_id, date
-- not_null: account_id, day_of_week, days_since_start
-- check: spend >= 0
-- check: spend_28d >= spend_7d
--
-- The spine runs from each campaign's first reported day to its tenant's last reported
-- day, so a paused campaign shows zeros instead of vanishing, and "7 rows back" is
-- always 7 days back. Lags (lag_1 = the day before, lag_7 = a week before) are NULL
-- before the first day. Rolling windows include the day itself (spend_7d = this day and
-- the 6 before); days_in_28d < 28 marks the warm-up rows. Ratios over a window are
-- sums over sums, NULL when the denominator is 0. day_of_week: 1 = Monday ... 7 = Sunday.
-- Amounts are in the account currency (see `currency`).
with daily as (
    select tenant_id, platform, account_id, campaign_id, date, currency, spend, impressions, clicks, conversions, revenue
    from daily_campaign_summary
),

campaigns as (
    select
        tenant_id,
        platform,
        campaign_id,
        max(account_id) as account_id,
        max(currency) as currency,
        min(date) as first_date
    from daily
    group by tenant_id, platform, campaign_id
),

tenant_days as (
    select tenant_id, max(date) as last_date
    from daily
    group by tenant_id
),

bounds as (
    select min(date) as first_day, max(date) as last_day
    from daily
),

calendar as (
    select dim_dates.date
    from bounds
    join dim_dates
        on dim_dates.date between bounds.first_day and bounds.last_day
),

spine as (
    select
        campaigns.tenant_id,
        campaigns.platform,
        campaigns.account_id,
        campaigns.campaign_id,
        campaigns.currency,
        calendar.date,
        date_diff('day', campaigns.first_date, calendar.date) as days_since_start
    from campaigns
    join tenant_days
        on tenant_days.tenant_id = campaigns.tenant_id
    join calendar
        on calendar.date >= campaigns.first_date
        and calendar.date <= tenant_days.last_date
),

filled as (
    select
        spine.tenant_id,
        spine.platform,
        spine.account_id,
        spine.campaign_id,
        spine.currency,
        spine.date,
        spine.days_since_start,
        coalesce(daily.spend, 0) as spend,
        coalesce(daily.impressions, 0) as impressions,
        coalesce(daily.clicks, 0) as clicks,
        coalesce(daily.conversions, 0) as conversions,
        coalesce(daily.revenue, 0) as revenue
    from spine
    left join daily
        on daily.tenant_id = spine.tenant_id
        and daily.platform = spine.platform
        and daily.campaign_id = spine.campaign_id
        and daily.date = spine.date
),

windows as (
    select
        filled.*,
        lag(spend, 1) over (partition by tenant_id, platform, campaign_id order by date) as spend_lag_1,
        lag(spend, 7) over (partition by tenant_id, platform, campaign_id order by date) as spend_lag_7,
        lag(revenue, 1) over (partition by tenant_id, platform, campaign_id order by date) as revenue_lag_1,
        lag(revenue, 7) over (partition by tenant_id, platform, campaign_id order by date) as revenue_lag_7,
        lag(clicks, 1) over (partition by tenant_id, platform, campaign_id order by date) as clicks_lag_1,
        lag(conversions, 1) over (partition by tenant_id, platform, campaign_id order by date) as conversions_lag_1,
        lag(conversions, 7) over (partition by tenant_id, platform, campaign_id order by date) as conversions_lag_7,
        sum(spend) over (partition by tenant_id, platform, campaign_id order by date rows between 6 preceding and current row) as spend_7d,
        sum(spend) over (partition by tenant_id, platform, campaign_id order by date rows between 27 preceding and current row) as spend_28d,
        sum(revenue) over (partition by tenant_id, platform, campaign_id order by date rows between 6 preceding and current row) as revenue_7d,
        sum(revenue) over (partition by tenant_id, platform, campaign_id order by date rows between 27 preceding and current row) as revenue_28d,
        sum(impressions) over (partition by tenant_id, platform, campaign_id order by date rows between 6 preceding and current row) as impressions_7d,
        sum(impressions) over (partition by tenant_id, platform, campaign_id order by date rows between 27 preceding and current row) as impressions_28d,
        sum(clicks) over (partition by tenant_id, platform, campaign_id order by date rows between 6 preceding and current row) as clicks_7d,
        sum(clicks) over (partition by tenant_id, platform, campaign_id order by date rows between 27 preceding and current row) as clicks_28d,
        sum(conversions) over (partition by tenant_id, platform, campaign_id order by date rows between 6 preceding and current row) as conversions_7d,
        sum(conversions) over (partition by tenant_id, platform, campaign_id order by date rows between 27 preceding and current row) as conversions_28d,
        count(*) over (partition by tenant_id, platform, campaign_id order by date rows between 27 preceding and current row) as days_in_28d
    from filled
)

select
    tenant_id,
    platform,
    account_id,
    campaign_id,
    date,
    currency,
    ((date_diff('day', cast('1970-01-05' as date), date) % 7) + 7) % 7 + 1 as day_of_week,
    days_since_start,
    spend,
    impressions,
    clicks,
    conversions,
    revenue,
    spend_lag_1,
    spend_lag_7,
    revenue_lag_1,
    revenue_lag_7,
    clicks_lag_1,
    conversions_lag_1,
    conversions_lag_7,
    spend_7d,
    spend_28d,
    revenue_7d,
    revenue_28d,
    impressions_7d,
    impressions_28d,
    clicks_7d,
    clicks_28d,
    conversions_7d,
    conversions_28d,
    days_in_28d,
    revenue_7d / nullif(spend_7d, 0) as roas_7d,
    revenue_28d / nullif(spend_28d, 0) as roas_28d,
    cast(clicks_7d as double) / nullif(impressions_7d, 0) as ctr_7d,
    cast(clicks_28d as double) / nullif(impressions_28d, 0) as ctr_28d,
    spend_7d / nullif(clicks_7d, 0) as cpc_7d,
    spend_28d / nullif(clicks_28d, 0) as cpc_28d,
    conversions_7d / nullif(clicks_7d, 0) as conversion_rate_7d,
    conversions_28d / nullif(clicks_28d, 0) as conversion_rate_28d,
    (spend_7d / 7) / nullif(spend_28d / 28, 0) as spend_trend_7d_vs_28d
from windows
