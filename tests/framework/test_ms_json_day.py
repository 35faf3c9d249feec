"""Records(formats={...: MS_JSON_DAY}): .NET JSON dates (Bing Webmaster's ``/Date(ms-0700)/``) read as days."""

from __future__ import annotations

from datetime import date

import pytest

from bosco_connectors.framework.errors import ResponseFormatError
from bosco_connectors.framework.records import MS_JSON_DAY, Records


def test_the_day_is_read_in_the_offset_the_value_carries():
    rows = Records("d", formats={"Date": MS_JSON_DAY}).rows([
        {"Date": "/Date(1316156400000-0700)/"},   # 2011-09-16T07:00Z: midnight at -07:00
        {"Date": "/Date(1316131200000+0200)/"},   # 2011-09-16T00:00Z: 02:00 at +02:00
        {"Date": "/Date(1772265600000)/"},         # no offset: UTC, 2026-02-28T08:00Z
        {"Date": None},
    ])
    assert [r["Date"] for r in rows] == [date(2011, 9, 16), date(2011, 9, 16), date(2026, 2, 28), None]


def test_an_instant_past_midnight_utc_keeps_its_local_day():
    (row,) = Records(formats={"Date": MS_JSON_DAY}).rows([{"Date": "/Date(1316228400000-0700)/"}])  # 2011-09-17T03:00Z
    assert row["Date"] == date(2011, 9, 16)


def test_other_text_fails_naming_it():
    with pytest.raises(ResponseFormatError, match="not a .NET JSON date: '2011-09-16'"):
        Records(formats={"Date": MS_JSON_DAY}).rows([{"Date": "2011-09-16"}])
