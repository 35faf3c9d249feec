-- description: Unified daily ad group (Meta: ad set)-level performance across every ad platform that was synced, with ratios and reporting-currency amounts.
-- union: ad_group_daily = stg_*__ad_group_daily
-- incremental: date
-- grain: tenant_id, date, platform, ad_group_id
-- not_null: account_id, currency
-- check: spend >= 0
-- check: impressions >= 0
-- check: clicks >= 0
-- check: conversions >= 0
-- check: conversion_value >= 0
-- check: view_through_conversions >= 0
-- check: video_views >= 0
-- check: roas >= 0 and roas <= 1000
-- finite: spend, impressions, clicks, conversions, conversion_value, view_through_conversions, ctr, cpc, cpm, roas, conversion_rate, spend_reporting, conversion_value_reporting
-- warn_if: clicks > impressions
-- warn_if: reporting_currency is not null and fx_rate is null
-- relationship: tenant_id, platform, ad_group_id -> dim_ad_groups
-- relationship: tenant_id, platform, account_id -> dim_accounts
-- relationship: platform -> dim_ad_platforms
-- derived: ctr, cpc, cpm, roas, conversion_rate, fx_rate, spend_reporting, conversion_value_reporting
--
-- One row per ad group (Meta: ad set) and day as the platform reports it at this level (platforms
-- report each level separately: a campaign's spend can include spend that no ad group
-- or ad carries, so never add rows of different levels together).
-- `ad_group_daily` is the UNION ALL of the staging models stg_<source>__ad_group_daily built in this
-- run; a platform joins this fact by adding one such model with the same columns.
-- ctr, cpc, cpm, roas, conversion_rate (NULL when their denominator is 0), fx_rate and the
-- *_reporting amounts (NULL when that day's rate is missing) are defined in derived.sql.
-- view_through_conversions and video_views are NULL for a platform that does not report
-- them (each platform's definition is in its staging model's header).
with unified as (
    select u.*, settings.reporting_currency, fx.rate
    from ad_group_daily as u
    cross join int_reporting_currency as settings
    left join int_fx_rates as fx on fx.date = u.date and fx.currency = u.currency
)

select
    tenant_id, date, platform, account_id, account_name,
    campaign_id, campaign_name,
    ad_group_id, ad_group_name,
    currency, spend, impressions, clicks, conversions, conversion_value,
    view_through_conversions, video_views,
    ctr, cpc, cpm, roas, conversion_rate,
    reporting_currency, fx_rate, spend_reporting, conversion_value_reporting
from unified
