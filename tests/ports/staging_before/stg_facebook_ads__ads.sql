-- description: Meta Ads ads in the unified ad columns (their ad set as the ad group).
-- grain: tenant_id, ad_group_id, ad_id
-- not_null: platform, account_id, campaign_id, ad_group_id
select
    tenant_id,
    'facebook_ads' as platform,
    cast(account_id as varchar) as account_id,
    cast(campaign_id as varchar) as campaign_id,
    cast(adset_id as varchar) as ad_group_id,
    cast(id as varchar) as ad_id,
    name as ad_name,
    effective_status as status,
    coalesce(effective_status = 'ACTIVE', false) as is_active
from raw.facebook_ads_ads
