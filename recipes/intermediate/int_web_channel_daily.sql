-- description: Every web analytics tool's sessions and revenue per day and channel (GA4, Plausible, Matomo...): each ad platform's paid traffic by source / medium, then the default channels; `counted` marks the one tool per tenant and day that daily_channel_summary counts.
-- union: web = stg_*__web_traffic_daily
-- incremental: date
-- grain: tenant_id, date, web_tool, channel, currency?
-- not_null: counted
-- check: sessions >= 0
-- warn_if: reporting_currency is not null and currency is not null and fx_rate is null
-- derived: fx_rate
--
-- The one place where a session's (source, medium) becomes a channel, for every tool
-- (int_ga4_channel_daily is GA4's part of this model):
--   1. the pair is listed in the seed traffic_source_platforms.csv (e.g. tiktok /
--      paid_social -> tiktok_ads): channel = that ad platform (ad_platform is set);
--   2. else a simplified GA4 default channel: direct, organic_search, organic_social,
--      email, referral, other_paid or other.
-- Source and medium are compared lower-cased and trimmed ("TikTok" is tiktok).
-- web_tool is the platform that reported the rows (ga4, plausible, ...); conversions are
-- the tool's conversions or key events; revenue is in the tool's currency, and in the
-- reporting currency when exchange rates are configured (fx_rate, derived.sql). A tool
-- without revenue has currency NULL.
--
-- One tool per tenant and day (never two tools' sessions added): GA4 when the tenant has
-- GA4 rows that day, else the tool whose platform name comes first in alphabetical order
-- among those with rows that day. Its rows have counted = true; the others stay here,
-- counted = false, for comparison. A tenant that tracks two different sites with two
-- tools sees only the chosen tool's site in the summary: track every site with one tool.
with mapping as (
    select
        lower(trim(source)) as source,
        lower(trim(medium)) as medium,
        max(platform) as platform
    from traffic_source_platforms
    group by lower(trim(source)), lower(trim(medium))
),

rows_ as (
    select
        tenant_id,
        date,
        platform as web_tool,
        currency,
        lower(trim(source)) as source,
        lower(trim(medium)) as medium,
        sessions,
        users,
        engaged_sessions,
        conversions,
        revenue
    from web
),

classified as (
    select
        r.tenant_id,
        r.date,
        r.web_tool,
        r.currency,
        mapping.platform as ad_platform,
        coalesce(
            mapping.platform,
            case
                when r.source = '(direct)' and r.medium in ('(none)', '(not set)') then 'direct'
                when r.medium = 'organic' then 'organic_search'
                when r.medium in ('social', 'social-network', 'social-media', 'sm', 'social network', 'social media') then 'organic_social'
                when r.medium in ('email', 'e-mail', 'e_mail', 'e mail') then 'email'
                when r.medium = 'referral' then 'referral'
                when r.medium in ('cpc', 'ppc', 'paid', 'paid_social', 'paidsocial', 'cpm', 'cpv', 'display', 'retargeting') then 'other_paid'
                else 'other'
            end
        ) as channel,
        r.sessions,
        r.users,
        r.engaged_sessions,
        r.conversions,
        r.revenue
    from rows_ as r
    left join mapping
        on mapping.source = r.source
        and mapping.medium = r.medium
),

chosen as (
    select
        tenant_id,
        date,
        coalesce(max(case when web_tool = 'ga4' then web_tool end), min(web_tool)) as web_tool
    from rows_
    group by tenant_id, date
),

daily as (
    select
        c.tenant_id,
        c.date,
        c.web_tool,
        c.channel,
        max(c.ad_platform) as ad_platform,
        c.currency,
        cast(sum(c.sessions) as bigint) as sessions,
        cast(sum(c.users) as bigint) as users,
        cast(sum(c.engaged_sessions) as bigint) as engaged_sessions,
        sum(c.conversions) as conversions,
        sum(c.revenue) as revenue
    from classified as c
    group by c.tenant_id, c.date, c.web_tool, c.channel, c.currency
),

priced as (
    select daily.*, chosen.web_tool is not null as counted, settings.reporting_currency, fx.rate
    from daily
    left join chosen
        on chosen.tenant_id = daily.tenant_id
        and chosen.date = daily.date
        and chosen.web_tool = daily.web_tool
    cross join int_reporting_currency as settings
    left join int_fx_rates as fx on fx.date = daily.date and fx.currency = daily.currency
)

select
    tenant_id, date, web_tool, channel, ad_platform, currency, counted,
    sessions, users, engaged_sessions, conversions, revenue,
    reporting_currency, fx_rate, revenue * fx_rate as revenue_reporting
from priced
