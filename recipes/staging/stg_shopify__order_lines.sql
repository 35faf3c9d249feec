-- description: Shopify order lines, one row per line item, with their order's UTC day, currency and flags.
-- grain: tenant_id, line_item_id
-- not_null: order_id, order_date, currency
-- check: quantity >= 0
-- check: discounted_total >= 0
-- relationship: tenant_id, order_id -> stg_shopify__orders
--
-- dlt loads line items as the child table raw.shopify_orders__line_items: each row's
-- _dlt_root_id is its order's _dlt_id (dlt replaces an order's lines when the order is
-- merged again). Money is in the shop currency; discounted_total is the line's
-- revenue after line-level discounts.
select
    lines.tenant_id,
    cast(lines.id as varchar) as line_item_id,
    cast(orders.id as varchar) as order_id,
    cast(orders.created_at at time zone 'UTC' as date) as order_date,
    orders.currency_code as currency,
    orders.cancelled_at is not null as is_cancelled,
    coalesce(cast(orders.test as boolean), false) as is_test,
    cast(lines.product_id as varchar) as product_id,
    cast(lines.variant_id as varchar) as variant_id,
    lines.sku,
    lines.title,
    coalesce(cast(lines.quantity as bigint), 0) as quantity,
    cast(lines.unit_price as double) as unit_price,
    coalesce(cast(lines.discounted_total as double), 0) as discounted_total
from raw.shopify_orders__line_items as lines
join raw.shopify_orders as orders
    on orders._dlt_id = lines._dlt_root_id
