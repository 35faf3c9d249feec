"""Documented records moved into the fake's window: dates shift together, nothing else changes."""

from __future__ import annotations

from datetime import date

from bosco_connectors.framework.records import EPOCH_MILLIS, EPOCH_SECONDS
from bosco_connectors.sandbox.redate import epoch_fields, into_window, latest_day, shifted


def test_every_date_moves_by_the_same_days_and_ids_stay():
    records = [
        {"id": 1700000000, "created_at": "2026-11-01T23:30:00-05:00", "refunds": [{"processed_at": "2026-11-03 08:00:00"}],
         "day": "2026-11-02", "note": "2026-11-02 is in the text", "code": "2026-13-45"},
        {"id": 1700000001, "created": 1793491200, "updated_ms": "1793577600000"},  # 2026-11-01 and 2026-11-02 UTC
    ]
    epochs = epoch_fields({"created": EPOCH_SECONDS, "updated_at": EPOCH_MILLIS}, {"updated_ms": "updated_at"})
    moved = into_window(records, date(2026, 12, 6), epochs)  # latest documented day: 2026-11-03, so +33 days
    assert moved[0]["created_at"] == "2026-12-04T23:30:00-05:00"  # the time and offset as documented
    assert moved[0]["refunds"][0]["processed_at"] == "2026-12-06 08:00:00"
    assert moved[0]["day"] == "2026-12-05"
    assert moved[0]["id"] == 1700000000  # a number not declared as an epoch is an id
    assert moved[0]["note"] == "2026-12-05 is in the text"
    assert moved[0]["code"] == "2026-13-45"  # not a day
    assert moved[1]["created"] == 1793491200 + 33 * 86_400
    assert moved[1]["updated_ms"] == str(1793577600000 + 33 * 86_400_000)
    assert records[0]["day"] == "2026-11-02"  # the documented records are left as they were


def test_records_without_a_date_are_served_as_they_are():
    records = [{"id": "a", "rating": 5}]
    assert into_window(records, date(2026, 12, 6), {}) == records


def test_a_google_date_object_is_a_day_that_moves_with_the_others():
    record = {"dailyMetric": "CALL_CLICKS", "timeSeries": {"datedValues": [
        {"date": {"year": 2026, "month": 10, "day": 31}, "value": "6"}, {"date": {"year": 2026, "month": 11, "day": 2}}]}}
    assert latest_day([record], {}) == date(2026, 11, 2)
    moved = shifted(record, 30, {})
    assert [v["date"] for v in moved["timeSeries"]["datedValues"]] == [
        {"year": 2026, "month": 11, "day": 30}, {"year": 2026, "month": 12, "day": 2}]
    assert moved["timeSeries"]["datedValues"][0]["value"] == "6"  # an int64 as text is not a date
    assert shifted({"size": {"year": 1, "month": 2}}, 30, {}) == {"size": {"year": 1, "month": 2}}  # not a whole date
