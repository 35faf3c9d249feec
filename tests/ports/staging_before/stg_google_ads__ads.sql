-- description: Google Ads ads (ad group ads) in the unified ad columns.
-- grain: tenant_id, ad_group_id, ad_id
-- not_null: platform, account_id, campaign_id
--
-- An ad id is unique only together with its ad group in Google Ads (an ad can be
-- shared), so the grain includes ad_group_id.
select
    tenant_id,
    'google_ads' as platform,
    cast(customer_id as varchar) as account_id,
    cast(campaign_id as varchar) as campaign_id,
    cast(ad_group_id as varchar) as ad_group_id,
    cast(ad_id as varchar) as ad_id,
    ad_name,
    status,
    coalesce(status = 'ENABLED', false) as is_active
from raw.google_ads_ads
