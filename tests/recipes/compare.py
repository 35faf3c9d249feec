"""Compare what two builds produced, table by table and row by row."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

from sqlglot import exp

from bosco_connectors.recipes import BuildResult


def _value(v: Any) -> Any:
    if isinstance(v, (float, Decimal)):
        f = float(v)
        return None if math.isnan(f) else round(f, 9)
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


def table_rows(execute: Callable[[str], Any], schema: str, table: str, dialect: str = "duckdb") -> list[tuple]:
    """Every row of schema.table, values normalised, sorted (a multiset)."""
    rows = execute(exp.select("*").from_(exp.table_(table, db=schema)).sql(dialect=dialect))
    return sorted((tuple(_value(v) for v in row) for row in rows), key=repr)


#: Constant tables, not worth comparing row by row (the calendar: some 14,000 days).
CONSTANT = {"dim_dates"}


def differences(execute: Callable[[str], Any], result: BuildResult, left: str, right: str) -> dict[str, str]:
    """Tables built in `result` whose rows differ between schemas `left` and `right`."""
    out = {}
    for model in result.built:
        if model.name in CONSTANT:
            continue
        a, b = table_rows(execute, left, model.name), table_rows(execute, right, model.name)
        if a != b:
            only_a = [r for r in a if r not in b][:3]
            only_b = [r for r in b if r not in a][:3]
            out[model.name] = f"{len(a)} vs {len(b)} rows; only in {left}: {only_a}; only in {right}: {only_b}"
    return out
