-- description: Campaigns across platforms: the platform's objects plus every campaign seen in the reports.
-- grain: tenant_id, platform, campaign_id
-- not_null: account_id
-- relationship: tenant_id, platform, account_id -> dim_accounts
--
-- Objects come from the platform's object endpoints (int_unified_campaigns) and from
-- fct_campaign_performance, so every fact row finds its campaign even when the API no longer
-- returns it (deleted objects; in_api = false). Names prefer the object's current
-- name, else the latest reported one. first_date / last_date span the reported days.
with reported as (
    select
        tenant_id,
        platform,
        campaign_id,
        max_by(account_id, date) as account_id,
        max_by(campaign_name, date) as campaign_name,
        min(date) as first_date,
        max(date) as last_date,
        sum(spend) as lifetime_spend
    from fct_campaign_performance
    group by tenant_id, platform, campaign_id
)

select
    coalesce(objects.tenant_id, reported.tenant_id) as tenant_id,
    coalesce(objects.platform, reported.platform) as platform,
    coalesce(objects.account_id, reported.account_id) as account_id,
    coalesce(objects.campaign_id, reported.campaign_id) as campaign_id,
    coalesce(objects.campaign_name, reported.campaign_name) as campaign_name,
    objects.objective,
    objects.status,
    coalesce(objects.is_active, false) as is_active,
    objects.campaign_id is not null as in_api,
    reported.first_date,
    reported.last_date,
    coalesce(reported.lifetime_spend, 0) as lifetime_spend
from int_unified_campaigns as objects
full outer join reported
    on reported.tenant_id = objects.tenant_id
    and reported.platform = objects.platform
    and reported.campaign_id = objects.campaign_id
