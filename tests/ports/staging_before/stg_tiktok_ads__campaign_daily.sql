-- description: TikTok Ads campaign-day performance (AUCTION_CAMPAIGN report) in the unified ad-reporting columns.
-- incremental: date
-- grain: tenant_id, date, account_id, campaign_id
-- not_null: platform, currency
-- check: spend >= 0
-- check: impressions >= 0
-- check: clicks >= 0
-- check: conversions >= 0
-- check: conversion_value >= 0
-- freshness: date within 3 days
--
-- The TikTok -> unified mapping lives in the `report` CTE, and only there:
--   stat_time_day                -> date        (a day in the advertiser's time zone)
--   advertiser_id                -> account_id  (name and currency from raw.tiktok_ads_advertisers)
--   conversion                   -> conversions (events of the optimization goal)
--   total_complete_payment_rate  -> conversion_value ("Total Complete Payment Value",
--                                   the purchase value, despite the API name)
-- Names come from the report row (TikTok returns the object's name as an attribute
-- metric), so new campaigns or ads never force a full rebuild. Money is in the
-- advertiser's currency. Missing metrics count as 0.
with report as (
    select
        tenant_id,
        cast(stat_time_day as date) as date,
        cast(advertiser_id as varchar) as account_id,
        cast(campaign_id as varchar) as campaign_id,
        max(campaign_name) as campaign_name,
        coalesce(sum(cast(spend as decimal(38, 9))), 0) as spend,
        coalesce(sum(cast(impressions as bigint)), 0) as impressions,
        coalesce(sum(cast(clicks as bigint)), 0) as clicks,
        coalesce(sum(cast(conversion as double)), 0) as conversions,
        coalesce(sum(cast(total_complete_payment_rate as decimal(38, 9))), 0) as conversion_value
    from raw.tiktok_ads_report_campaign_daily
    group by tenant_id, cast(stat_time_day as date), cast(advertiser_id as varchar), cast(campaign_id as varchar)
)

select
    report.tenant_id,
    report.date,
    'tiktok_ads' as platform,
    report.account_id,
    advertisers.name as account_name,
    report.campaign_id,
    report.campaign_name,
    advertisers.currency,
    report.spend,
    report.impressions,
    report.clicks,
    report.conversions,
    report.conversion_value
from report
left join raw.tiktok_ads_advertisers as advertisers
    on advertisers.tenant_id = report.tenant_id
    and cast(advertisers.advertiser_id as varchar) = report.account_id
