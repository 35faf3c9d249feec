-- description: Shopify orders, one row per order: money as numbers, flags as booleans, the UTC order day.
-- incremental: order_date
-- grain: tenant_id, order_id
-- not_null: created_at, order_date, currency
-- check: total_price >= 0
-- check: total_refunded >= 0
-- freshness: order_date within 7 days
--
-- order_date is the UTC day of created_at (the raw orders carry no shop time zone).
-- Shopify sends money as decimal strings; absent amounts count as 0. Incremental by
-- the order day: an order updated later (refund, cancellation) rebuilds that day.
-- Freshness allows 7 days without a new order before it fails.
select
    tenant_id,
    cast(id as varchar) as order_id,
    name as order_name,
    created_at,
    cast(created_at at time zone 'UTC' as date) as order_date,
    updated_at,
    processed_at,
    cancelled_at,
    cancelled_at is not null as is_cancelled,
    coalesce(cast(test as boolean), false) as is_test,
    currency_code as currency,
    coalesce(cast(total_price as double), 0) as total_price,
    coalesce(cast(subtotal_price as double), 0) as subtotal_price,
    coalesce(cast(total_discounts as double), 0) as total_discounts,
    coalesce(cast(total_tax as double), 0) as total_tax,
    coalesce(cast(total_shipping as double), 0) as total_shipping,
    coalesce(cast(total_refunded as double), 0) as total_refunded,
    financial_status,
    fulfillment_status,
    cast(customer_id as varchar) as customer_id,
    source_name,
    landing_page_url,
    referrer_url,
    utm_source,
    utm_medium,
    utm_campaign
from raw.shopify_orders
