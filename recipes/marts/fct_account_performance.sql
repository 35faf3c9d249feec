-- description: Unified daily account-level performance across every ad platform that was synced, with ratios and reporting-currency amounts.
-- union: account_daily = stg_*__account_daily
-- incremental: date
-- grain: tenant_id, date, platform, account_id
-- not_null: account_id, currency
-- check: spend >= 0
-- check: impressions >= 0
-- check: clicks >= 0
-- check: conversions >= 0
-- check: conversion_value >= 0
-- check: roas >= 0 and roas <= 1000
-- finite: spend, impressions, clicks, conversions, conversion_value, ctr, cpc, cpm, roas, conversion_rate, spend_reporting, conversion_value_reporting
-- warn_if: clicks > impressions
-- warn_if: reporting_currency is not null and fx_rate is null
-- relationship: tenant_id, platform, account_id -> dim_accounts
-- relationship: platform -> dim_ad_platforms
--
-- One row per account and day as the platform reports it at this level (platforms
-- report each level separately: a campaign's spend can include spend that no ad group
-- or ad carries, so never add rows of different levels together).
-- `account_daily` is the UNION ALL of the staging models stg_<source>__account_daily built in this
-- run; a platform joins this fact by adding one such model with the same columns.
-- Ratios are fractions in the account currency and NULL when their denominator is 0
-- (never an error or an infinity):
--   ctr = clicks / impressions           cpc = spend / clicks
--   cpm = spend * 1000 / impressions     roas = conversion_value / spend
--   conversion_rate = conversions / clicks
-- *_reporting amounts are in the reporting currency (int_reporting_currency) when
-- exchange rates are configured: amount * fx_rate, NULL when that day's rate is missing.
with unified as (
    select
        u.tenant_id,
        u.date,
        u.platform,
        u.account_id,
        u.account_name,
        u.currency,
        u.spend,
        u.impressions,
        u.clicks,
        u.conversions,
        u.conversion_value,
        settings.reporting_currency,
        case when u.currency = settings.reporting_currency then 1.0 else fx.rate end as fx_rate
    from account_daily as u
    cross join int_reporting_currency as settings
    left join int_fx_rates as fx
        on fx.date = u.date
        and fx.currency = u.currency
)

select
    tenant_id,
    date,
    platform,
    account_id,
    account_name,
    currency,
    spend,
    impressions,
    clicks,
    conversions,
    conversion_value,
    cast(clicks as double) / nullif(impressions, 0) as ctr,
    spend / nullif(clicks, 0) as cpc,
    spend * 1000 / nullif(impressions, 0) as cpm,
    conversion_value / nullif(spend, 0) as roas,
    conversions / nullif(clicks, 0) as conversion_rate,
    reporting_currency,
    fx_rate,
    spend * fx_rate as spend_reporting,
    conversion_value * fx_rate as conversion_value_reporting
from unified
