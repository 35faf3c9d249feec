-- description: Google Ads ad groups in the unified ad-group columns.
-- grain: tenant_id, ad_group_id
-- not_null: platform, account_id, campaign_id
select
    tenant_id,
    'google_ads' as platform,
    cast(customer_id as varchar) as account_id,
    cast(campaign_id as varchar) as campaign_id,
    cast(ad_group_id as varchar) as ad_group_id,
    ad_group_name,
    status,
    coalesce(status = 'ENABLED', false) as is_active
from raw.google_ads_ad_groups
