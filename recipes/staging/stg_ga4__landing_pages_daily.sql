-- description: GA4 sessions and revenue per day by landing page (path without query string).
-- incremental: date
-- grain: tenant_id, property_id, date, landing_page
-- not_null: currency
-- check: sessions >= 0
-- check: revenue >= 0
select
    tenant_id,
    cast(property_id as varchar) as property_id,
    cast(date as date) as date,
    max(currency_code) as currency,
    landing_page,
    coalesce(sum(cast(sessions as bigint)), 0) as sessions,
    coalesce(sum(cast(total_users as bigint)), 0) as users,
    coalesce(sum(cast(new_users as bigint)), 0) as new_users,
    coalesce(sum(cast(engaged_sessions as bigint)), 0) as engaged_sessions,
    coalesce(sum(cast(key_events as double)), 0) as key_events,
    coalesce(sum(cast(total_revenue as decimal(38, 9))), 0) as revenue,
    coalesce(sum(cast(purchase_revenue as decimal(38, 9))), 0) as purchase_revenue
from raw.ga4_landing_pages_daily
group by tenant_id, cast(property_id as varchar), cast(date as date), landing_page
