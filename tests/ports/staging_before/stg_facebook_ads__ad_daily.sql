-- description: Meta (Facebook and Instagram) Ads ad-day performance (insights) in the unified ad-reporting columns.
-- incremental: date
-- grain: tenant_id, date, account_id, ad_id
-- not_null: platform, currency
-- check: spend >= 0
-- check: impressions >= 0
-- check: clicks >= 0
-- check: conversions >= 0
-- check: conversion_value >= 0
--
-- The Meta -> unified mapping (Marketing API insights, one row per object and day):
--   date_start          -> date        (a day in the ad account's time zone)
--   account_currency    -> currency    (every amount is in it)
--   inline_link_clicks  -> clicks      (link clicks: clicks that lead to the destination,
--                                       comparable with the other platforms' clicks;
--                                       Meta's `clicks` counts every click, likes included)
--   conversions / conversion_value -> the action types the source was configured to
--                                       count as conversions (summed by the source)
--   ad sets             -> ad groups
-- Names, account and currency come from the insights rows themselves, so this model
-- reads no object table and new campaigns or ads never force a full rebuild.
select
    tenant_id,
    cast(date_start as date) as date,
    'facebook_ads' as platform,
    cast(account_id as varchar) as account_id,
    max(account_name) as account_name,
    cast(max(campaign_id) as varchar) as campaign_id,
    max(campaign_name) as campaign_name,
    cast(max(adset_id) as varchar) as ad_group_id,
    max(adset_name) as ad_group_name,
    cast(ad_id as varchar) as ad_id,
    max(ad_name) as ad_name,
    max(account_currency) as currency,
    coalesce(sum(cast(spend as decimal(38, 9))), 0) as spend,
    coalesce(sum(cast(impressions as bigint)), 0) as impressions,
    coalesce(sum(cast(inline_link_clicks as bigint)), 0) as clicks,
    coalesce(sum(cast(conversions as double)), 0) as conversions,
    coalesce(sum(cast(conversion_value as decimal(38, 9))), 0) as conversion_value
from raw.facebook_ads_insights_ad_daily
group by tenant_id, cast(date_start as date), cast(account_id as varchar), cast(ad_id as varchar)
