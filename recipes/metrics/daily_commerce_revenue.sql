-- description: Revenue per store and day (the store's calendar), from every store and payment processor synced: orders, new and returning customers, refunds, net revenue.
-- grain: tenant_id, platform, store_id, date, currency
-- not_null: category
-- check: orders > 0
-- check: new_customer_orders + returning_customer_orders <= orders
-- check: gross >= 0
-- check: refunds >= 0
--
-- Test and cancelled orders are left out. Refunds stay on the order's day (as fct_orders
-- carries them), so a later refund lowers that day's net revenue. Orders without a
-- customer id (guest or walk-in) count in `orders` but neither as new nor as returning.
--   net_revenue = gross - discounts - refunds
-- Amounts are in `currency`; *_reporting in the reporting currency (NULL when a rate is
-- missing or none is configured).
select
    tenant_id,
    platform,
    max(category) as category,
    store_id,
    max(store_name) as store_name,
    order_date as date,
    currency,
    count(*) as orders,
    cast(count(distinct customer_id) as bigint) as customers,
    cast(sum(case when is_first_order then 1 else 0 end) as bigint) as new_customer_orders,
    cast(sum(case when is_first_order = false then 1 else 0 end) as bigint) as returning_customer_orders,
    sum(gross) as gross,
    sum(coalesce(discounts, 0)) as discounts,
    sum(coalesce(refunds, 0)) as refunds,
    sum(net_revenue) as net_revenue,
    sum(coalesce(tax, 0)) as tax,
    sum(coalesce(shipping, 0)) as shipping,
    sum(total) as total,
    max(reporting_currency) as reporting_currency,
    sum(net_revenue_reporting) as net_revenue_reporting,
    bool_or(reporting_currency is not null and fx_rate is null) as missing_fx
from fct_orders
where not coalesce(is_test, false) and not coalesce(is_cancelled, false)
group by tenant_id, platform, store_id, order_date, currency
