-- description: Ads across platforms: the platform's objects plus every ad seen in the reports.
-- grain: tenant_id, platform, ad_group_id, ad_id
-- not_null: account_id
-- relationship: tenant_id, platform, account_id -> dim_accounts
-- relationship: tenant_id, platform, campaign_id -> dim_campaigns
-- relationship: tenant_id, platform, ad_group_id -> dim_ad_groups
--
-- Objects come from the platform's object endpoints (int_unified_ads) and from
-- fct_ad_performance, so every fact row finds its ad even when the API no longer
-- returns it (deleted objects; in_api = false). Names prefer the object's current
-- name, else the latest reported one. Google Ads ad ids are unique only within an ad
-- group, so an ad is keyed by both. first_date / last_date span the reported days.
with reported as (
    select
        tenant_id,
        platform,
        ad_group_id,
        ad_id,
        max_by(account_id, date) as account_id,
        max_by(campaign_id, date) as campaign_id,
        max_by(ad_name, date) as ad_name,
        min(date) as first_date,
        max(date) as last_date,
        sum(spend) as lifetime_spend
    from fct_ad_performance
    group by tenant_id, platform, ad_group_id, ad_id
)

select
    coalesce(objects.tenant_id, reported.tenant_id) as tenant_id,
    coalesce(objects.platform, reported.platform) as platform,
    coalesce(objects.account_id, reported.account_id) as account_id,
    coalesce(objects.campaign_id, reported.campaign_id) as campaign_id,
    coalesce(objects.ad_group_id, reported.ad_group_id) as ad_group_id,
    coalesce(objects.ad_id, reported.ad_id) as ad_id,
    coalesce(objects.ad_name, reported.ad_name) as ad_name,
    objects.status,
    coalesce(objects.is_active, false) as is_active,
    objects.ad_id is not null as in_api,
    reported.first_date,
    reported.last_date,
    coalesce(reported.lifetime_spend, 0) as lifetime_spend
from int_unified_ads as objects
full outer join reported
    on reported.tenant_id = objects.tenant_id
    and reported.platform = objects.platform
    and reported.ad_group_id = objects.ad_group_id
    and reported.ad_id = objects.ad_id
