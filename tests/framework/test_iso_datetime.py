"""`Records(formats={...: ISO_DATETIME})`: RFC 3339 timestamps whose fraction of a second comes
and goes (Square writes both ``...:00.123Z`` and ``...:00Z``), read as aware UTC instants."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bosco_connectors.framework.records import ISO_DATETIME, Records


def test_rfc3339_with_and_without_fractions_and_offsets():
    rows = Records("payments", formats={"created_at": ISO_DATETIME}).rows([
        {"created_at": "2026-11-14T03:30:00.123Z"},
        {"created_at": "2026-11-14T03:30:00Z"},
        {"created_at": "2026-11-13T22:30:00-05:00"},
        {"created_at": "2026-11-14T03:30:00"},   # no offset: UTC
        {"created_at": ""},
        {"created_at": None},
    ])
    utc = datetime(2026, 11, 14, 3, 30, tzinfo=timezone.utc)
    assert [r["created_at"] for r in rows] == [utc + timedelta(milliseconds=123), utc, utc, utc, None, None]
    assert rows[2]["created_at"].utcoffset() == timedelta(hours=-5)
