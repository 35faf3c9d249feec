-- description: Unified orders: one row per order and tenant from every store and payment processor synced, with net revenue, first orders, the attributed ad platform and reporting-currency amounts.
-- union: orders = stg_*__orders
-- grain: tenant_id, platform, store_id, order_id
-- not_null: order_date, currency, gross
-- check: gross >= 0
-- check: coalesce(discounts, 0) >= 0
-- check: coalesce(refunds, 0) >= 0
-- check: coalesce(refunds, 0) <= coalesce(total, gross + coalesce(tax, 0) + coalesce(shipping, 0))
-- check: net_revenue >= -(coalesce(tax, 0) + coalesce(shipping, 0))
-- check: created_at is null or (order_date >= cast(created_at as date) - 1 and order_date <= cast(created_at as date) + 1)
-- warn_if: reporting_currency is not null and fx_rate is null
-- freshness: order_date within 7 days
-- relationship: platform -> int_source_platforms
--
-- `orders` is the UNION ALL of the staging models stg_<source>__orders (generated from each
-- source's `Maps("orders", ...)`): order_date is the order's day on the store's own calendar
-- (its time zone), so it may differ by one day from the UTC day of created_at (the check).
--   net_revenue          = gross - discounts - refunds (what the store kept of the merchandise;
--                          a refund of shipping or tax can take it below 0, never below -(tax + shipping))
--   is_first_order       = the customer's first kept order (not test, not cancelled) at that store,
--                          by created_at; NULL without a customer id (a guest or walk-in order)
--   attributed_platform  = the ad platform the order's utm_source/utm_medium name
--                          (seeds/traffic_source_platforms.csv); NULL when none or unknown
--   *_reporting          = the amount in the reporting currency (int_fx_rates), NULL when no
--                          rates are configured or that day's rate is missing
-- category is the source's category (int_source_platforms): commerce for a store, payments
-- for a processor. A processor's charges may be a store's orders again: never add both.
with kept as (
    select
        tenant_id, platform, store_id, order_id,
        row_number() over (
            partition by tenant_id, platform, store_id, customer_id
            order by created_at, order_date, order_id
        ) as customer_order_number
    from orders
    where customer_id is not null
        and not coalesce(is_test, false)
        and not coalesce(is_cancelled, false)
),

enriched as (
    select
        o.*,
        o.gross - coalesce(o.discounts, 0) - coalesce(o.refunds, 0) as net_revenue,
        kept.customer_order_number,
        sources.category,
        traffic.platform as attributed_platform,
        settings.reporting_currency,
        case when o.currency = settings.reporting_currency then 1.0 else fx.rate end as fx_rate
    from orders as o
    left join kept
        on kept.tenant_id = o.tenant_id
        and kept.platform = o.platform
        and kept.store_id = o.store_id
        and kept.order_id = o.order_id
    left join int_source_platforms as sources
        on sources.platform = o.platform
    left join traffic_source_platforms as traffic
        on traffic.source = lower(o.utm_source)
        and traffic.medium = lower(o.utm_medium)
    cross join int_reporting_currency as settings
    left join int_fx_rates as fx
        on fx.date = o.order_date
        and fx.currency = o.currency
)

select
    tenant_id,
    platform,
    category,
    store_id,
    store_name,
    order_id,
    order_number,
    order_date,
    created_at,
    updated_at,
    customer_id,
    currency,
    gross,
    discounts,
    refunds,
    tax,
    shipping,
    total,
    net_revenue,
    status,
    is_cancelled,
    is_test,
    case when customer_id is null then null else coalesce(customer_order_number = 1, false) end as is_first_order,
    customer_order_number,
    source_name,
    landing_site,
    referring_site,
    discount_codes,
    utm_source,
    utm_medium,
    utm_campaign,
    attributed_platform,
    reporting_currency,
    fx_rate,
    cast(gross * fx_rate as decimal(38, 9)) as gross_reporting,
    cast(net_revenue * fx_rate as decimal(38, 9)) as net_revenue_reporting
from enriched
