-- description: GA4 sessions and revenue per day and channel: each ad platform's paid traffic (by source / medium), then the other channels.
-- incremental: date
-- grain: tenant_id, date, channel, currency
-- not_null: currency
-- check: sessions >= 0
-- warn_if: reporting_currency is not null and fx_rate is null
-- derived: fx_rate
--
-- A session belongs to an ad platform when its (source, medium) is listed in the seed
-- traffic_source_platforms.csv (e.g. tiktok / paid_social -> tiktok_ads): then
-- channel = platform. Other traffic gets a simplified GA4 default channel: direct,
-- organic_search, organic_social, email, referral, other_paid or other.
-- Revenue is GA4's totalRevenue in the property currency, and in the reporting
-- currency when exchange rates are configured (fx_rate, derived.sql: NULL when a rate is missing).
with mapping as (
    select
        lower(trim(source)) as source,
        lower(trim(medium)) as medium,
        max(platform) as platform
    from traffic_source_platforms
    group by lower(trim(source)), lower(trim(medium))
),

traffic as (
    select
        t.tenant_id,
        t.date,
        t.currency,
        mapping.platform,
        coalesce(
            mapping.platform,
            case
                when t.source = '(direct)' and t.medium in ('(none)', '(not set)') then 'direct'
                when t.medium = 'organic' then 'organic_search'
                when t.medium in ('social', 'social-network', 'social-media', 'sm', 'social network', 'social media') then 'organic_social'
                when t.medium in ('email', 'e-mail', 'e_mail', 'e mail') then 'email'
                when t.medium = 'referral' then 'referral'
                when t.medium in ('cpc', 'ppc', 'paid', 'paid_social', 'paidsocial', 'cpm', 'cpv', 'display', 'retargeting') then 'other_paid'
                else 'other'
            end
        ) as channel,
        t.sessions,
        t.users,
        t.engaged_sessions,
        t.key_events,
        t.revenue
    from stg_ga4__traffic_daily as t
    left join mapping
        on mapping.source = t.source
        and mapping.medium = t.medium
),

daily as (
    select
        tenant_id,
        date,
        channel,
        max(platform) as platform,
        currency,
        sum(sessions) as sessions,
        sum(users) as users,
        sum(engaged_sessions) as engaged_sessions,
        sum(key_events) as key_events,
        sum(revenue) as revenue
    from traffic
    group by tenant_id, date, channel, currency
),

priced as (
    select daily.*, settings.reporting_currency, fx.rate
    from daily
    cross join int_reporting_currency as settings
    left join int_fx_rates as fx on fx.date = daily.date and fx.currency = daily.currency
)

select
    tenant_id, date, channel, platform, currency,
    sessions, users, engaged_sessions, key_events, revenue,
    reporting_currency, fx_rate, revenue * fx_rate as revenue_reporting
from priced
