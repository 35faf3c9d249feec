"""`to_arrow`: contract-typed columns from vendor records (numbers as strings, nulls, extras)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from pydantic import Field

from bosco_connectors.framework import Contract, ContractError
from bosco_connectors.framework.arrow import arrow_schema, check_required, columns_to_arrow, to_arrow
from bosco_connectors.framework.ids import Id


class Report(Contract):
    ad_id: str
    stat_day: date
    spend: float
    clicks: int
    cpc: float | None = None
    active: bool | None = None
    hour: datetime | None = None
    revenue: Decimal | None = None


def test_schema_follows_the_contract() -> None:
    schema = arrow_schema(Report)
    assert schema.names == ["tenant_id", "ad_id", "stat_day", "spend", "clicks", "cpc", "active", "hour", "revenue"]
    assert [str(t) for t in schema.types] == [
        "string", "string", "date32[day]", "double", "int64", "double", "bool", "timestamp[us, tz=UTC]", "decimal128(38, 9)",
    ]
    assert not schema.field("spend").nullable and schema.field("cpc").nullable


def test_alias_is_the_column_name() -> None:
    class Aliased(Contract):
        campaign_id: str = Field(alias="campaignId")

    assert arrow_schema(Aliased).names == ["tenant_id", "campaignId"]


def test_string_numbers_dates_and_nulls_are_cast() -> None:
    rows = [
        {"tenant_id": "t", "ad_id": "1", "stat_day": "2024-05-01", "spend": "12.50", "clicks": "3", "cpc": "4.1666", "active": True, "hour": "2024-05-01T10:00:00Z", "revenue": "1.10"},
        {"tenant_id": "t", "ad_id": "2", "stat_day": date(2024, 5, 2), "spend": 7, "clicks": 0, "cpc": None, "active": None, "hour": None, "revenue": None},
    ]
    table = to_arrow(rows, Report, "daily")

    assert table.schema.equals(arrow_schema(Report))
    assert table.to_pylist() == [
        {"tenant_id": "t", "ad_id": "1", "stat_day": date(2024, 5, 1), "spend": 12.5, "clicks": 3, "cpc": 4.1666, "active": True,
         "hour": datetime(2024, 5, 1, 10, tzinfo=timezone.utc), "revenue": Decimal("1.100000000")},
        {"tenant_id": "t", "ad_id": "2", "stat_day": date(2024, 5, 2), "spend": 7.0, "clicks": 0, "cpc": None, "active": None,
         "hour": None, "revenue": None},
    ]


def test_empty_strings_are_nulls_in_numeric_columns() -> None:
    rows = [{"tenant_id": "t", "ad_id": "1", "stat_day": "2024-05-01", "spend": "1.0", "clicks": "1", "cpc": ""}]
    assert to_arrow(rows, Report).column("cpc").to_pylist() == [None]


def test_unknown_extra_fields_are_kept_as_text() -> None:
    rows = [
        {"tenant_id": "t", "ad_id": "1", "stat_day": "2024-05-01", "spend": "1", "clicks": "1", "new_metric": 5, "labels": ["a", "b"]},
        {"tenant_id": "t", "ad_id": "2", "stat_day": "2024-05-01", "spend": "1", "clicks": "1", "new_metric": None, "labels": []},
    ]
    table = to_arrow(rows, Report)

    assert table.column_names[-2:] == ["labels", "new_metric"]
    assert table.schema.field("new_metric").type == pa.string()
    assert table.column("new_metric").to_pylist() == ["5", None]
    assert table.column("labels").to_pylist() == ['["a","b"]', "[]"]


def test_extra_field_seen_only_in_a_later_row_is_kept() -> None:
    rows = [
        {"tenant_id": "t", "ad_id": "1", "stat_day": "2024-05-01", "spend": "1", "clicks": "1"},
        {"tenant_id": "t", "ad_id": "2", "stat_day": "2024-05-01", "spend": "1", "clicks": "1", "video_views": "10"},
    ]
    table = to_arrow(rows, Report)
    assert table.column("video_views").to_pylist() == [None, "10"]


def test_non_numeric_string_in_a_float_column_names_the_field() -> None:
    rows = [{"tenant_id": "t", "ad_id": "1", "stat_day": "2024-05-01", "spend": "1.5", "clicks": "1"},
            {"tenant_id": "t", "ad_id": "2", "stat_day": "2024-05-01", "spend": "n/a", "clicks": "1"}]

    with pytest.raises(ContractError) as info:
        to_arrow(rows, Report, "daily")

    assert str(info.value).startswith("daily: field 'spend' does not fit double: ")
    assert info.value.stream == "daily"


def test_fractional_string_in_an_int_column_is_a_contract_error() -> None:
    rows = [{"tenant_id": "t", "ad_id": "1", "stat_day": "2024-05-01", "spend": "1", "clicks": "2.5"}]
    with pytest.raises(ContractError, match="field 'clicks' does not fit int64"):
        to_arrow(rows, Report, "daily")


def test_no_rows_gives_an_empty_typed_table() -> None:
    table = to_arrow([], Report)
    assert table.num_rows == 0
    assert table.schema.equals(arrow_schema(Report))


def test_a_required_field_the_records_lack_is_named() -> None:
    """Arrow would take the nulls and dlt fail later, naming neither the stream nor the field."""
    columns = {"ad_id": ["1"], "stat_day": ["2024-05-01"], "clicks": ["1"]}  # no spend; tenant_id is stamped later
    with pytest.raises(ContractError, match=r"^daily: field 'spend' is required by the contract but missing from all records "
                                            r"the vendor sent; .* the stream's contract must declare it optional"):
        columns_to_arrow(columns, 1, Report, "daily")


def test_a_required_field_null_in_some_records_is_named() -> None:
    rows = [{"ad_id": "1", "stat_day": "2024-05-01", "spend": "1", "clicks": "1"},
            {"ad_id": "2", "stat_day": "2024-05-01", "spend": None, "clicks": "2"}]
    with pytest.raises(ContractError, match=r"^daily: field 'spend' is required by the contract but missing \(null\) in 1 of 2 "
                                            r"records the vendor sent; nothing of this batch was loaded"):
        to_arrow(rows, Report, "daily")


def test_a_required_id_null_in_some_records_is_named() -> None:
    """Ids took another path (`ids.arrow_ids`) that let the null through to dlt's bare ArrowInvalid."""
    class Daily(Contract):
        campaign_id: Id
        spend: float

    with pytest.raises(ContractError, match=r"^daily: field 'campaign_id' is required by the contract but missing \(null\) in 1 of 2"):
        to_arrow([{"campaign_id": "7", "spend": 1}, {"spend": 2}], Daily, "daily")


