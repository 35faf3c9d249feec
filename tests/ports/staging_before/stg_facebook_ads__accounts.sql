-- description: Meta Ads ad accounts in the unified account columns.
-- grain: tenant_id, account_id
-- not_null: platform
--
-- account_id is the numeric id (without 'act_'), as on the insights rows. Meta's
-- account_status 1 means active (2 disabled, 3 unsettled, ...).
select
    tenant_id,
    'facebook_ads' as platform,
    cast(account_id as varchar) as account_id,
    name as account_name,
    currency,
    timezone_name as timezone,
    cast(account_status as varchar) as status,
    coalesce(account_status = 1, false) as is_active
from raw.facebook_ads_ad_accounts
