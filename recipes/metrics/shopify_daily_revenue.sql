-- description: Shopify revenue per tenant, day (the shop's calendar) and currency, without test or cancelled orders.
-- grain: tenant_id, date, currency
-- check: orders > 0
-- check: gross_revenue >= 0
--
-- Kept for the queries written against it: daily_commerce_revenue has the same numbers for
-- every store. Test orders are never revenue. Cancelled orders are left out entirely (on
-- their order day), where Shopify's own sales report books a cancellation as a return on
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
    sum(gross) as gross_revenue,
    sum(coalesce(discounts, 0)) as discounts,
    sum(coalesce(refunds, 0)) as refunds,
    sum(net_revenue) as net_revenue,
    sum(coalesce(shipping, 0)) as shipping,
    sum(coalesce(tax, 0)) as tax,
    sum(coalesce(total, 0)) as total_sales
from fct_orders
where platform = 'shopify' and not coalesce(is_test, false) and not coalesce(is_cancelled, false)
group by tenant_id, order_date, currency
