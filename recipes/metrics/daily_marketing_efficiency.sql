-- description: Blended daily efficiency: store revenue (every store synced) over total ad spend across platforms (MER), new-customer CAC, platform-claimed revenue beside store revenue, per tenant.
-- grain: tenant_id, date, currency
-- not_null: currency
-- check: ad_spend >= 0
-- check: orders >= 0
-- warn_if: reporting_currency is not null and (spend_missing_fx or revenue_missing_fx)
--
-- Ad spend is the sum over every platform's campaigns (fct_campaign_performance);
-- revenue is every store's (daily_commerce_revenue: no test or cancelled orders, on each
-- store's calendar). A payment processor's revenue counts only for a tenant that syncs no
-- store, as its charges would otherwise be the store's orders counted twice. With
-- exchange rates configured, both are in the reporting currency and there is one row
-- per tenant and day; without them, amounts stay in their own currency and a tenant
-- gets one row per currency (spend in USD and sales in EUR do not blend).
--   mer                 = net_revenue / ad_spend   (marketing efficiency ratio)
--   cost_per_order      = ad_spend / orders
--   new_customer_cac    = ad_spend / new_customer_orders   (first orders of customers)
--   platform_roas       = platform_conversion_value / ad_spend
--   attribution_share   = platform_conversion_value / net_revenue
-- Each ratio is NULL when its denominator is 0. spend_missing_fx / revenue_missing_fx
-- flag days where a rate was missing (those amounts are left out).
with spend as (
    select
        tenant_id,
        date,
        coalesce(reporting_currency, currency) as currency,
        max(reporting_currency) as reporting_currency,
        sum(case when reporting_currency is null then spend else spend_reporting end) as ad_spend,
        sum(case when reporting_currency is null then conversion_value else conversion_value_reporting end) as platform_conversion_value,
        count(distinct platform) as platforms,
        bool_or(reporting_currency is not null and fx_rate is null) as spend_missing_fx
    from fct_campaign_performance
    group by tenant_id, date, coalesce(reporting_currency, currency)
),

store_revenue as (
    select
        revenue.*,
        max(case when revenue.category = 'commerce' then 1 else 0 end) over (partition by revenue.tenant_id) as tenant_has_store
    from daily_commerce_revenue as revenue
),

sales as (
    select
        revenue.tenant_id,
        revenue.date,
        coalesce(settings.reporting_currency, revenue.currency) as currency,
        max(settings.reporting_currency) as reporting_currency,
        sum(revenue.orders) as orders,
        cast(sum(revenue.new_customer_orders) as bigint) as new_customer_orders,
        count(distinct revenue.platform || ':' || revenue.store_id) as stores,
        sum(revenue.gross * (case when settings.reporting_currency is null or revenue.currency = settings.reporting_currency then 1.0 else fx.rate end)) as gross_revenue,
        sum(revenue.net_revenue * (case when settings.reporting_currency is null or revenue.currency = settings.reporting_currency then 1.0 else fx.rate end)) as net_revenue,
        bool_or(settings.reporting_currency is not null and revenue.currency <> settings.reporting_currency and fx.rate is null) as revenue_missing_fx
    from store_revenue as revenue
    cross join int_reporting_currency as settings
    left join int_fx_rates as fx
        on fx.date = revenue.date
        and fx.currency = revenue.currency
    where revenue.category = 'commerce' or revenue.tenant_has_store = 0
    group by revenue.tenant_id, revenue.date, coalesce(settings.reporting_currency, revenue.currency)
),

joined as (
    select
        coalesce(spend.tenant_id, sales.tenant_id) as tenant_id,
        coalesce(spend.date, sales.date) as date,
        coalesce(spend.currency, sales.currency) as currency,
        coalesce(spend.reporting_currency, sales.reporting_currency) as reporting_currency,
        coalesce(spend.ad_spend, 0) as ad_spend,
        coalesce(spend.platform_conversion_value, 0) as platform_conversion_value,
        coalesce(spend.platforms, 0) as platforms,
        coalesce(sales.orders, 0) as orders,
        coalesce(sales.new_customer_orders, 0) as new_customer_orders,
        coalesce(sales.stores, 0) as stores,
        coalesce(sales.gross_revenue, 0) as gross_revenue,
        coalesce(sales.net_revenue, 0) as net_revenue,
        coalesce(spend.spend_missing_fx, false) as spend_missing_fx,
        coalesce(sales.revenue_missing_fx, false) as revenue_missing_fx
    from spend
    full outer join sales
        on sales.tenant_id = spend.tenant_id
        and sales.date = spend.date
        and sales.currency = spend.currency
)

select
    tenant_id,
    date,
    currency,
    reporting_currency,
    ad_spend,
    platform_conversion_value,
    platforms,
    orders,
    new_customer_orders,
    stores,
    gross_revenue,
    net_revenue,
    net_revenue / nullif(ad_spend, 0) as mer,
    ad_spend / nullif(orders, 0) as cost_per_order,
    ad_spend / nullif(new_customer_orders, 0) as new_customer_cac,
    platform_conversion_value / nullif(ad_spend, 0) as platform_roas,
    platform_conversion_value / nullif(net_revenue, 0) as attribution_share,
    spend_missing_fx,
    revenue_missing_fx
from joined
