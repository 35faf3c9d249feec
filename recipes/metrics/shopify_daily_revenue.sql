-- description: Shopify revenue per tenant, UTC day and currency, without test or cancelled orders.
-- incremental: date
-- grain: tenant_id, date, currency
-- check: orders > 0
-- check: gross_revenue >= 0
--
-- Test orders are never revenue. Cancelled orders are left out entirely (on their
-- order day), where Shopify's own sales report books a cancellation as a return on
-- the day it happens; refunds of kept orders stay on the order's day.
--   gross_revenue = subtotal_price + total_discounts  (merchandise before discounts,
--                   without shipping and tax; with tax-inclusive prices it includes tax)
--   discounts     = total_discounts
--   refunds       = total_refunded
--   net_revenue   = gross_revenue - discounts - refunds
--   total_sales   = total_price (what the customer paid: after discounts, with shipping and tax)
select
    tenant_id,
    order_date as date,
    currency,
    count(*) as orders,
    sum(subtotal_price + total_discounts) as gross_revenue,
    sum(total_discounts) as discounts,
    sum(total_refunded) as refunds,
    sum(subtotal_price - total_refunded) as net_revenue,
    sum(total_shipping) as shipping,
    sum(total_tax) as tax,
    sum(total_price) as total_sales
from stg_shopify__orders
where not is_test and not is_cancelled
group by tenant_id, order_date, currency
