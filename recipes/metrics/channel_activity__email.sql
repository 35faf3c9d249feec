-- description: Email, SMS and push per day (Klaviyo, Mailchimp, Brevo...): sends, opens, clicks and attributed revenue on the email / sms / push channels (read by daily_channel_summary).
-- incremental: date
-- grain: tenant_id, date, channel, currency?
--
-- Attributed revenue is the platform's own claim (its attribution window), in the
-- reporting currency when exchange rates are configured (NULL when that day's rate is
-- missing), else in its own currency. A platform that reports no revenue leaves it NULL.
with converted as (
    select
        m.tenant_id, m.date, m.channel, m.currency, m.sends, m.opens, m.clicks, m.attributed_revenue,
        settings.reporting_currency,
        case when m.currency = settings.reporting_currency then 1.0 else fx.rate end as fx_rate
    from fct_email_campaign_performance as m
    cross join int_reporting_currency as settings
    left join int_fx_rates as fx on fx.date = m.date and fx.currency = m.currency
)

select
    tenant_id,
    date,
    lower(coalesce(channel, 'email')) as channel,
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
    cast(sum(sends) as bigint) as email_sends,
    cast(sum(opens) as bigint) as email_opens,
    cast(sum(clicks) as bigint) as email_clicks,
    cast(sum(case when reporting_currency is null then attributed_revenue else attributed_revenue * fx_rate end) as decimal(38, 9)) as email_revenue,
    cast(null as bigint) as installs,
    cast(null as bigint) as reinstalls,
    cast(null as decimal(38, 9)) as app_revenue,
    cast(null as decimal(38, 9)) as app_cost,
    cast(null as bigint) as leads,
    cast(null as bigint) as qualified_leads,
    cast(null as bigint) as opportunities,
    cast(null as bigint) as won_deals,
    cast(null as decimal(38, 9)) as won_amount,
    cast(null as decimal(38, 9)) as affiliate_commission,
    cast(null as double) as affiliate_actions,
    cast(null as decimal(38, 9)) as affiliate_sale_amount,
    cast(null as bigint) as survey_responses
from converted
group by tenant_id, date, lower(coalesce(channel, 'email')), coalesce(reporting_currency, currency)
