"""Incremental reads on ``date``: windows, the 3-day look-back on the next run, no duplicates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bosco_connectors.framework import ReadContext, ResponseFormatError
from bosco_connectors.sources.ga4 import connector, source
from bosco_connectors.sources.ga4.streams import RunReportStream, parse_ga4_date

from .conftest import END, expected, make_pipeline, query, traffic_key


def _ranges(api, dimension: str) -> list[tuple[str, str, int]]:
    out = []
    for r in api.requests_to(":runReport"):
        body = r.json()
        if body["dimensions"][1]["name"] == dimension:
            (dr,) = body["dateRanges"]
            out.append((dr["startDate"], dr["endDate"], body["offset"]))
    return out


def test_second_run_rereads_three_days_and_adds_no_duplicates(tmp_path, fake_api_factory, fast_client):
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    app = api.apps["ga4"]
    config = {**app.source_config(api.url("ga4")), "page_size": 1000}
    pipeline = make_pipeline(tmp_path)

    pipeline.run(source(**config), loader_file_format="parquet")
    first = query(tmp_path, "select count(*), sum(sessions) from raw.ga4_traffic_daily")
    assert _ranges(api, "sessionSource") == [("2026-11-11", "2026-11-20", 0)]

    api.clear()
    pipeline.run(source(**config), loader_file_format="parquet")
    since = (END - timedelta(days=3)).isoformat()
    assert _ranges(api, "sessionSource") == [(since, "2026-11-20", 0)]
    assert _ranges(api, "landingPage") == [(since, "2026-11-20", 0)]
    assert query(tmp_path, "select count(*), sum(sessions) from raw.ga4_traffic_daily") == first
    dupes = query(
        tmp_path,
        "select count(*) from (select date, session_source, session_medium, session_campaign_name from raw.ga4_traffic_daily "
        "group by all having count(*) > 1)",
    )
    assert dupes == [(0,)]


def test_a_later_run_completes_an_earlier_one_from_three_days_before_its_last_day(tmp_path, fake_api_factory, fast_client):
    """The look-back re-reads the days GA4 may still revise; merged rows replace, never duplicate."""
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    app = api.apps["ga4"]
    pipeline = make_pipeline(tmp_path)
    early_end = END - timedelta(days=2)
    pipeline.run(source(**{**app.source_config(api.url("ga4")), "end_date": early_end}), loader_file_format="parquet")
    assert query(tmp_path, "select max(date) from raw.ga4_traffic_daily") == [(early_end,)]

    pipeline.run(source(**app.source_config(api.url("ga4"))), loader_file_format="parquet")
    want = expected(app, traffic_key)
    assert query(tmp_path, "select count(*), sum(sessions) from raw.ga4_traffic_daily") == [
        (len(want), sum(v["sessions"] for v in want.values()))
    ]
    assert _ranges(api, "sessionSource")[-1][0] == (early_end - timedelta(days=3)).isoformat()


def test_lookback_days_override_and_window_stepping(tmp_path, fake_api_factory, fast_client):
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    app = api.apps["ga4"]
    config = {**app.source_config(api.url("ga4")), "window_days": 4, "page_size": 1000, "lookback_days": 1, "max_workers": 2}
    pipeline = make_pipeline(tmp_path)
    pipeline.run(source(**config, streams=["traffic_daily"]), loader_file_format="parquet")
    assert sorted(_ranges(api, "sessionSource")) == [
        ("2026-11-11", "2026-11-14", 0), ("2026-11-15", "2026-11-18", 0), ("2026-11-19", "2026-11-20", 0)
    ]
    want = expected(app, traffic_key)
    assert query(tmp_path, "select count(*), sum(sessions) from raw.ga4_traffic_daily") == [
        (len(want), sum(v["sessions"] for v in want.values()))
    ]
    api.clear()
    pipeline.run(source(**config, streams=["traffic_daily"]), loader_file_format="parquet")
    assert _ranges(api, "sessionSource") == [("2026-11-19", "2026-11-20", 0)]


# -- row shaping --------------------------------------------------------------------------


class _Config:
    property_id = "123"


def _stream() -> RunReportStream:
    from bosco_connectors.sources.ga4.streams import build_streams

    return build_streams("123")[0]


def _ctx() -> ReadContext:
    return ReadContext(client=None, config=_Config(), since=None, until=None)


def _body(rows, metric_type="TYPE_INTEGER"):
    stream = _stream()
    return {
        "dimensionHeaders": [{"name": d} for d in stream.dimensions],
        "metricHeaders": [{"name": m, "type": metric_type if m == "sessions" else "TYPE_CURRENCY"} for m in stream.metrics],
        "rows": rows,
        "metadata": {"currencyCode": "EUR"},
    }


def _row(day: str, sessions: str = "5"):
    return {
        "dimensionValues": [{"value": day}, {"value": "google"}, {"value": "cpc"}, {"value": "Brand"}],
        "metricValues": [{"value": sessions}] + [{"value": "1.5"}] * 6,
    }


def test_rows_become_typed_records_and_other_rows_are_skipped():
    body = _body([_row("20261120", "7"), _row("(other)")])
    (record,) = _stream().rows_to_records(body, body["rows"], _ctx())
    assert record["date"] == date(2026, 11, 20) and record["sessions"] == 7 and isinstance(record["sessions"], int)
    assert record["total_revenue"] == 1.5 and record["currency_code"] == "EUR" and record["property_id"] == "123"
    assert record["session_campaign_name"] == "Brand"
    assert parse_ga4_date("2026-11-20") is None


def test_headers_that_do_not_match_the_request_are_a_format_error():
    body = _body([_row("20261120")])
    body["dimensionHeaders"] = body["dimensionHeaders"][::-1]
    with pytest.raises(ResponseFormatError, match="do not match the request"):
        _stream().rows_to_records(body, body["rows"], _ctx())


def test_a_row_with_missing_values_is_a_format_error():
    row = _row("20261120")
    row["metricValues"] = row["metricValues"][:3]
    body = _body([row])
    with pytest.raises(ResponseFormatError, match="3 metric values, expected 4 and 7"):
        _stream().rows_to_records(body, body["rows"], _ctx())
