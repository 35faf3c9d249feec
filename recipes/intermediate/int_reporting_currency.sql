-- description: The reporting currency set by the exchange rates: one row, NULL when no rates are configured.
-- check: reporting_currencies <= 1
--
-- Models cross join this row, so every row knows whether amounts should be converted:
-- reporting_currency set and fx_rate NULL means a rate is missing (a warning).
select
    max(reporting_currency) as reporting_currency,
    count(distinct reporting_currency) as reporting_currencies
from int_fx_rates
