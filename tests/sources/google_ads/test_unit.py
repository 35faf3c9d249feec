"""Pieces of the google_ads source on their own: config, GAQL, flattening, Google's errors."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal

import httpx
import pytest

from bosco_connectors.framework import (
    ApiError,
    AuthError,
    ConfigError,
    RetryableApiError,
)
from bosco_connectors.sandbox.google_ads import FIELDS, RESOURCES
from bosco_connectors.sources.google_ads import connector
from bosco_connectors.sources.google_ads.client import ERRORS, google_ads_error
from bosco_connectors.sources.google_ads.gaql import F, build_query, flatten
from bosco_connectors.sources.google_ads.streams import (
    METRICS,
    GaqlStream,
    build_streams,
)

from .conftest import HAVE_SDK, NO_SDK

GOOD = {
    "developer_token": "dev-token-123456",
    "client_id": "client.apps.googleusercontent.com",
    "client_secret": "client-secret-123456",
    "refresh_token": "refresh-token-123456",
    "login_customer_id": "123-456-7890",
}


# -- config ---------------------------------------------------------------------------------


def test_customer_ids_are_normalised():
    config = connector.validate({**GOOD, "customer_ids": "111-222-3333, 4445556666,111-222-3333"})
    assert config.login_customer_id == "1234567890"
    assert config.customer_ids == ["1112223333", "4445556666"]
    assert config.transport == "rest" and config.window_days == 90


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"login_customer_id": None}, ["customer_ids", "login_customer_id"]),
        ({"customer_ids": ["12a-456"]}, ["customer_ids"]),
        ({"login_customer_id": "mcc"}, ["login_customer_id"]),
        ({"transport": "soap"}, ["transport"]),
        ({"window_days": 0}, ["window_days"]),
        ({"end_date": "2020-01-01", "start_date": "2021-01-01"}, ["end_date"]),
    ],
)
def test_bad_config_names_the_field_and_hides_secrets(change, names):
    config = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    with pytest.raises(ConfigError) as info:
        connector.validate(config)
    assert all(name in str(info.value) for name in names), str(info.value)
    assert "secret-123456" not in str(info.value) and "token-123456" not in str(info.value)


def test_window_days_shapes_the_report_windows():
    config = connector.validate({**GOOD, "window_days": 30})
    stream = next(s for s in connector.active_streams(config) if s.name == "ad_daily")
    windows = stream.windows(date(2026, 1, 1), date(2026, 3, 31))
    assert [(w.start, w.end) for w in windows] == [
        (date(2026, 1, 1), date(2026, 1, 30)), (date(2026, 1, 31), date(2026, 3, 1)), (date(2026, 3, 2), date(2026, 3, 31))
    ]


# -- GAQL and rows ------------------------------------------------------------------------------


def test_query_text():
    fields = (F("customer.id"), F("campaign.id"), *METRICS[:2])
    assert build_query("campaign", fields, ["campaign.status != 'REMOVED'"], date(2026, 1, 1), date(2026, 1, 31)) == (
        "SELECT customer.id, campaign.id, segments.date, metrics.cost_micros FROM campaign "
        "WHERE campaign.status != 'REMOVED' AND segments.date BETWEEN '2026-01-01' AND '2026-01-31'"
    )


def test_a_rest_row_is_flattened_from_camel_case_with_int64_strings():
    row = {  # GoogleAdsRow in the REST JSON mapping
        "customer": {"id": "1234567890", "currencyCode": "EUR"},
        "campaign": {"id": "987654321", "name": "Brand"},
        "adGroupAd": {"ad": {"id": "42", "finalUrls": ["https://a.example"]}},
        "metrics": {"costMicros": "1230000", "impressions": "100", "conversions": 2.5},
        "segments": {"date": "2026-11-20"},
    }
    fields = (F("customer.id"), F("customer.currency_code", "currency_code"), F("campaign.id"), F("campaign.name"),
              F("ad_group_ad.ad.id", "ad_id"), F("ad_group_ad.ad.final_urls", "final_urls", list), *METRICS)
    assert flatten(row, fields) == {
        "customer_id": "1234567890", "currency_code": "EUR", "campaign_id": "987654321", "campaign_name": "Brand",
        "ad_id": "42", "final_urls": '["https://a.example"]', "date": date(2026, 11, 20),
        "cost_micros": 1230000, "cost": Decimal("1.23"), "impressions": 100,
        "clicks": 0, "conversions": 2.5, "conversions_value": 0.0,  # absent metrics are zero
    }


def test_search_terms_without_a_matched_keyword_keep_a_usable_key():
    stream = next(s for s in build_streams() if s.name == "search_terms")
    assert isinstance(stream, GaqlStream)
    row = {"customer": {"id": "1"}, "campaign": {"id": "2"}, "adGroup": {"id": "3"}, "searchTermView": {"searchTerm": "x"},
           "segments": {"date": "2026-11-20"}, "metrics": {"costMicros": "5"}}
    record = stream.shape_row(row)
    assert record["keyword_text"] == "" and record["keyword_match_type"] == "" and record["cost"] == Decimal("0.000005")


def test_every_selected_field_is_one_the_fake_knows_for_its_resource():
    for stream in build_streams():
        prefixes, metrics_ok = RESOURCES[stream.resource]
        for field in stream.fields:
            assert field.path in FIELDS, f"{stream.name}: {field.path}"
            assert (metrics_ok if field.is_metric else any(field.path.startswith(p) for p in prefixes)), f"{stream.name}: {field.path}"


@pytest.mark.skipif(not HAVE_SDK, reason=NO_SDK)
def test_every_gaql_field_exists_in_the_v26_protos():
    """Walk each selected field through the SDK's GoogleAdsRow message types."""
    from google.ads.googleads.v26.services.types.google_ads_service import GoogleAdsRow

    def walk(message_type, parts):
        fields = message_type.meta.fields
        name = parts[0] if parts[0] in fields else parts[0] + "_"  # proto-plus renames 'type' to 'type_'
        assert name in fields, f"{parts[0]} not in {message_type.__name__}"
        if len(parts) > 1:
            walk(fields[name].message, parts[1:])

    paths = {f.path for s in build_streams() for f in s.fields} | set(FIELDS)
    for path in sorted(paths):
        walk(GoogleAdsRow, path.split("."))


