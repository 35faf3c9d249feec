-- description: GA4 sessions and revenue per day and channel: each ad platform's paid traffic (by source / medium), then the other channels.
-- incremental: date
-- grain: tenant_id, date, channel, currency
-- not_null: currency
-- check: sessions >= 0
-- warn_if: reporting_currency is not null and fx_rate is null
--
-- GA4's rows of int_web_channel_daily, where every web analytics tool's (source, medium)
-- becomes a channel by one rule (the seed traffic_source_platforms.csv, e.g. tiktok /
-- paid_social -> tiktok_ads: channel = platform; else a simplified GA4 default channel:
-- direct, organic_search, organic_social, email, referral, other_paid or other).
-- Revenue is GA4's totalRevenue in the property currency, and in the reporting
-- currency when exchange rates are configured (fx_rate, derived.sql: NULL when a rate is missing).
select
    tenant_id,
    date,
    channel,
    ad_platform as platform,
    currency,
    sessions,
    users,
    engaged_sessions,
    conversions as key_events,
    revenue,
    reporting_currency,
    fx_rate,
    revenue_reporting
from int_web_channel_daily
where web_tool = 'ga4'
