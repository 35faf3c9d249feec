-- description: GA4 sessions and revenue per day by session source / medium / campaign.
-- incremental: date
-- grain: tenant_id, property_id, date, source, medium, campaign_name
-- not_null: currency
-- check: sessions >= 0
-- check: revenue >= 0
-- freshness: date within 3 days
--
-- Source and medium are lower-cased (UTM tags are case-sensitive in GA4, so "TikTok"
-- and "tiktok" are one source here). `date` is a day in the property's time zone;
-- revenue (GA4 totalRevenue: purchases, subscriptions and ads) is in the property
-- currency. key_events are GA4's key events (formerly conversions), fractional when
-- credit is split.
select
    tenant_id,
    cast(property_id as varchar) as property_id,
    cast(date as date) as date,
    max(currency_code) as currency,
    lower(session_source) as source,
    lower(session_medium) as medium,
    session_campaign_name as campaign_name,
    coalesce(sum(cast(sessions as bigint)), 0) as sessions,
    coalesce(sum(cast(total_users as bigint)), 0) as users,
    coalesce(sum(cast(new_users as bigint)), 0) as new_users,
    coalesce(sum(cast(engaged_sessions as bigint)), 0) as engaged_sessions,
    coalesce(sum(cast(key_events as double)), 0) as key_events,
    coalesce(sum(cast(total_revenue as decimal(38, 9))), 0) as revenue,
    coalesce(sum(cast(purchase_revenue as decimal(38, 9))), 0) as purchase_revenue
from raw.ga4_traffic_daily
group by tenant_id, cast(property_id as varchar), cast(date as date), lower(session_source), lower(session_medium), session_campaign_name
