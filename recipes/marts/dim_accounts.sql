-- description: Ad accounts across platforms: the platform's account settings plus every account seen in the reports.
-- grain: tenant_id, platform, account_id
-- not_null: platform
-- relationship: platform -> dim_ad_platforms
--
-- Accounts come from the platforms' account objects and from fct_campaign_performance,
-- so every fact row finds its account even when the API no longer returns it
-- (in_api = false). first_date / last_date span the days with reported rows.
with reported as (
    select
        tenant_id,
        platform,
        account_id,
        max(account_name) as account_name,
        max(currency) as currency,
        min(date) as first_date,
        max(date) as last_date,
        sum(spend) as lifetime_spend
    from fct_campaign_performance
    group by tenant_id, platform, account_id
)

select
    coalesce(objects.tenant_id, reported.tenant_id) as tenant_id,
    coalesce(objects.platform, reported.platform) as platform,
    coalesce(objects.account_id, reported.account_id) as account_id,
    coalesce(objects.account_name, reported.account_name) as account_name,
    coalesce(objects.currency, reported.currency) as currency,
    objects.timezone,
    objects.status,
    coalesce(objects.is_active, false) as is_active,
    objects.account_id is not null as in_api,
    reported.first_date,
    reported.last_date,
    coalesce(reported.lifetime_spend, 0) as lifetime_spend
from int_unified_accounts as objects
full outer join reported
    on reported.tenant_id = objects.tenant_id
    and reported.platform = objects.platform
    and reported.account_id = objects.account_id
