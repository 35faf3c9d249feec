-- description: Daily exchange rates into the reporting currency: each rate holds from its date until the next one.
-- union: rate_rows = *exchange_rates
-- grain: date, currency
-- not_null: reporting_currency, rate
-- check: rate > 0
--
-- Input: the seed seeds/exchange_rates.csv and, when it exists, the raw table
-- `exchange_rates` (stg_user__exchange_rates); both have date, from_currency,
-- to_currency, rate, where `rate` units of to_currency buy one unit of from_currency.
-- to_currency is the reporting currency (one for the whole project; see
-- int_reporting_currency). A rate is carried forward day by day until the next rate for
-- that currency, up to two days after today (accounts in time zones ahead of UTC).
-- A currency equal to the reporting currency needs no row: the facts use rate 1.
with rates as (
    select
        cast(date as date) as valid_from,
        upper(trim(from_currency)) as currency,
        upper(trim(to_currency)) as reporting_currency,
        cast(rate as double) as rate
    from rate_rows
    where date is not null and from_currency is not null and to_currency is not null and rate is not null
),

ranges as (
    select
        currency,
        reporting_currency,
        rate,
        valid_from,
        lead(valid_from) over (partition by currency, reporting_currency order by valid_from) as valid_to
    from rates
),

bounds as (
    select
        min(valid_from) as first_day,
        greatest(max(valid_from), current_date) + 2 as last_day
    from rates
),

days as (
    select dim_dates.date
    from bounds
    join dim_dates
        on dim_dates.date between bounds.first_day and bounds.last_day
)

select
    days.date,
    ranges.currency,
    ranges.reporting_currency,
    ranges.rate,
    ranges.valid_from as rate_date
from days
join ranges
    on days.date >= ranges.valid_from
    and (ranges.valid_to is null or days.date < ranges.valid_to)
