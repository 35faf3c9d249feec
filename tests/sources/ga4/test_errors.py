"""Google's documented error bodies (cassettes/ga4/bodies/error.*.json) become clear errors.

The canonical ``status`` decides, whatever the HTTP status: RESOURCE_EXHAUSTED and
UNAVAILABLE are retried, UNAUTHENTICATED and PERMISSION_DENIED are auth errors with the
hint to give the credential Viewer access, INVALID_ARGUMENT fails with Google's words. A
body passed on with HTTP 200 is an error all the same.
"""

from __future__ import annotations

import json

import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.sources.ga4 import connector, source
from bosco_connectors.testing.replay import Fixtures, fixture_folder

from .conftest import exception_chain, make_pipeline, serve

FIXTURES = Fixtures.load(fixture_folder("ga4"))
VIEWER_HINT = "Viewer access to the GA4 property"


def documented(kind: str) -> tuple[int, dict]:
    exchange = FIXTURES.error(kind)
    return int(exchange.response["status"]), FIXTURES.body(exchange)


@pytest.mark.parametrize("kind, error_type, hint", [
    ("rate_limit", RetryableApiError, False),
    ("auth_error", AuthError, True),
    ("permission_denied", AuthError, True),
    ("invalid_argument", ApiError, False),
])
@pytest.mark.parametrize("as_200", [False, True], ids=["documented status", "status 200"])
def test_each_documented_body_maps_to_its_error(kind, error_type, hint, as_200):
    status, body = documented(kind)
    sent = 200 if as_200 else status
    error = connector.api.errors.policy().for_status(httpx.Response(sent, json=body), body)
    assert type(error) is error_type
    line = str(error)
    assert f"Google code {body['error']['status']}: {body['error']['message']}" in line
    assert line.startswith(f"HTTP {status}, ") != as_200
    assert (VIEWER_HINT in line) == hint


def test_an_answer_without_googles_envelope_is_data_and_a_bare_gateway_error_is_retried():
    policy = connector.api.errors.policy()
    assert policy.for_status(httpx.Response(200, json={"rowCount": 1}), {"rowCount": 1}) is None
    assert type(policy.for_status(httpx.Response(502, text="<html>Bad Gateway</html>"), None)) is RetryableApiError


def test_a_property_the_credential_cannot_read_fails_once_with_the_hint(tmp_path, fast_client):
    app, api = serve()
    _, body = documented("permission_denied")
    with api, pytest.raises(Exception) as info:
        app.inject("permission_denied", times=5)
        make_pipeline(tmp_path).run(source(**app.source_config(api.url("ga4")), streams=["traffic_daily"]))
    (error,) = [e for e in exception_chain(info.value) if isinstance(e, AuthError)]
    assert body["error"]["message"] in str(error) and VIEWER_HINT in str(error)
    assert [r.status for r in api.requests_to(":runReport")] == [403], "auth errors are not retried"


def test_an_invalid_argument_names_the_report_and_is_not_retried(tmp_path, fast_client):
    app, api = serve()
    report = {"name": "plans", "dimensions": ["deviceCategory"], "metrics": ["sessions"]}
    with api, pytest.raises(Exception) as info:
        app.inject("invalid_argument", times=5)
        make_pipeline(tmp_path).run(source(**app.source_config(api.url("ga4")), reports=[report], streams=["plans"]))
    (error,) = [e for e in exception_chain(info.value) if type(e) is ApiError]
    assert str(error).startswith("ga4/plans: HTTP 400, Google code INVALID_ARGUMENT: Field customEvent:plan_type is not a valid dimension")
    assert len(api.requests_to(":runReport")) == 1


def test_the_documented_bodies_are_googles_error_model():
    for kind in ("rate_limit", "auth_error", "permission_denied", "invalid_argument"):
        status, body = documented(kind)
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "status"}, kind
        assert body["error"]["code"] == status, kind
    assert documented("permission_denied")[1] == json.loads(json.dumps(connector.error_example))
