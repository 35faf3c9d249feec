-- description: Affiliate networks that report no ad performance (Tapfiliate...) per day on the affiliate channel: commission, actions and sale amount (read by daily_channel_summary).
-- incremental: date
-- grain: tenant_id, date, channel, currency?
-- check: affiliate_commission >= 0
-- check: affiliate_sale_amount >= 0
-- derived: fx_rate
--
-- A network that also maps its report as ad performance (Impact, Awin: commission as spend,
-- int_source_platforms.reports_ad_performance) is already a paid platform in
-- fct_campaign_performance, so in the summary's ad part under its own name: its rows are left
-- out here, so one network is never counted twice. The others reach the summary on the
-- channel affiliate: commission (the cost owed to partners, like spend), actions and sale amount,
-- in the reporting currency when exchange rates are configured (NULL when that day's rate is
-- missing), else in their own currency.
with rows_ as (
    select
        f.tenant_id,
        f.date,
        f.currency,
        f.actions,
        f.sale_amount,
        f.commission,
        settings.reporting_currency,
        fx.rate
    from fct_affiliate_performance_daily as f
    left join int_source_platforms as sources on sources.platform = f.platform
    cross join int_reporting_currency as settings
    left join int_fx_rates as fx on fx.date = f.date and fx.currency = f.currency
    where not coalesce(sources.reports_ad_performance, false)
)

select
    tenant_id,
    date,
    'affiliate' as channel,
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
    cast(null as bigint) as installs,
    cast(null as bigint) as reinstalls,
    cast(null as decimal(38, 9)) as app_revenue,
    cast(null as decimal(38, 9)) as app_cost,
    cast(null as bigint) as leads,
    cast(null as bigint) as qualified_leads,
    cast(null as bigint) as opportunities,
    cast(null as bigint) as won_deals,
    cast(null as decimal(38, 9)) as won_amount,
    cast(sum(case when reporting_currency is null then commission else commission * fx_rate end) as decimal(38, 9)) as affiliate_commission,
    sum(actions) as affiliate_actions,
    cast(sum(case when reporting_currency is null then sale_amount else sale_amount * fx_rate end) as decimal(38, 9)) as affiliate_sale_amount,
    cast(null as bigint) as survey_responses
from rows_
group by tenant_id, date, coalesce(reporting_currency, currency)
