-- description: The calendar: one row per day from 1990-01-01 to two years after today, with its week (ISO, from Monday), month and year; the day spine the exchange rates and the ML features are carried over, and a date dimension for dashboards.
-- grain: date
-- not_null: week_start, month_start, year
--
-- Built from ten digits cross-joined (100,000 integers at most) rather than an engine's own
-- series generator, so one recipe runs on DuckDB and Snowflake alike. `n` stays a plain
-- integer (not cast): DuckDB adds an INTEGER to a DATE, not a BIGINT, and the Snowflake
-- emulator turns any cast to INTEGER into a BIGINT.
with digits as (
    select d from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as digits(d)
),

numbers as (
    select ones.d + tens.d * 10 + hundreds.d * 100 + thousands.d * 1000 + ten_thousands.d * 10000 as n
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as ten_thousands
),

days as (
    select cast('1990-01-01' as date) + numbers.n as date
    from numbers
    where numbers.n <= date_diff('day', cast('1990-01-01' as date), current_date + 731)
)

select
    date,
    cast(date_trunc('week', date) as date) as week_start,
    cast(date_trunc('month', date) as date) as month_start,
    cast(year(date) as bigint) as year
from days
