-- description: The integers 0 to 99,999: a portable way to generate day spines (DuckDB and Snowflake alike).
-- grain: n
--
-- `start_day + n` for n <= date_diff('day', start_day, end_day) lists every day of a
-- range (273 years at most) without engine-specific generators. n stays a plain
-- integer (not cast): DuckDB adds an INTEGER to a DATE, not a BIGINT, and the Snowflake
-- emulator turns any cast to INTEGER into a BIGINT.
with digits as (
    select d from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as digits(d)
)
select
    ones.d + tens.d * 10 + hundreds.d * 100 + thousands.d * 1000 + ten_thousands.d * 10000 as n
from digits as ones
cross join digits as tens
cross join digits as hundreds
cross join digits as thousands
cross join digits as ten_thousands
