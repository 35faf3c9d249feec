"""Records: a vendor record shaped into a row of the contract."""

from __future__ import annotations

from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import ReadContext


def test_a_partition_key_is_renamed_like_any_vendor_name() -> None:
    """Microsoft's ad groups do not name their campaign: the request's CampaignId does, under the column's name."""
    records = Records("AdGroups", rename={"Id": "id", "CampaignId": "campaign_id"}, from_partition=("CampaignId", "account_id"))
    ctx = ReadContext(None, None, None, None, {"CampaignId": "412345678", "account_id": "180001"})  # type: ignore[arg-type]
    rows = records.rows(records.select({"AdGroups": [{"Id": "7001", "Name": "Shoes"}]}), ctx)
    assert rows == [{"id": "7001", "Name": "Shoes", "campaign_id": "412345678", "account_id": "180001"}]


def test_money_finer_than_a_billionth_is_rounded_half_even_not_refused() -> None:
    """Criteo sends ``AdvertiserCost`` with 15 fraction digits; the tables keep 9 (``decimal(38, 9)``)."""
    from decimal import Decimal

    import pyarrow as pa

    from bosco_connectors.framework.arrow import columns_to_arrow
    from bosco_connectors.framework.records import CURRENCY, MICROS
    from bosco_connectors.framework.spec import Contract

    class Row(Contract):
        cost: Decimal

    assert CURRENCY.to_currency("5.363504122262113") == Decimal("5.363504122")
    assert CURRENCY.to_currency("0.0000000025") == Decimal("0.000000002")  # half-even: the even neighbour
    assert CURRENCY.to_currency("0.0000000035") == Decimal("0.000000004")
    assert MICROS.to_currency("1250000") == Decimal("1.25")  # coarser values untouched
    records = Records(units={"cost": CURRENCY})
    columns = records.shape_columns({"cost": ["5.363504122262113", "34.30289822374445"]}, 2, ReadContext(None, None, None, None))  # type: ignore[arg-type]
    table = columns_to_arrow(columns, 2, Row, "report")
    assert table.column("cost").type == pa.decimal128(38, 9)
    assert table.column("cost").to_pylist() == [Decimal("5.363504122"), Decimal("34.302898224")]


def test_window_day_stamps_the_asked_day_on_rows_that_name_none():
    """Awin's publisher report sums the asked range: asked one day a request, each row gets that day."""
    from datetime import date, datetime, timezone

    from bosco_connectors.framework.spec import ReadContext, Window

    spec = Records("rows", rename={"publisherId": "publisher_id"}, window_day="date")
    by_day = ReadContext(None, None, None, None, {}, Window(date(2026, 11, 2), date(2026, 11, 2)))  # type: ignore[arg-type]
    by_time = ReadContext(None, None, None, None, {}, Window(datetime(2026, 11, 3, tzinfo=timezone.utc), None))  # type: ignore[arg-type]
    assert spec.rows([{"publisherId": 7, "clicks": 3}], by_day) == [{"publisher_id": 7, "clicks": 3, "date": date(2026, 11, 2)}]
    assert spec.rows([{"publisherId": 8}], by_time) == [{"publisher_id": 8, "date": date(2026, 11, 3)}]
    assert spec.rows([{"publisherId": 9}], ReadContext(None, None, None, None)) == [{"publisher_id": 9}]  # type: ignore[arg-type]
