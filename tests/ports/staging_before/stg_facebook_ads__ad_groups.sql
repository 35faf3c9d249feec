-- description: Meta Ads ad sets, as the unified ad groups.
-- grain: tenant_id, ad_group_id
-- not_null: platform, account_id, campaign_id
select
    tenant_id,
    'facebook_ads' as platform,
    cast(account_id as varchar) as account_id,
    cast(campaign_id as varchar) as campaign_id,
    cast(id as varchar) as ad_group_id,
    name as ad_group_name,
    effective_status as status,
    coalesce(effective_status = 'ACTIVE', false) as is_active
from raw.facebook_ads_ad_sets
