"""Config validation: one credential, a numeric property id, well-formed reports, before any request."""

from __future__ import annotations

import json

import pytest

from bosco_connectors.framework import ConfigError, ReadContext
from bosco_connectors.sources.ga4 import connector
from bosco_connectors.sources.ga4.config import ReportDefinition
from bosco_connectors.sources.ga4.contracts import report_contract

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-not-a-real-key\n-----END PRIVATE KEY-----\n"
KEY = json.dumps({"type": "service_account", "client_email": "x@y.iam.gserviceaccount.com", "private_key": PEM})
OAUTH = {"client_id": "cid.apps.googleusercontent.com", "client_secret": "GOCSPX-config-test-secret", "refresh_token": "1//config-test-refresh"}


def _config(**extra):
    return {"property_id": "123456789", **OAUTH, **extra}


def _error(config) -> str:
    with pytest.raises(ConfigError) as info:
        connector.validate(config)
    return str(info.value)


def test_refresh_token_config_is_valid_and_properties_prefix_is_accepted():
    config = connector.validate(_config(property_id="properties/123456789"))
    assert config.property_id == "123456789" and config.service_account_key is None
    assert connector.validate({"property_id": 987654321, "service_account_key": KEY}).property_id == "987654321"


def test_both_auth_methods_are_refused():
    message = _error(_config(service_account_key=KEY))
    assert "give one credential: service_account_key or client_id/client_secret/refresh_token, not several" in message
    assert "GOCSPX-config-test-secret" not in message and "PRIVATE KEY" not in message


def test_neither_auth_method_is_refused():
    message = _error({"property_id": "123456789"})
    assert "no credential" in message and "refresh_token" in message and "service_account_key" in message


def test_partial_refresh_token_credentials_name_what_is_missing():
    message = _error({"property_id": "123456789", "client_id": "cid", "refresh_token": "1//x-refresh"})
    assert "missing client_secret" in message


@pytest.mark.parametrize(
    ("value", "hint"),
    [("G-ABC123XYZ", "measurement"), ("UA-1234-1", "measurement"), ("abc", "numeric"), ("12 34", "numeric"), ("", "numeric")],
)
def test_bad_property_ids_are_refused_with_a_hint(value, hint):
    message = _error(_config(property_id=value))
    assert "property_id" in message and hint in message


@pytest.mark.parametrize(
    "key",
    [
        "{not json",
        json.dumps({"type": "authorized_user", "client_email": "x", "private_key": PEM}),
        json.dumps({"type": "service_account", "private_key": PEM}),
        json.dumps({"type": "service_account", "client_email": "x", "private_key": "secret-material-not-pem"}),
        "/no/such/key/file.json",
    ],
)
def test_malformed_service_account_keys_are_refused_without_echoing_them(key):
    message = _error({"property_id": "1", "service_account_key": key})
    assert "service_account_key" in message
    assert "secret-material-not-pem" not in message and "PRIVATE KEY" not in message


def test_user_reports_get_date_first_and_snake_case_columns():
    config = connector.validate(_config(reports=[{"name": "plans", "dimensions": ["customEvent:plan_type"], "metrics": ["keyEvents:purchase", "sessions"]}]))
    (report,) = config.reports
    assert report.dimensions == ["date", "customEvent:plan_type"]
    names = [s.name for s in connector.active_streams(config)]
    assert names == ["traffic_daily", "landing_pages_daily", "plans"]
    plans = connector.active_streams(config)[-1]
    assert plans.primary_key == ("property_id", "date", "custom_event_plan_type")
    fields = report_contract(report).model_fields
    assert fields["key_events_purchase"].annotation == (float | None)
    assert fields["sessions"].annotation == (int | None)
    assert plans.request_path(ReadContext(None, config, None, None)) == "properties/123456789:runReport"


def test_reports_may_come_as_json_text_or_a_table():
    as_text = connector.validate(_config(reports=json.dumps([{"name": "a", "metrics": "sessions,totalUsers"}])))
    assert as_text.reports[0].metrics == ["sessions", "totalUsers"]
    as_table = connector.validate(_config(reports={"by_device": {"dimensions": ["deviceCategory"], "metrics": ["sessions"]}}))
    assert as_table.reports[0].name == "by_device"


@pytest.mark.parametrize(
    ("report", "fragment"),
    [
        ({"name": "r", "dimensions": ["session source"], "metrics": ["sessions"]}, "not GA4 API names"),
        ({"name": "r", "dimensions": ["ga:source"], "metrics": ["sessions"]}, "not GA4 API names"),
        ({"name": "r", "dimensions": ["date"], "metrics": ["1sessions"]}, "not GA4 API names"),
        ({"name": "r", "dimensions": ["customEvent:"], "metrics": ["sessions"]}, "not GA4 API names"),
        ({"name": "r", "dimensions": [], "metrics": []}, "metrics"),
        ({"name": "Bad-Name", "metrics": ["sessions"]}, "lowercase"),
        ({"name": "traffic_daily", "metrics": ["sessions"]}, "built-in"),
        ({"name": "r", "dimensions": [f"customEvent:p{i}" for i in range(9)], "metrics": ["sessions"]}, "at most 9 dimensions"),
        ({"name": "r", "metrics": [f"customEvent:m{i}" for i in range(11)]}, "at most 10 metrics"),
        ({"name": "r", "dimensions": ["sessions"], "metrics": ["sessions"]}, "both a dimension and a metric"),
        ({"name": "r", "dimensions": ["deviceCategory", "deviceCategory"], "metrics": ["sessions"]}, "repeat"),
        ({"name": "r", "metrics": ["sessions"], "filters": "x"}, "Extra inputs"),
    ],
)
def test_malformed_reports_are_refused(report, fragment):
    message = _error(_config(reports=[report]))
    assert "reports" in message and fragment in message


def test_duplicate_report_names_are_refused():
    report = {"name": "again", "metrics": ["sessions"]}
    assert "unique" in _error(_config(reports=[report, report]))


def test_column_clashes_are_refused():
    with pytest.raises(ValueError, match="same or a reserved column"):
        ReportDefinition(name="r", dimensions=["customEvent:a_b", "customEvent:aB"], metrics=["sessions"])


def test_page_size_is_capped_at_the_api_maximum():
    assert "page_size" in _error(_config(page_size=250_001))
    assert connector.validate(_config(page_size=250_000)).page_size == 250_000


def test_extra_metrics_are_checked_against_the_api_schema_metric_names():
    """Issue 12: standard metrics and the documented per-property forms pass; others fail in one line, before any request."""
    config = connector.validate(_config(extra_metrics="averageSessionDuration, customEvent:plan_value, sessions"))
    assert config.extra_metrics == ["averageSessionDuration", "customEvent:plan_value"]  # sessions is read anyway
    traffic = next(s for s in connector.active_streams(config) if s.name == "traffic_daily")
    assert traffic.metrics[-2:] == ("averageSessionDuration", "customEvent:plan_value")
    assert traffic.contract.model_fields["custom_event_plan_value"].annotation == (float | None)
    message = _error(_config(extra_metrics=["bounceRatio"]))
    assert "not in the GA4 Data API schema's metrics: bounceRatio" in message and len(message.splitlines()) == 1
    assert "at most 2 extra metrics" in _error(_config(extra_metrics=["bounceRate", "eventCount", "screenPageViews"]))
    assert "not in the GA4 Data API schema's metrics: ga:sessions" in _error(_config(extra_metrics=["ga:sessions"]))
