-- description: TikTok Ads campaigns in the unified campaign columns.
-- grain: tenant_id, campaign_id
-- not_null: platform, account_id
--
-- status is TikTok's operation_status (ENABLE / DISABLE, set by the advertiser).
select
    tenant_id,
    'tiktok_ads' as platform,
    cast(advertiser_id as varchar) as account_id,
    cast(campaign_id as varchar) as campaign_id,
    campaign_name,
    objective_type as objective,
    operation_status as status,
    coalesce(operation_status = 'ENABLE', false) as is_active
from raw.tiktok_ads_campaigns
