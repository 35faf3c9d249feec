"""Columns built by Arrow before `columns_to_arrow`: ISO instants, Arrow arrays, child lists."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pyarrow as pa
import pytest
from pydantic import BaseModel

from bosco_connectors.framework.arrow import columns_to_arrow, timestamps, to_arrow
from bosco_connectors.framework.spec import parse_datetime


@pytest.mark.parametrize("values", [
    ["2026-11-20T10:00:00Z", "2026-11-20T10:00:00+02:00", "2026-11-20T10:00:00.123456Z", None, ""],
    ["2026-11-20T10:00:00", "2026-11-20T10:00:00Z"],  # no zone: UTC, as `parse_datetime` reads it
])
def test_timestamps_are_the_instants_parse_datetime_reads(values):
    column = timestamps(values)
    got = column.to_pylist() if isinstance(column, pa.Array) else column
    assert got == [parse_datetime(v) if v else None for v in values]


def test_iso_text_is_parsed_by_arrow_at_once():
    column = timestamps(["2026-11-20T10:00:00Z", None])
    assert isinstance(column, pa.Array) and column.type == pa.timestamp("us", tz="UTC")


class Line(BaseModel):
    id: str
    amount: Decimal | None = None


class Parent(BaseModel):
    id: str
    at: datetime | None = None
    amount: Decimal | None = None
    lines: list[Line] = []


def test_columns_with_children_give_the_table_to_arrow_builds():
    at = datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
    rows = [{"id": "a", "at": at, "amount": Decimal("1.5"), "lines": [{"id": "a1", "amount": Decimal("2")}, {"id": "a2"}]},
            {"id": "b", "at": at + timedelta(hours=1), "amount": None, "lines": []}]
    columns = {"id": ["a", "b"], "at": timestamps(["2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"]),
               "amount": pa.array(["1.5", ""])}
    lines = {"id": ["a1", "a2"], "amount": ["2", None]}

    built = columns_to_arrow(columns, 2, Parent, children={"lines": (lines, [2, 0])})

    assert built.equals(to_arrow(rows, Parent))


def test_an_arrow_text_column_arrow_cannot_cast_goes_the_python_way():
    """More places than the column keeps: rounded half to even, as Python values are."""
    built = columns_to_arrow({"id": ["a"], "amount": pa.array(["1.0000000005"])}, 1, Line)
    assert built["amount"].to_pylist() == [Decimal("1.000000000")]
