-- description: Google Ads campaigns in the unified campaign columns.
-- grain: tenant_id, campaign_id
-- not_null: platform, account_id
--
-- objective is the advertising channel type (SEARCH, DISPLAY, PERFORMANCE_MAX...).
select
    tenant_id,
    'google_ads' as platform,
    cast(customer_id as varchar) as account_id,
    cast(campaign_id as varchar) as campaign_id,
    campaign_name,
    advertising_channel_type as objective,
    status,
    coalesce(status = 'ENABLED', false) as is_active
from raw.google_ads_campaigns
