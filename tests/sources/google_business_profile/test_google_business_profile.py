"""The declared google_business_profile source: documented bodies, the unified facts, errors, re-reads.

Expected values come from the fixture bodies (cassettes/google_business_profile/), never from
the connector's own code.
"""

from __future__ import annotations

import copy
from datetime import date

import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.errormap import Action
from bosco_connectors.framework.facts import FACTS, fact_staging_sql, mappings_of
from bosco_connectors.framework.params import DateParts, WindowParams, dotted_query, parse_bound
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.google_business_profile import API, connector, source
from bosco_connectors.testing.replay import Fixtures, fixture_folder

from ..meta_organic import params, query, social_rows
from ..meta_organic import run as replay

NAME = "google_business_profile"
FIXTURES = Fixtures.load(fixture_folder(NAME))


def bodies(stream: str) -> list[dict]:
    return [FIXTURES.body(e) for e in FIXTURES.data(stream)]


def run(tmp_path, answer_first=None, streams=None):
    return replay(NAME, source, tmp_path, answer_first, streams)


SERIES = bodies("daily_metrics")[0]["multiDailyMetricTimeSeries"][0]["dailyMetricTimeSeries"]
REVIEWS = {r["reviewId"]: r for body in bodies("reviews") for r in body["reviews"]}


@pytest.fixture(scope="module")
def daily_metrics(module_tmp):
    """The documented daily_metrics sync the two read-only tests below query, and its requests (run once for the module)."""
    return module_tmp, run(module_tmp, streams=["daily_metrics"])


def test_the_request_carries_every_metric_and_the_range_as_google_date_fields(daily_metrics):
    _, seen = daily_metrics
    [request] = [r for r in seen if r.path.endswith(":fetchMultiDailyMetricsTimeSeries")]
    assert request.query["dailyMetrics"] == [s["dailyMetric"] for s in SERIES]  # the parameter repeated
    assert {k: v for k, v in params(request).items() if k.startswith("dailyRange.")} == {
        "dailyRange.startDate.year": "2026", "dailyRange.startDate.month": "11", "dailyRange.startDate.day": "1",
        "dailyRange.endDate.year": "2026", "dailyRange.endDate.month": "11", "dailyRange.endDate.day": "2"}


def test_a_metric_and_day_is_a_row_and_a_left_out_value_is_zero(daily_metrics):
    tmp_path, _ = daily_metrics
    rows = query(tmp_path, "select daily_metric, date, value from raw.google_business_profile_daily_metrics")
    expected = [(s["dailyMetric"], date(v["date"]["year"], v["date"]["month"], v["date"]["day"]), int(v.get("value", 0)))
                for s in SERIES for v in s["timeSeries"]["datedValues"]]
    assert sorted(rows) == sorted(expected) and len(rows) == 22
    assert ("BUSINESS_BOOKINGS", date(2026, 11, 1), 0) in rows  # no "value" in the body: zero


def test_the_unified_social_fact_has_a_location_row_a_day(tmp_path):
    run(tmp_path)
    rows = social_rows(connector, tmp_path)
    # 1 November: impressions 41 + 88 + 212 + 305; interactions 0 + 14 + 6 + 23 + 0 + 0 + 3 (daily_metrics.json)
    assert rows[0] == (date(2026, 11, 1), "12345", "", "location", 646, None, 46, None, None)
    assert rows[1] == (date(2026, 11, 2), "12345", "", "location", 617, None, 33, None, None)


def test_reviews_load_over_two_pages_and_map_their_stars(tmp_path):
    run(tmp_path, streams=["reviews"])
    loaded = query(tmp_path, "select review_id, star_rating, reviewer_is_anonymous, reply_comment, create_time "
                             "from raw.google_business_profile_reviews order by review_id")
    assert [(r[0], r[1], r[2], r[3]) for r in loaded] == sorted(
        (i, r["starRating"], r["reviewer"]["isAnonymous"], (r.get("reviewReply") or {}).get("comment")) for i, r in REVIEWS.items())
    streams = [s for s in connector.streams if s.name == "reviews"]
    sql = fact_staging_sql(connector, FACTS["reviews"], [(s.name, m) for s in streams for m in mappings_of(s)])
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        facts = con.execute(f"select review_id, review_date, rating from ({sql}) order by review_id").fetchall()
    assert facts == sorted([("AbFvOqhW2eYuV3", date(2026, 10, 30), 4), ("AbFvOqkT7pQrS2", date(2026, 11, 1), 3),
                            ("AbFvOqmZ3xLkN1", date(2026, 11, 2), 5)])


