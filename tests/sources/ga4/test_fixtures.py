"""Google's documented runReport bodies (cassettes/ga4/), through the source: vendor-shaped values.

Every value arrives as text and is read with its header: ``date`` (YYYYMMDD) becomes a date,
TYPE_INTEGER metrics integers, TYPE_FLOAT and TYPE_CURRENCY floats, ``metadata.currencyCode``
the currency of every row. Expected values are read from the documented bodies here.
"""

from __future__ import annotations

from decimal import Decimal
import copy
from datetime import date

import pytest

from bosco_connectors.framework import ResponseFormatError
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.ga4 import connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from .conftest import make_pipeline, query

FIXTURES = Fixtures.load(fixture_folder("ga4"))


def _documented_rows(stream: str) -> list[tuple[list[str], list[str], str]]:
    """(dimension values, metric values, currency) of every documented row of a stream."""
    out = []
    for exchange in FIXTURES.data(stream):
        body = FIXTURES.body(exchange)
        for row in body["rows"]:
            out.append(([v["value"] for v in row["dimensionValues"]], [v["value"] for v in row["metricValues"]], body["metadata"]["currencyCode"]))
    return out


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("ga4_fixtures")
    app = FixtureApp(FIXTURES)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLT_DATA_DIR", str(tmp_path / "dlt"))
        mp.chdir(tmp_path)
        with FakeApi([app]) as api:
            make_pipeline(tmp_path).run(source(**app.source_config(api.url(app.prefix))), loader_file_format="parquet")
    assert not app.unmatched
    return tmp_path


def test_traffic_rows_load_as_documented(replayed):
    loaded = {r[:4]: r[4:] for r in query(replayed, "select date, session_source, session_medium, session_campaign_name, sessions, "
                                                    "total_users, engaged_sessions, engagement_rate, key_events, total_revenue, "
                                                    "purchase_revenue, currency_code, property_id from raw.ga4_traffic_daily")}
    documented = _documented_rows("traffic_daily")
    assert len(loaded) == len(documented) == 5
    for (day, source_, medium, campaign), metrics, currency in documented:
        sessions, users, _new, engaged, engagement_rate, key_events, total, purchase = metrics
        assert loaded[(_day(day), source_, medium, campaign)] == (
            int(sessions), int(users), int(engaged), float(engagement_rate), float(key_events), Decimal(total), Decimal(purchase),
            currency, FIXTURES.config["property_id"])


def test_a_user_report_reads_rates_as_floats(replayed):
    loaded = dict(((r[0], r[1]), r[2:]) for r in query(replayed, "select date, device_category, sessions, engagement_rate from raw.ga4_device_daily"))
    documented = _documented_rows("device_daily")
    assert {(_day(d), device): (int(s), float(rate)) for (d, device), (s, rate), _ in documented} == loaded
    types = dict(query(replayed, "select column_name, data_type from information_schema.columns where table_name = 'ga4_traffic_daily'"))
    assert (types["date"], types["sessions"], types["key_events"], types["total_revenue"]) == ("DATE", "BIGINT", "DOUBLE", "DECIMAL(38,9)")


# -- the row codec on documented bodies -------------------------------------------------------------


def _traffic_body() -> dict:
    return copy.deepcopy(FIXTURES.body(FIXTURES.data("traffic_daily")[0]))


def _traffic_stream():
    return connector.stream("traffic_daily")


def test_the_other_row_of_a_high_cardinality_report_is_left_out(tmp_path, fast_client):
    """GA4 rolls rare rows into one ``(other)`` row without a day: it cannot be loaded on the cursor."""
    body = _traffic_body()
    other = copy.deepcopy(body["rows"][0])
    for value in other["dimensionValues"]:
        value["value"] = "(other)"
    body["rows"].append(other)
    records = _traffic_stream().decode(body, "123")
    assert [r["date"] for r in records] == [date(2026, 11, 1)] * 3 + [None], "decoding keeps every row, so paging counts right"
    assert records[0]["sessions"] == 412 and isinstance(records[0]["sessions"], int) and records[0]["total_revenue"] == 1532.4
    assert len(_traffic_stream().keep(records, None)) == 3


def test_headers_that_do_not_match_the_request_are_a_format_error():
    body = _traffic_body()
    body["dimensionHeaders"] = body["dimensionHeaders"][::-1]
    with pytest.raises(ResponseFormatError, match="do not match the request"):
        _traffic_stream().decode(body, "123")


def test_a_row_with_missing_values_is_a_format_error():
    body = _traffic_body()
    body["rows"][1]["metricValues"] = body["rows"][1]["metricValues"][:3]
    with pytest.raises(ResponseFormatError, match="3 metric values, expected 4 and 8"):
        _traffic_stream().decode(body, "123")
