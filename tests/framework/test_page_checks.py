"""Page checks: rows past the window are dropped, duplicate keys resolved, numbers finite."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

import pyarrow as pa
import pytest

from bosco_connectors.framework import Contract, ContractError, Cursor, FullRefresh, Id, SourceError, Stream
from bosco_connectors.framework.arrow import to_arrow
from bosco_connectors.framework.page_checks import PageChecks, check_saved_cursor, row_limit
from bosco_connectors.framework.spec import utc_today


class Daily(Contract):
    ad_id: Id
    day: date
    spend: float | None = None


class Entity(Contract):
    id: Id
    updated_at: datetime


def daily(**kwargs) -> Stream:
    return Stream(name="daily", contract=Daily, primary_key=("ad_id", "day"), cursor=Cursor("day"), arrow=True, **kwargs)


ENTITIES = Stream(name="entities", contract=Entity, primary_key=("id",), cursor=Cursor("updated_at", kind="datetime"))


def rows(*specs: tuple[str, date, float]) -> list[dict]:
    return [{"tenant_id": "t", "ad_id": a, "day": d, "spend": s} for a, d, s in specs]


D1, D2, FAR = date(2026, 11, 19), date(2026, 11, 20), date(2036, 1, 1)


@pytest.mark.parametrize("arrow", [False, True], ids=["records", "arrow"])
def test_rows_past_the_limit_are_dropped_and_reported_once(arrow, caplog) -> None:
    checks = PageChecks("src", daily(), D2)
    page = rows(("1", D1, 1.0), ("2", FAR, 2.0), ("3", D2, 3.0))
    out = checks(to_arrow(page, Daily) if arrow else page)
    checks(to_arrow(rows(("4", FAR, 4.0)), Daily) if arrow else rows(("4", FAR, 4.0)))
    kept = out.to_pylist() if arrow else out
    assert [r["ad_id"] for r in kept] == ["1", "3"]
    with caplog.at_level(logging.WARNING, logger="bosco_connectors.read"):
        checks.report()
    assert caplog.messages == [
        "src/daily: dropped 2 row(s) whose day is past the requested window, up to 2036-01-01; "
        "rows may not be later than 2026-11-20"
    ]


def test_datetime_cursors_are_clipped_too() -> None:
    limit = datetime(2026, 11, 20, tzinfo=timezone.utc)
    page = [{"id": "a", "updated_at": "2026-11-19T10:00:00Z"}, {"id": "b", "updated_at": datetime(2036, 1, 1, tzinfo=timezone.utc)}]
    assert [r["id"] for r in PageChecks("src", ENTITIES, limit)(page)] == ["a"]


def test_without_an_end_rows_may_reach_tomorrow_and_no_further() -> None:
    tomorrow = utc_today() + timedelta(days=1)
    assert row_limit("date", None) == tomorrow
    assert row_limit("date", date(2026, 1, 1)) == date(2026, 1, 1)
    assert row_limit("date", date(2099, 1, 1)) == tomorrow
    assert row_limit("datetime", None) - datetime.now(timezone.utc) <= timedelta(days=1)


@pytest.mark.parametrize("arrow", [False, True], ids=["records", "arrow"])
def test_duplicate_keys_in_a_page_keep_the_last_row_and_warn_with_the_key(arrow, caplog) -> None:
    checks = PageChecks("src", daily(), D2)
    page = rows(("1", D1, 1.0), ("2", D1, 2.0), ("1", D1, 100000.0), ("3", D2, 3.0), ("1", D1, 5.0), ("2", D2, 6.0))
    out = checks(to_arrow(page, Daily) if arrow else page)
    kept = out.to_pylist() if arrow else out
    assert [(r["ad_id"], r["day"], r["spend"]) for r in kept] == [("2", D1, 2.0), ("3", D2, 3.0), ("1", D1, 5.0), ("2", D2, 6.0)]
    with caplog.at_level(logging.WARNING, logger="bosco_connectors.read"):
        checks.report()
    assert caplog.messages == [
        "src/daily: duplicate primary key in one page: ad_id=1, day=2026-11-19 appears 3 times; "
        "kept the page's last row for each key (2 row(s) dropped)"
    ]


@pytest.mark.parametrize("arrow", [False, True], ids=["records", "arrow"])
def test_a_stream_that_says_fail_fails_on_a_duplicate_key(arrow) -> None:
    checks = PageChecks("src", daily(on_duplicate_key="fail"), D2)
    page = rows(("1", D1, 1.0), ("1", D1, 100000.0))
    with pytest.raises(ContractError, match=r"duplicate primary key in one page: ad_id=1, day=2026-11-19 appears 2 times"):
        checks(to_arrow(page, Daily) if arrow else page)


def test_keys_with_nulls_and_many_columns_are_told_apart() -> None:
    stream = Stream(name="s", contract=Daily, primary_key=("ad_id", "day", "spend"), cursor=FullRefresh())
    table = pa.table({"ad_id": ["1", "1", None, None, "1"], "day": [D1, D1, D1, D1, D2], "spend": [1.0, 2.0, None, None, 1.0]})
    assert PageChecks("src", stream, None)(table).num_rows == 4  # only the two all-null-spend rows of ad None collide


def test_a_saved_cursor_after_tomorrow_fails_naming_the_reset() -> None:
    check_saved_cursor("src", "daily", "acme", utc_today() + timedelta(days=1), "date")  # tomorrow is fine
    with pytest.raises(SourceError, match="bosco-sync state reset --tenant acme --source src --stream daily --yes"):
        check_saved_cursor("src", "daily", "acme", FAR, "date")


def test_non_finite_floats_are_refused_on_the_arrow_path() -> None:
    for text in ("Infinity", "-inf", "NaN", "1e400"):
        with pytest.raises(ContractError, match=f"daily: field 'spend' is not a finite number: '{text}'"):
            to_arrow(rows(("1", D1, 1.0)) + [{"ad_id": "2", "day": D1, "spend": text}], Daily, "daily")
    assert to_arrow(rows(("1", D1, None)), Daily).column("spend").null_count == 1  # nulls stay nulls
    assert to_arrow(rows(("1", D1, 1e308), ("2", D1, 1e308)), Daily).num_rows == 2  # finite, though their sum is not
