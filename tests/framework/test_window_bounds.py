"""Window bounds as vendors write them, and read back the same way by fakes and the kit."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bosco_connectors.framework.params import DATE, DATETIME, EPOCH, DateParts, WindowParams, parse_bound
from bosco_connectors.framework.spec import Window

#: Microsoft Advertising's Date object: {"Day", "Month", "Year"} integers (reporting-service/date).
MICROSOFT_DATE = DateParts(year="Year", month="Month", day="Day")


def test_a_window_of_date_objects_goes_into_a_nested_body() -> None:
    window = WindowParams("ReportRequest.Time.CustomDateRangeStart", "ReportRequest.Time.CustomDateRangeEnd",
                          format=MICROSOFT_DATE, in_body=True)
    body: dict = {"ReportRequest": {"Time": {"ReportTimeZone": "GreenwichMeanTimeDublinEdinburghLisbonLondon"}}}
    window.apply(body, Window(date(2026, 11, 1), date(2026, 11, 30)))
    assert body == {"ReportRequest": {"Time": {
        "ReportTimeZone": "GreenwichMeanTimeDublinEdinburghLisbonLondon",
        "CustomDateRangeStart": {"Year": 2026, "Month": 11, "Day": 1},
        "CustomDateRangeEnd": {"Year": 2026, "Month": 11, "Day": 30},
    }}}
    assert [parse_bound(v, MICROSOFT_DATE) for v in window.parse(body)] == [date(2026, 11, 1), date(2026, 11, 30)]


@pytest.mark.parametrize("value, fmt, expected", [
    ({"Year": 2026, "Month": 2, "Day": 28}, MICROSOFT_DATE, date(2026, 2, 28)),
    ("2026-11-20", DATE, date(2026, 11, 20)),
    ("2026-11-20T00:00:00Z", DATETIME, datetime(2026, 11, 20, tzinfo=timezone.utc)),
    (1795132800, EPOCH, datetime(2026, 11, 20, tzinfo=timezone.utc)),
    ("20261120", "%Y%m%d", datetime(2026, 11, 20)),
    (None, MICROSOFT_DATE, None),
    ("", DATE, None),
])
def test_parse_bound_reads_every_declared_format(value, fmt, expected) -> None:
    assert parse_bound(value, fmt) == expected


def test_a_date_object_missing_a_part_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="Month"):
        parse_bound({"Year": 2026, "Day": 1}, MICROSOFT_DATE)
