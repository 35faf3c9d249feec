-- description: TikTok Ads advertisers (ad accounts) in the unified account columns.
-- grain: tenant_id, account_id
-- not_null: platform
select
    tenant_id,
    'tiktok_ads' as platform,
    cast(advertiser_id as varchar) as account_id,
    name as account_name,
    currency,
    timezone,
    status,
    coalesce(status = 'STATUS_ENABLE', false) as is_active
from raw.tiktok_ads_advertisers