# -- Google's errors ------------------------------------------------------------------------------


def _response(status: int, body) -> tuple[httpx.Response, object]:
    import orjson

    return httpx.Response(status, content=orjson.dumps(body), request=httpx.Request("POST", "https://googleads.googleapis.com/v26/x")), body


def test_the_documented_error_example_renders_with_its_location():
    # https://developers.google.com/google-ads/api/docs/get-started/handle-errors (REST wraps it in "error").
    body = {"error": {"code": 400, "message": "Request contains an invalid argument.", "status": "INVALID_ARGUMENT", "details": [{
        "@type": "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
        "errors": [{"errorCode": {"requestError": "REQUIRED_FIELD_MISSING"}, "message": "Required field is missing",
                    "location": {"fieldPathElements": [{"fieldName": "ad_group", "index": 0}, {"fieldName": "name"}]}}],
        "requestId": "unique_request_id_12345"}]}}
    error = ERRORS.for_status(*_response(400, body))
    assert type(error) is ApiError
    assert str(error) == (
        "REQUEST_ERROR.REQUIRED_FIELD_MISSING: Required field is missing (at ad_group[0].name) "
        "(HTTP 400, INVALID_ARGUMENT, request-id unique_request_id_12345)"
    )


def test_an_auth_failure_in_a_search_stream_array_is_an_auth_error():
    body = [{"error": {"code": 401, "message": "Request is missing required authentication credential.", "status": "UNAUTHENTICATED",
                       "details": [{"@type": "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
                                    "errors": [{"errorCode": {"authenticationError": "NOT_ADS_USER"},
                                                "message": "The Google account that generated the OAuth access tokens is not associated with any Ads accounts."}],
                                    "requestId": "Z4Q_KggHsDHwTzYYp-_H2A"}]}}]
    error = ERRORS.for_status(*_response(401, body))
    assert isinstance(error, AuthError) and error.vendor_code == "AUTHENTICATION_ERROR.NOT_ADS_USER"
    assert str(error).startswith("AUTHENTICATION_ERROR.NOT_ADS_USER: The Google account")


