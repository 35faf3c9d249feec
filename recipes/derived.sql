-- The derived columns of the unified model, each defined once over the unified column names.
-- A recipe with the header `-- derived: ctr, cpc` that selects the bare columns `ctr`, `cpc`
-- gets these expressions in their place (see README, "Derived columns").
--
-- Ratios are fractions (ctr 0.015 = 1.5%) in the amounts' currency, and NULL when their
-- denominator is 0 (never an error or an infinity): a day with revenue and no spend has
-- roas NULL. Recomputed from sums in the roll-ups, never averaged.
--
-- fx_rate turns an amount in `currency` into the reporting currency: 1 when they are the
-- same, else the day's `rate` from int_fx_rates (the recipe joins it as `fx` on date and
-- currency, beside int_reporting_currency). It is NULL when no exchange rates are
-- configured (reporting_currency NULL) or that day's rate is missing, and so are the
-- *_reporting amounts: never a guessed number.
select
    cast(clicks as double) / nullif(impressions, 0) as ctr,
    spend / nullif(clicks, 0) as cpc,
    spend * 1000 / nullif(impressions, 0) as cpm,
    conversion_value / nullif(spend, 0) as roas,
    conversions / nullif(clicks, 0) as conversion_rate,
    case when currency = reporting_currency then 1.0 else rate end as fx_rate,
    spend * fx_rate as spend_reporting,
    conversion_value * fx_rate as conversion_value_reporting
