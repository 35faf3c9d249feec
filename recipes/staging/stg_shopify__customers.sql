-- description: Shopify customers without personal data: state, order count and lifetime spend.
-- grain: tenant_id, customer_id
-- check: number_of_orders >= 0
-- check: amount_spent >= 0
select
    tenant_id,
    cast(id as varchar) as customer_id,
    state,
    tags,
    coalesce(cast(number_of_orders as bigint), 0) as number_of_orders,
    coalesce(cast(amount_spent as double), 0) as amount_spent,
    amount_spent_currency as currency,
    created_at,
    cast(created_at at time zone 'UTC' as date) as first_seen_date,
    updated_at
from raw.shopify_customers
