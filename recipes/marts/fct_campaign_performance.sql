-- description: Unified daily campaign performance across every ad platform that was synced.
-- union: campaign_daily = stg_*__campaign_daily
-- grain: tenant_id, date, platform, account_id, campaign_id
-- not_null: currency
-- check: spend >= 0
-- check: impressions >= 0
-- check: clicks >= 0
-- check: conversions >= 0
--
-- `campaign_daily` is the UNION ALL of every staging model named
-- stg_<source>__campaign_daily that was built in this run; a new ad source joins
-- this fact by adding its staging model with the same columns.
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
    conversion_value
from campaign_daily
