"""Records formats: ISO 8601 instants however a vendor writes their fraction and zone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bosco_connectors.framework.records import ISO_DATETIME, Records


def test_iso_datetimes_with_fractions_zones_and_empty_text() -> None:
    rows = Records(formats={"updated": ISO_DATETIME}).rows([
        {"updated": "2022-11-08T00:00:00+00:00"},      # Klaviyo's documented example
        {"updated": "2023-04-26T18:13:47.123456Z"},     # fractions and Z
        {"updated": "2026-11-18T02:30:00-05:00"},      # an offset other than UTC
        {"updated": "2026-11-18T02:30:00"},            # no zone: UTC
        {"updated": ""}, {"updated": None},
    ])
    assert [r["updated"] for r in rows] == [
        datetime(2022, 11, 8, tzinfo=timezone.utc),
        datetime(2023, 4, 26, 18, 13, 47, 123456, tzinfo=timezone.utc),
        datetime(2026, 11, 18, 2, 30, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 11, 18, 2, 30, tzinfo=timezone.utc),
        None, None,
    ]


def test_a_dotted_flatten_moves_up_the_fields_of_an_object_two_levels_down() -> None:
    """Brevo's campaign totals are in ``statistics.globalStats``; the list-wise ``campaignStats`` stays where it is."""
    records = Records(flatten=("statistics.globalStats",), rename={"uniqueViews": "unique_views"})
    rows = records.rows([
        {"id": 12, "statistics": {"globalStats": {"sent": 100, "uniqueViews": 40}, "campaignStats": [{"listId": 5, "sent": 100}]}},
        {"id": 13, "statistics": {"globalStats": None, "campaignStats": []}},
        {"id": 14},
    ])
    assert [(r["id"], r.get("sent"), r.get("unique_views")) for r in rows] == [(12, 100, 40), (13, None, None), (14, None, None)]
    assert rows[0]["statistics"]["campaignStats"] == [{"listId": 5, "sent": 100}]
