-- description: TikTok Ads ad groups in the unified ad-group columns.
-- grain: tenant_id, ad_group_id
-- not_null: platform, account_id, campaign_id
select
    tenant_id,
    'tiktok_ads' as platform,
    cast(advertiser_id as varchar) as account_id,
    cast(campaign_id as varchar) as campaign_id,
    cast(adgroup_id as varchar) as ad_group_id,
    adgroup_name as ad_group_name,
    operation_status as status,
    coalesce(operation_status = 'ENABLE', false) as is_active
from raw.tiktok_ads_ad_groups
