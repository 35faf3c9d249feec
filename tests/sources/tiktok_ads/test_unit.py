"""Pure pieces of the declared tiktok_ads source: its error table, records, config, streams."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, ConfigError, Cursor, FullRefresh, ReadContext, RetryableApiError
from bosco_connectors.framework.connector import describe_stream
from bosco_connectors.framework.errormap import TooMuchData
from bosco_connectors.sources.tiktok_ads import API, connector

OK = httpx.Response(200)


def tiktok_error(body):
    return API.errors.policy().for_status(OK, body)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (40100, RetryableApiError),  # requests made too frequently (app level)
        (40133, RetryableApiError),  # advertiser-level QPS
        (50000, RetryableApiError),
        (50002, RetryableApiError),
        (60001, RetryableApiError),  # maintenance
        (40001, AuthError),
        (40102, AuthError),  # expired token
        (40104, AuthError),  # empty token
        (40105, AuthError),  # invalid token
        (40067, TooMuchData),  # the query is too large: read it in halves
        (40002, ApiError),
        (40300, ApiError),
    ],
)
def test_envelope_codes_map_to_error_kinds(code, kind):
    error = tiktok_error({"code": code, "message": "vendor says no", "request_id": "abc", "data": {}})
    assert type(error) is kind
    assert error.vendor_code == code and error.status == 200
    assert str(error) == f"TikTok code {code}: vendor says no (request_id abc)"


def test_code_zero_or_no_code_is_success():
    """TikTok's spec (tiktok-business-api-sdk, yml_files): ``code`` is "shown only if it is an error request"."""
    assert tiktok_error({"code": 0, "message": "OK", "request_id": "x", "data": {}}) is None
    assert tiktok_error({"data": {"list": []}}) is None


@pytest.mark.parametrize("code", [40132, 40016])  # REQUEST_FREQUENCY_LIMITED and the app-level limit
def test_every_documented_rate_limit_code_is_retried(code):
    assert type(tiktok_error({"code": code, "message": "Too frequent", "data": {}})) is RetryableApiError


@pytest.mark.parametrize("code", [40114, 40130, 40131])  # advertiser logged out, scope not authorised
def test_every_documented_token_or_scope_code_is_an_auth_error(code):
    assert type(tiktok_error({"code": code, "message": "No", "data": {}})) is AuthError


def test_report_rows_are_flattened_with_the_partitions_advertiser():
    stream = connector.stream("report_campaign_daily")
    ctx = ReadContext(client=None, config=None, since=None, until=None, partition={"advertiser_id": "777"})
    rows = stream.record_spec.rows(
        [{"dimensions": {"campaign_id": "123", "stat_time_day": "2026-11-03 00:00:00"},
          "metrics": {"spend": "10.50", "cpc": "-", "campaign_name": "Summer"}}],
        ctx,
    )
    assert rows == [{
        "spend": "10.50",
        "cpc": None,  # TikTok's "-" for a metric it cannot compute
        "campaign_name": "Summer",
        "campaign_id": "123",
        "stat_time_day": date(2026, 11, 3),
        "advertiser_id": "777",
    }]


def test_config_accepts_a_comma_separated_id_string_and_defaults():
    config = connector.validate({"access_token": "tok-123456", "advertiser_ids": " 111, 222,111 ", "start_date": "2026-01-01"})
    assert config.advertiser_ids == ["111", "222"]
    assert config.page_size == 1000 and config.requests_per_second == 10.0
    assert config.access_token.get_secret_value() == "tok-123456"
    assert "tok-123456" not in repr(config)


def test_config_errors_do_not_echo_the_token():
    with pytest.raises(ConfigError) as excinfo:
        connector.validate({"access_token": "tok-secret-value", "advertiser_ids": ["x"]})
    assert "advertiser_ids" in str(excinfo.value) and "tok-secret-value" not in str(excinfo.value)


def test_streams_declare_keys_cursors_and_refresh_reasons():
    described = {s.name: describe_stream(connector, s) for s in connector.streams}
    assert set(described) == {
        "advertisers", "campaigns", "ad_groups", "ads",
        "report_advertiser_daily", "report_campaign_daily", "report_adgroup_daily", "report_ad_daily",
    }
    for name in ("advertisers", "campaigns", "ad_groups", "ads"):
        stream = connector.stream(name)
        assert isinstance(stream.cursor, FullRefresh) and stream.cursor.reason
        assert described[name]["full_refresh"]
    keys = {"advertiser": "advertiser_id", "campaign": "campaign_id", "adgroup": "adgroup_id", "ad": "ad_id"}
    for level, key in keys.items():
        name = f"report_{level}_daily"
        stream = connector.stream(name)
        assert stream.cursor == Cursor("stat_time_day", kind="date", lookback=timedelta(days=7), window=timedelta(days=30))
        assert described[name]["primary_key"] == ["tenant_id", key, "stat_time_day"]
        assert described[name]["format"] == "arrow" and described[name]["table"] == f"tiktok_ads_{name}"


def test_page_size_from_config_reaches_the_paginator():
    config = connector.validate({"access_token": "tok-123456", "advertiser_ids": ["1"], "page_size": 25})
    (stream,) = [s for s in connector.active_streams(config) if s.name == "report_ad_daily"]
    assert stream.paginator().first().params == {"page": 1, "page_size": 25}


def test_every_option_is_a_parameter_of_the_python_source():
    import inspect

    from bosco_connectors.sources.tiktok_ads import source

    parameters = set(inspect.signature(source).parameters)
    assert set(connector.config_model.model_fields) | {"tenant_id", "streams"} == parameters