def test_a_table_a_stream_built_itself_is_checked_too() -> None:
    table = pa.Table.from_arrays([pa.array([None, None], pa.string()), pa.array(["1", None])],
                                 schema=pa.schema([pa.field("tenant_id", pa.string(), nullable=False),
                                                   pa.field("ad_id", pa.string(), nullable=False)]))
    with pytest.raises(ContractError, match=r"^daily: field 'ad_id' is required by the contract but missing \(null\) in 1 of 2"):
        check_required(table, "daily")
    check_required(table.drop_columns(["ad_id"]), "daily")  # tenant_id is stamped after the check


class WithObjects(Contract):
    id: str
    metadata: dict[str, Any] | None = None
    tags: list[str] | None = None
    note: str | None = None


def test_an_object_or_list_field_is_json_text_not_pythons_repr() -> None:
    """dlt declares such a field a json column and DuckDB casts the text into it: a Python repr
    (``{'order_id': 'x'}``) failed the load (Stripe's charge ``metadata`` on the Arrow path)."""
    import json

    table = to_arrow([{"id": "a", "metadata": {"order_id": "ord-1", "n": 2}, "tags": ["x", "y"], "note": "{'kept': 1}"},
                      {"id": "b", "metadata": None, "tags": []}], WithObjects)
    metadata, tags, note = (table.column(name).to_pylist() for name in ("metadata", "tags", "note"))
    assert [json.loads(v) if v else v for v in metadata] == [{"order_id": "ord-1", "n": 2}, None]
    assert [json.loads(v) for v in tags] == [["x", "y"], []]
    assert note == ["{'kept': 1}", None]  # text stays the text the vendor sent
    assert table.schema.field("metadata").type == pa.string()


class Payment(Contract):
    id: str
    amount_money__amount: int | None = None
    amount_money__currency: str | None = None
    metadata: dict[str, Any] | None = None


def test_nested_objects_become_parent__child_columns_as_dlt_flattens_dict_rows() -> None:
    """A contract that declares ``amount_money__amount`` (what dlt makes of a dict row's nested
    object) reads it on the Arrow path too; a field the contract types as one object stays whole."""
    import json

    records = [
        {"id": "p1", "amount_money": {"amount": 1000, "currency": "USD"}, "metadata": {"k": "v"},
         "card_details": {"card": {"brand": "VISA"}, "status": "CAPTURED"}, "refund_ids": ["r1", "r2"]},
        {"id": "p2", "amountMoney": {"amount": 5, "currency": "JPY"}},  # a camelCase vendor: dlt's name for the contract
        {"id": "p3"},
    ]
    table = to_arrow(records, Payment)
    rows = {r["id"]: r for r in table.to_pylist()}
    assert [rows[p]["amount_money__amount"] for p in ("p1", "p2", "p3")] == [1000, 5, None]
    assert rows["p2"]["amount_money__currency"] == "JPY"
    assert json.loads(rows["p1"]["metadata"]) == {"k": "v"}  # declared as an object: JSON text, whole
    assert rows["p1"]["card_details__card__brand"] == "VISA" and rows["p1"]["card_details__status"] == "CAPTURED"
    assert json.loads(rows["p1"]["refund_ids"]) == ["r1", "r2"]  # a list: JSON text (dict rows made a child table)
    assert "amount_money" not in table.column_names and "card_details" not in table.column_names
