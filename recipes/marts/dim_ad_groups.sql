-- description: Ad group (meta: ad set)s across platforms: the platform's objects plus every ad group seen in the reports.
-- grain: tenant_id, platform, ad_group_id
-- not_null: account_id
-- relationship: tenant_id, platform, account_id -> dim_accounts
-- relationship: tenant_id, platform, campaign_id -> dim_campaigns
--
-- Objects come from the platform's object endpoints (int_unified_ad_groups) and from
-- fct_ad_group_performance, so every fact row finds its ad group even when the API no longer
-- returns it (deleted objects; in_api = false). Names prefer the object's current
-- name, else the latest reported one. first_date / last_date span the reported days.
with reported as (
    select
        tenant_id,
        platform,
        ad_group_id,
        max_by(account_id, date) as account_id,
        max_by(campaign_id, date) as campaign_id,
        max_by(ad_group_name, date) as ad_group_name,
        min(date) as first_date,
        max(date) as last_date,
        sum(spend) as lifetime_spend
    from fct_ad_group_performance
    group by tenant_id, platform, ad_group_id
)

select
    coalesce(objects.tenant_id, reported.tenant_id) as tenant_id,
    coalesce(objects.platform, reported.platform) as platform,
    coalesce(objects.account_id, reported.account_id) as account_id,
    coalesce(objects.campaign_id, reported.campaign_id) as campaign_id,
    coalesce(objects.ad_group_id, reported.ad_group_id) as ad_group_id,
    coalesce(objects.ad_group_name, reported.ad_group_name) as ad_group_name,
    objects.status,
    coalesce(objects.is_active, false) as is_active,
    objects.ad_group_id is not null as in_api,
    reported.first_date,
    reported.last_date,
    coalesce(reported.lifetime_spend, 0) as lifetime_spend
from int_unified_ad_groups as objects
full outer join reported
    on reported.tenant_id = objects.tenant_id
    and reported.platform = objects.platform
    and reported.ad_group_id = objects.ad_group_id
