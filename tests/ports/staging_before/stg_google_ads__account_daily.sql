-- description: Google Ads account-day (summed from the campaign report: every cost belongs to a campaign) performance in the unified ad-reporting columns.
-- incremental: date
-- grain: tenant_id, date, account_id
-- not_null: platform, currency
-- check: spend >= 0
-- check: impressions >= 0
-- check: clicks >= 0
-- check: conversions >= 0
-- check: conversion_value >= 0
--
-- The Google Ads -> unified mapping (GAQL reports, one row per object and day):
--   segments.date (date)        -> date        (a day in the customer's time zone)
--   customer_id                 -> account_id  (name from raw.google_ads_customers)
--   metrics.cost_micros / 1e6   -> spend       (Google sends money in micros)
--   currency_code               -> currency
--   conversions_value           -> conversion_value
with report as (
    select
        tenant_id,
        cast(date as date) as date,
        cast(customer_id as varchar) as account_id,
        max(currency_code) as currency,
        coalesce(sum(cast(cast(cost_micros as decimal(38, 9)) * 0.000001 as decimal(38, 9))), 0) as spend,
        coalesce(sum(cast(impressions as bigint)), 0) as impressions,
        coalesce(sum(cast(clicks as bigint)), 0) as clicks,
        coalesce(sum(cast(conversions as double)), 0) as conversions,
        coalesce(sum(cast(conversions_value as decimal(38, 9))), 0) as conversion_value
    from raw.google_ads_campaign_daily
    group by tenant_id, cast(date as date), cast(customer_id as varchar)
)

select
    report.tenant_id,
    report.date,
    'google_ads' as platform,
    report.account_id,
    customers.descriptive_name as account_name,
    report.currency,
    report.spend,
    report.impressions,
    report.clicks,
    report.conversions,
    report.conversion_value
from report
left join raw.google_ads_customers as customers
    on customers.tenant_id = report.tenant_id
    and cast(customers.customer_id as varchar) = report.account_id