def test_an_error_after_the_stream_started_is_found_in_a_200_array():
    body = [{"results": [{"campaign": {"id": "1"}}]}, {"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}]
    error = ERRORS.for_status(*_response(200, body))
    assert isinstance(error, RetryableApiError) and error.status == 503
    assert ERRORS.for_status(*_response(200, [{"results": []}])) is None


@pytest.mark.parametrize(
    ("details", "delay"),
    [
        ({"details": {"quotaErrorDetails": {"rateScope": "ACCOUNT", "rateName": "Requests per account", "retryDelay": "30s"}}}, 30.0),
        ({}, None),
    ],
)
def test_quota_errors_are_retryable_with_googles_delay(details, delay):
    failure = {"errors": [{"errorCode": {"quotaError": "RESOURCE_EXHAUSTED"}, "message": "Too many requests.", **details}]}
    error = google_ads_error(http_status=429, status="RESOURCE_EXHAUSTED", message="Resource has been exhausted", failure=failure)
    assert isinstance(error, RetryableApiError) and error.retry_after == delay
    assert str(error).startswith("QUOTA_ERROR.RESOURCE_EXHAUSTED: Too many requests.")


def test_a_retry_info_detail_also_sets_the_delay():
    body = {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED",
                      "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "12.5s"}]}}
    error = ERRORS.for_status(*_response(429, body))
    assert isinstance(error, RetryableApiError) and error.retry_after == 12.5
    assert str(error) == "Quota exceeded (HTTP 429, RESOURCE_EXHAUSTED)"


def test_a_missing_developer_token_is_a_credential_problem():
    failure = {"errors": [{"errorCode": {"requestError": "DEVELOPER_TOKEN_PARAMETER_MISSING"}, "message": "developer-token parameter is missing."}]}
    assert isinstance(google_ads_error(http_status=400, status="INVALID_ARGUMENT", message="", failure=failure), AuthError)


# -- the optional SDK -------------------------------------------------------------------------


def test_the_rest_transport_never_imports_the_sdk():
    code = (
        "import sys\n"
        "from bosco_connectors.sources.google_ads import connector\n"
        "c = connector.client(connector.validate(%r))\n"
        "assert not [m for m in sys.modules if m.startswith(('google.ads', 'grpc'))], 'SDK imported'\n"
    ) % (GOOD,)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_grpc_without_the_sdk_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.ads.googleads.client", None)  # import fails as if absent
    with pytest.raises(ConfigError, match=r"pip install 'bosco-connectors\[google-ads\]'"):
        connector.client(connector.validate({**GOOD, "transport": "grpc"}))


@pytest.mark.skipif(not HAVE_SDK, reason=NO_SDK)
def test_a_real_endpoint_goes_through_the_sdks_public_client():
    from google.ads.googleads.v26.services.services.google_ads_service import (
        GoogleAdsServiceClient,
    )

    client = connector.client(connector.validate({**GOOD, "transport": "grpc"}))
    try:
        assert client.endpoint == "googleads.googleapis.com"
        assert isinstance(client._service, GoogleAdsServiceClient)  # no connection is made until a call
    finally:
        client.close()


# -- the metrics other connectors read, and extra_metrics (issue 12) --------------------------------


def test_documented_report_metrics_load_exactly():
    """A campaign row in the REST JSON mapping (int64 as strings, doubles as numbers): the values as sent;
    a share Google leaves out is unknown (NULL), a counter it leaves out is 0."""
    from bosco_connectors.sources.google_ads.streams import SEARCH_IMPRESSION_SHARE, UNIFIED_METRICS

    fields = (F("segments.date", kind=date), *UNIFIED_METRICS, SEARCH_IMPRESSION_SHARE)
    row = {"segments": {"date": "2026-11-20"}, "metrics": {
        "viewThroughConversions": "7", "allConversions": 12.5, "allConversionsValue": 1234.56,
        "interactions": "321", "videoTrueviewViews": "45", "searchImpressionShare": 0.0999}}
    assert flatten(row, fields) == {"date": date(2026, 11, 20), "view_through_conversions": 7, "all_conversions": 12.5,
                                    "all_conversions_value": 1234.56, "interactions": 321, "video_trueview_views": 45,
                                    "search_impression_share": 0.0999}
    empty = flatten({"segments": {"date": "2026-11-20"}}, fields)
    assert empty["search_impression_share"] is None and empty["view_through_conversions"] == 0 and empty["video_trueview_views"] == 0


def test_report_streams_select_the_metrics_and_map_them_into_the_unified_facts():
    streams = {s.name: s for s in build_streams()}
    for name in ("campaign_daily", "ad_group_daily", "ad_daily"):
        query = build_query(streams[name].resource, streams[name].fields)
        for metric in ("view_through_conversions", "all_conversions", "all_conversions_value", "interactions", "video_trueview_views"):
            assert f"metrics.{metric}" in query, (name, metric)
        assert streams[name].unified.view_through_conversions == "view_through_conversions"
        assert streams[name].unified.video_views == "video_trueview_views"
    assert "metrics.search_impression_share" in build_query("campaign", streams["campaign_daily"].fields)


def _config(**extra):
    return {"client_id": "c", "client_secret": "s", "refresh_token": "r", "customer_ids": ["1234567890"], **extra}


def test_extra_metrics_are_checked_against_the_v26_metrics_and_read_by_every_daily_report():
    from bosco_connectors.sources.google_ads.config import GoogleAdsConfig
    from bosco_connectors.sources.google_ads.streams import streams_for

    config = GoogleAdsConfig(**_config(extra_metrics=["metrics.engagements", "average_cpc", "clicks", "engagements"]))
    assert config.extra_metrics == ["engagements", "average_cpc"]  # prefix dropped, duplicates and metrics read anyway left out
    for stream in streams_for(config):
        if stream.name in ("campaign_daily", "ad_group_daily", "ad_daily", "keyword_daily", "search_terms"):
            assert {"metrics.engagements", "metrics.average_cpc"} <= {f.path for f in stream.fields}, stream.name
            fields = stream.contract.model_fields
            assert fields["engagements"].annotation == (int | None) and fields["average_cpc"].annotation == (float | None)
        elif stream.name == "campaigns":
            assert "metrics.engagements" not in {f.path for f in stream.fields}
    with pytest.raises(ValueError, match="not in Google Ads v26 Metrics's published field list: video_views"):
        GoogleAdsConfig(**_config(extra_metrics=["video_views"]))  # renamed video_trueview_views in v21


def test_extra_double_metrics_absent_from_a_row_are_null_not_zero():
    from bosco_connectors.sources.google_ads.streams import extra_metric_fields

    fields = extra_metric_fields(["average_cpc", "engagements", "historical_creative_quality_score"])
    assert [f.kind.__name__ for f in fields] == ["Share", "int", "str"]
    assert flatten({"metrics": {}}, fields) == {"average_cpc": None, "engagements": 0, "historical_creative_quality_score": None}


@pytest.mark.skipif(not HAVE_SDK, reason=NO_SDK)
def test_the_shipped_v26_metric_list_is_the_protos():
    from google.ads.googleads.v26.common.types.metrics import Metrics

    from bosco_connectors.sources.google_ads import metrics_v26

    scalar = {n for n, f in Metrics.meta.fields.items() if not f.repeated and f.message is None}
    assert metrics_v26.ALL == scalar
    assert metrics_v26.INT64 == {n for n in scalar if Metrics.meta.fields[n].proto_type.name == "INT64"}
    assert metrics_v26.DOUBLE == {n for n in scalar if Metrics.meta.fields[n].proto_type.name == "DOUBLE"}
