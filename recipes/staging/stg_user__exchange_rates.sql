-- description: Exchange rates from a table you load yourself into the raw schema (optional; see seeds/exchange_rates.csv).
--
-- Load a table named `exchange_rates` into the raw schema (any tool) with the columns
-- date, from_currency, to_currency, rate: `rate` units of to_currency buy one unit of
-- from_currency from `date` until the next rate. When the table does not exist this
-- model is skipped and only the seed file is used. Values are read as text, like the
-- seed's, so both union into int_fx_rates.
select
    cast(date as varchar) as date,
    cast(from_currency as varchar) as from_currency,
    cast(to_currency as varchar) as to_currency,
    cast(rate as varchar) as rate
from raw.exchange_rates
