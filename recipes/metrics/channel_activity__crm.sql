-- description: The CRM funnel per day and channel (HubSpot, Salesforce, Pipedrive...): leads created, qualified, opportunities created, won and won amount, the lead source mapped to a channel (read by daily_channel_summary).
-- incremental: date
-- grain: tenant_id, date, channel, currency?
-- not_null: channel
-- check: leads >= 0
-- check: won_amount >= 0
-- derived: fx_rate
--
-- A record's lead source becomes a channel through the replaceable seed
-- lead_source_channels.csv (compared lower-cased and trimmed: HubSpot's original source
-- ORGANIC_SEARCH -> organic_search, PAID_SOCIAL -> paid_social; Salesforce's default LeadSource
-- values Web -> web, Partner Referral -> referral, ...). A lead source the seed does not list
-- keeps its own name in lower_snake_case ("Trade Show" -> trade_show); a record without one
-- (HubSpot's deals carry none) is channel unknown. Every CRM's rows are added (one CRM per
-- tenant is the expected set-up). won_amount is in the reporting currency when exchange rates
-- are configured (NULL when that day's rate is missing), else in its own currency.
with channels as (
    select lower(trim(lead_source)) as lead_source, max(channel) as channel
    from lead_source_channels
    group by lower(trim(lead_source))
),

rows_ as (
    select
        f.tenant_id,
        f.date,
        coalesce(
            channels.channel,
            nullif(replace(replace(replace(replace(replace(lower(trim(f.lead_source)), ' ', '_'), '-', '_'), '/', '_'), '.', '_'), '&', '_'), ''),
            'unknown'
        ) as channel,
        f.currency,
        f.leads_created,
        f.qualified,
        f.opportunities_created,
        f.won,
        f.won_amount,
        settings.reporting_currency,
        fx.rate
    from fct_crm_funnel_daily as f
    left join channels on channels.lead_source = lower(trim(f.lead_source))
    cross join int_reporting_currency as settings
    left join int_fx_rates as fx on fx.date = f.date and fx.currency = f.currency
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
    cast(null as bigint) as installs,
    cast(null as bigint) as reinstalls,
    cast(null as decimal(38, 9)) as app_revenue,
    cast(null as decimal(38, 9)) as app_cost,
    cast(sum(leads_created) as bigint) as leads,
    cast(sum(qualified) as bigint) as qualified_leads,
    cast(sum(opportunities_created) as bigint) as opportunities,
    cast(sum(won) as bigint) as won_deals,
    cast(sum(case when reporting_currency is null then won_amount else won_amount * fx_rate end) as decimal(38, 9)) as won_amount,
    cast(null as decimal(38, 9)) as affiliate_commission,
    cast(null as double) as affiliate_actions,
    cast(null as decimal(38, 9)) as affiliate_sale_amount,
    cast(null as bigint) as survey_responses
from rows_
group by tenant_id, date, channel, coalesce(reporting_currency, currency)
