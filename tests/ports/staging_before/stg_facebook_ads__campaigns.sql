-- description: Meta Ads campaigns in the unified campaign columns.
-- grain: tenant_id, campaign_id
-- not_null: platform, account_id
--
-- status is Meta's effective_status (delivery, including the parents' state).
select
    tenant_id,
    'facebook_ads' as platform,
    cast(account_id as varchar) as account_id,
    cast(id as varchar) as campaign_id,
    name as campaign_name,
    objective,
    effective_status as status,
    coalesce(effective_status = 'ACTIVE', false) as is_active
from raw.facebook_ads_campaigns
