-- description: App installs, re-installs, in-app revenue and MMP-reported cost per day and channel (AppsFlyer, Adjust, Branch, Singular; App Store Connect, Google Play), in the channel-activity columns (read by daily_channel_summary).
-- incremental: date
-- grain: tenant_id, date, channel, currency?
-- check: reinstalls >= 0
-- check: app_cost >= 0
-- warn_if: installs < 0
-- derived: fx_rate
--
-- The channel is the ad platform the MMP's media source stands for, from the replaceable seed
-- app_media_source_platforms.csv (media source compared lower-cased and trimmed:
-- AppsFlyer's googleadwords_int or Adjust's "Google Ads ACI" -> google_ads, ...); organic
-- installs (the seed's "Organic") are organic_app, every other media source, and a row
-- without one (an app store's totals), other_app.
--
-- One reporter per tenant, day and app, so an app store's totals and an MMP's rows for the
-- same app are never added: an MMP (a source of category attribution in
-- int_source_platforms) when one reports the app that day, else the app store (any other reporting
-- source, as google_play or app_store_connect); between two of a kind, the platform name first in
-- alphabetical order. An app is matched across sources by its id lower-cased, an App Store id
-- written "id123" (AppsFlyer) counting as "123" (Apple's Apple Identifier).
-- Revenue and cost are in the reporting currency when exchange rates are configured (NULL
-- when that day's rate is missing), else in their own currency. An App Store's re-downloads
-- are reinstalls; returned units may make a day's installs negative (a warning).
with media as (
    select lower(trim(media_source)) as media_source, max(platform) as channel
    from app_media_source_platforms
    group by lower(trim(media_source))
),

rows_ as (
    select
        f.tenant_id,
        f.date,
        f.platform as reporter,
        case
            when lower(f.app_id) like 'id%' and length(f.app_id) > 2 and translate(substr(f.app_id, 3), '0123456789', '') = ''
                then substr(f.app_id, 3)
            else lower(trim(f.app_id))
        end as app_key,
        coalesce(sources.category = 'attribution', false) as is_mmp,
        lower(trim(f.media_source)) as media_source,
        f.installs,
        f.reinstalls,
        f.revenue,
        f.cost,
        f.currency
    from fct_app_installs_daily as f
    left join int_source_platforms as sources on sources.platform = f.platform
),

chosen as (
    select
        tenant_id,
        date,
        app_key,
        coalesce(min(case when is_mmp then reporter end), min(reporter)) as reporter
    from rows_
    group by tenant_id, date, app_key
),

counted as (
    select
        r.tenant_id,
        r.date,
        coalesce(media.channel, 'other_app') as channel,
        r.currency,
        r.installs,
        r.reinstalls,
        r.revenue,
        r.cost,
        settings.reporting_currency,
        fx.rate
    from rows_ as r
    inner join chosen
        on chosen.tenant_id = r.tenant_id
        and chosen.date = r.date
        and chosen.app_key = r.app_key
        and chosen.reporter = r.reporter
    left join media on media.media_source = r.media_source
    cross join int_reporting_currency as settings
    left join int_fx_rates as fx on fx.date = r.date and fx.currency = r.currency
)

select
    tenant_id,
    date,
    channel,
    coalesce(reporting_currency, currency) as currency,
    cast(null as bigint) as sessions,
    cast(null as bigint) as engaged_sessions,
    cast(null as double) as key_events,
    cast(null as decimal(38, 9)) as ga4_revenue,
    cast(null as bigint) as search_impressions,
    cast(null as bigint) as search_clicks,
    cast(null as bigint) as social_impressions,
    cast(null as bigint) as social_engagements,
    cast(null as bigint) as video_views,
    cast(null as bigint) as followers_gained,
    cast(null as bigint) as email_sends,
    cast(null as bigint) as email_opens,
    cast(null as bigint) as email_clicks,
    cast(null as decimal(38, 9)) as email_revenue,
    cast(sum(installs) as bigint) as installs,
    cast(sum(reinstalls) as bigint) as reinstalls,
    cast(sum(case when reporting_currency is null then revenue else revenue * fx_rate end) as decimal(38, 9)) as app_revenue,
    cast(sum(case when reporting_currency is null then cost else cost * fx_rate end) as decimal(38, 9)) as app_cost,
    cast(null as bigint) as leads,
    cast(null as bigint) as qualified_leads,
    cast(null as bigint) as opportunities,
    cast(null as bigint) as won_deals,
    cast(null as decimal(38, 9)) as won_amount,
    cast(null as decimal(38, 9)) as affiliate_commission,
    cast(null as double) as affiliate_actions,
    cast(null as decimal(38, 9)) as affiliate_sale_amount,
    cast(null as bigint) as survey_responses
from counted
group by tenant_id, date, channel, coalesce(reporting_currency, currency)
