-- description: Google Ads customers (client accounts) in the unified account columns.
-- grain: tenant_id, account_id
-- not_null: platform
select
    tenant_id,
    'google_ads' as platform,
    cast(customer_id as varchar) as account_id,
    descriptive_name as account_name,
    currency_code as currency,
    time_zone as timezone,
    status,
    coalesce(status = 'ENABLED', false) as is_active
from raw.google_ads_customers
