"""Records shaped into rows: RFC 3339 timestamps whose fraction of a second comes and goes
(Square writes both ``...:00.123Z`` and ``...:00Z``) read as aware UTC instants; a field a
record lacks stays absent from its row."""

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


def test_a_field_a_record_lacks_stays_absent_from_its_row():
    """Square leaves out absent fields: the 25.00 payment has no tip_money, the 10.00 one has.
    A null written for the first would be a column "tip_money" that never holds a value."""
    rows = Records("payments", rename={"note": "payment_note"}).rows([
        {"id": "a", "amount_money": {"amount": 2500}, "note": None},
        {"id": "b", "amount_money": {"amount": 1000}, "tip_money": {"amount": 100}, "note": "x"},
    ])
    assert rows == [{"id": "a", "amount_money": {"amount": 2500}, "payment_note": None},
                    {"id": "b", "amount_money": {"amount": 1000}, "tip_money": {"amount": 100}, "payment_note": "x"}]


def test_a_nested_field_a_record_sends_stays_in_its_row_even_as_a_null():
    """A field sent inside a flattened object (TikTok's metrics.cpc of "-", a null marker) is sent:
    its row keeps the null; one the record's object lacks stays absent."""
    rows = Records(flatten=("metrics",), nulls=("-",), rename={"spend": "cost"}).rows([
        {"id": "a", "metrics": {"cpc": "-", "spend": "-"}},
        {"id": "b", "metrics": {"cpc": "0.20", "spend": "3.00", "ctr": "1.5"}},
    ])
    assert rows == [{"id": "a", "cpc": None, "cost": None},
                    {"id": "b", "cpc": "0.20", "cost": "3.00", "ctr": "1.5"}]