def test_an_owner_reply_added_later_changes_the_review_row_and_adds_none(tmp_path):
    run(tmp_path, streams=["reviews"])
    first = copy.deepcopy(next(b for b in bodies("reviews") if "nextPageToken" in b))
    first["reviews"][1]["reviewReply"] = {"comment": "Sorry about the wait!", "updateTime": "2026-11-03T10:00:00Z"}
    run(tmp_path, lambda r: FakeResponse.json(first) if r.path.endswith("/reviews") and "pageToken" not in r.query else None,
        streams=["reviews"])
    assert query(tmp_path, "select count(*) from raw.google_business_profile_reviews") == [(3,)]
    assert query(tmp_path, "select reply_comment from raw.google_business_profile_reviews where review_id = 'AbFvOqkT7pQrS2'") == [
        ("Sorry about the wait!",)]


def _error(body: dict, status: int):
    response = httpx.Response(status, json=body, request=httpx.Request("GET", "https://mybusiness.googleapis.com/v4/x"))
    return API.errors.policy().for_status(response, body)


def test_the_documented_errors_retry_stop_or_skip_the_location():
    assert isinstance(_error(FIXTURES.body(FIXTURES.error("rate_limit")), 429), RetryableApiError)
    assert isinstance(_error(FIXTURES.body(FIXTURES.error("auth_error")), 401), AuthError)
    assert API.errors.codes["PERMISSION_DENIED"] is Action.SKIP and API.errors.codes["FAILED_PRECONDITION"] is Action.SKIP


def test_a_date_object_window_goes_into_a_query_as_dotted_fields_and_reads_back():
    nested = {"dailyMetrics": ["CALL_CLICKS"], "dailyRange": {"startDate": {"year": 2026, "month": 11, "day": 1}}}
    assert dotted_query(nested) == {"dailyMetrics": ["CALL_CLICKS"], "dailyRange.startDate.year": 2026,
                                    "dailyRange.startDate.month": 11, "dailyRange.startDate.day": 1}
    window = WindowParams("dailyRange.startDate", "dailyRange.endDate", format=DateParts())
    sent = {"dailyRange.startDate.year": "2026", "dailyRange.startDate.month": "11", "dailyRange.startDate.day": "1",
            "dailyRange.endDate.year": "2026", "dailyRange.endDate.month": "11", "dailyRange.endDate.day": "2"}
    start, end = window.parse(sent)
    assert (parse_bound(start, window.format), parse_bound(end, window.format)) == (date(2026, 11, 1), date(2026, 11, 2))


def test_every_multi_series_is_read_however_google_groups_the_metrics():
    from bosco_connectors.framework.records import Records

    records = Records("multiDailyMetricTimeSeries.*.dailyMetricTimeSeries", explode="timeSeries.datedValues")
    day = {"date": {"year": 2026, "month": 11, "day": 1}, "value": "5"}
    grouped = {"multiDailyMetricTimeSeries": [
        {"dailyMetricTimeSeries": [{"dailyMetric": "CALL_CLICKS", "timeSeries": {"datedValues": [day]}}]},
        {"dailyMetricTimeSeries": [{"dailyMetric": "WEBSITE_CLICKS", "timeSeries": {"datedValues": [day, day]}}]},
        {"dailyMetricTimeSeries": {"dailyMetric": "BUSINESS_BOOKINGS", "timeSeries": {"datedValues": [day]}}}]}
    rows = records.expand(records.select(grouped))
    assert [r["dailyMetric"] for r in rows] == ["CALL_CLICKS", "WEBSITE_CLICKS", "WEBSITE_CLICKS", "BUSINESS_BOOKINGS"]


def test_the_generated_fake_writes_the_series_back_under_one_multi_series():
    from bosco_connectors.sources.google_business_profile import DailyMetricsStream

    series = [{"dailyMetric": "CALL_CLICKS", "timeSeries": {"datedValues": []}}]
    assert DailyMetricsStream.fake_encode(None, None, {}, series) == {"multiDailyMetricTimeSeries": [{"dailyMetricTimeSeries": series}]}
