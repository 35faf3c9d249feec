"""The property's token quota slows the sync down; Google's error bodies become clear errors."""

from __future__ import annotations

import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.sources.ga4 import connector
from bosco_connectors.sources.ga4.client import GoogleErrors, QuotaGuard
from bosco_connectors.sync import build_source

from .conftest import END, fast_client_factory, make_pipeline, query


def _sync(tmp_path, monkeypatch, config, streams=("traffic_daily",)):
    sleeps: list[float] = []
    monkeypatch.setattr(connector, "client_factory", fast_client_factory(sleep=sleeps.append))
    source, client = build_source(connector, config, tenant_id="t", streams=list(streams))
    make_pipeline(tmp_path).run(source, loader_file_format="parquet")
    return client, sleeps


def _error_chain(exc: BaseException | None) -> list[BaseException]:
    chain = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain


# -- quota ------------------------------------------------------------------------------


def test_low_hourly_tokens_pause_every_request_of_the_source(tmp_path, fake_api_factory, monkeypatch):
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    app = api.apps["ga4"]
    app.set_quota(tokensPerHour=16)  # each page costs 2 tokens: 14, 12, 10, 8, 6 left after pages 1-5
    config = {**app.source_config(api.url("ga4")), "page_size": 20, "quota_reserve_tokens": 10, "quota_pause_seconds": 30}

    client, sleeps = _sync(tmp_path, monkeypatch, config)

    assert client.quota.pauses == 2, "pages 4 and 5 left fewer than 10 tokens"
    assert client.quota.last["tokensPerHour"] == {"consumed": 10, "remaining": 6}
    assert [s for s in sleeps if s > 1] and all(29 < s <= 30 for s in sleeps if s > 1), sleeps
    assert query(tmp_path, "select count(*) from raw.ga4_traffic_daily") == [(90,)]


def test_plenty_of_tokens_means_no_pause(tmp_path, fake_api_factory, monkeypatch):
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    config = {**api.apps["ga4"].source_config(api.url("ga4")), "page_size": 20}
    client, sleeps = _sync(tmp_path, monkeypatch, config)
    assert client.quota.pauses == 0 and not [s for s in sleeps if s > 1]
    assert client.quota.last["tokensPerDay"]["remaining"] == 200_000 - 10


def test_quota_guard_reads_proto3_json_where_zero_remaining_is_omitted():
    pauses: list[float] = []
    guard = QuotaGuard(pauses.append, reserve_tokens=100, pause_seconds=5)
    guard(None, {"propertyQuota": {"tokensPerHour": {"consumed": 40000}, "tokensPerDay": {"consumed": 1, "remaining": 5}}})
    guard(None, {"propertyQuota": {"tokensPerHour": {"consumed": 10, "remaining": 39990}, "tokensPerProjectPerHour": {"consumed": 13950, "remaining": 50}}})
    guard(None, {"propertyQuota": {"tokensPerHour": {"consumed": 10, "remaining": 39990}}})
    guard(None, {"rows": []})  # returnPropertyQuota not honoured: nothing to read
    assert pauses == [5, 5] and guard.pauses == 2


def test_exhausted_quota_is_retried_then_reported_with_googles_words(tmp_path, fake_api_factory, monkeypatch):
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    app = api.apps["ga4"]
    app.set_quota(tokensPerHour=6)
    config = {**app.source_config(api.url("ga4")), "page_size": 20, "quota_reserve_tokens": 0}
    with pytest.raises(Exception) as info:
        _sync(tmp_path, monkeypatch, config)
    (error,) = [e for e in _error_chain(info.value) if isinstance(e, RetryableApiError)]
    assert "ga4/traffic_daily: HTTP 429 RESOURCE_EXHAUSTED: Exhausted property tokens per hour" in str(error)
    assert [r.status for r in api.requests_to(":runReport")] == [200, 200, 200, 429, 429, 429, 429]


def test_transient_resource_exhausted_is_retried(tmp_path, fake_api_factory, monkeypatch):
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    app = api.apps["ga4"]
    app.fail_next(429, "RESOURCE_EXHAUSTED", "Exhausted concurrent requests quota.", times=2)
    config = {**app.source_config(api.url("ga4")), "page_size": 20}
    client, _ = _sync(tmp_path, monkeypatch, config)
    assert client.stats.retries == 2
    assert query(tmp_path, "select count(*) from raw.ga4_traffic_daily") == [(90,)]


# -- errors -----------------------------------------------------------------------------


def test_a_property_the_credential_cannot_read_is_an_auth_error(tmp_path, fake_api_factory, monkeypatch):
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    config = {**api.apps["ga4"].source_config(api.url("ga4")), "property_id": "999999999"}
    with pytest.raises(Exception) as info:
        _sync(tmp_path, monkeypatch, config)
    (error,) = [e for e in _error_chain(info.value) if isinstance(e, AuthError)]
    text = str(error)
    assert "HTTP 403 PERMISSION_DENIED: User does not have sufficient permissions for this property" in text
    assert "Viewer access" in text and "properties/999999999:runReport" in text
    assert len(api.requests_to(":runReport")) == 1, "auth errors are not retried"


def test_an_unknown_field_in_a_user_report_names_the_report_and_googles_reason(tmp_path, fake_api_factory, monkeypatch):
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    report = {"name": "plans", "dimensions": ["customEvent:plan_type"], "metrics": ["sessions"]}
    config = {**api.apps["ga4"].source_config(api.url("ga4")), "reports": [report]}
    with pytest.raises(Exception) as info:
        _sync(tmp_path, monkeypatch, config, streams=("plans",))
    (error,) = [e for e in _error_chain(info.value) if type(e) is ApiError]
    assert str(error).startswith("ga4/plans: HTTP 400 INVALID_ARGUMENT: Field customEvent:plan_type is not a valid dimension")
    assert len(api.requests_to(":runReport")) == 1


@pytest.mark.parametrize(
    ("status", "body", "kind", "text"),
    [
        (401, {"error": {"code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"}},
         AuthError, "HTTP 401 UNAUTHENTICATED: Request had invalid authentication credentials."),
        (403, {"error": {"code": 403, "status": "PERMISSION_DENIED",
                         "message": "Google Analytics Data API has not been used in project 1 before or it is disabled."}},
         AuthError, "HTTP 403 PERMISSION_DENIED: Google Analytics Data API has not been used"),
        (403, {"error": {"code": 403, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED"}}, RetryableApiError, "HTTP 403 RESOURCE_EXHAUSTED"),
        (503, {"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}, RetryableApiError, "UNAVAILABLE"),
        (400, {"error": {"code": 400, "message": "Did you mean sessions? Field sesions is not a valid metric.", "status": "INVALID_ARGUMENT"}},
         ApiError, "HTTP 400 INVALID_ARGUMENT: Did you mean sessions?"),
        (502, None, RetryableApiError, "HTTP 502"),
    ],
)
def test_google_error_bodies_map_to_clear_errors(status, body, kind, text):
    response = httpx.Response(status, json=body) if body is not None else httpx.Response(status, text="<html>Bad Gateway</html>")
    error = GoogleErrors().for_status(response, body)
    assert type(error) is kind and text in str(error)
    assert GoogleErrors().for_status(httpx.Response(200, json={}), {}) is None
