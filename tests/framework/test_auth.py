"""Auth strategies: where each puts the credential, and the OAuth2 refresh-token flow.

The refresh flow follows RFC 6749 section 6: a form POST with ``grant_type=refresh_token``
and the ``refresh_token`` (client credentials in the body, section 2.3.1); the access token
is cached until shortly before ``expires_in``; a 401 triggers exactly one refresh.
"""

from __future__ import annotations

import base64
from types import SimpleNamespace
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from bosco_connectors.framework import (
    ApiClient,
    AuthError,
    OAuth2RefreshToken,
    QueryParamAuth,
    RetryPolicy,
    api_key_header,
    basic,
    bearer,
)
from bosco_connectors.framework import auth as auth_module
from bosco_connectors.framework.redaction import redact

from .conftest import FakeClock

TOKEN_URL = "https://auth.acme.test/oauth2/token"


def sent(auth: httpx.Auth, url: str = "https://api.acme.test/v1/items?page=2") -> httpx.Request:
    """The request as it reaches the transport with `auth` applied."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        client.get(url)
    return seen[0]


def test_bearer_header() -> None:
    request = sent(bearer(SecretStr("bear-tok-001")))
    assert request.headers["Authorization"] == "Bearer bear-tok-001"
    assert request.url.params.get("page") == "2"
    assert redact("bear-tok-001 leaked") == "***REDACTED*** leaked"  # registered for redaction


def test_vendor_header() -> None:
    request = sent(api_key_header("tt-access-002", "Access-Token"))
    assert request.headers["Access-Token"] == "tt-access-002"
    assert "Authorization" not in request.headers


def test_query_param_keeps_the_other_params() -> None:
    request = sent(QueryParamAuth(SecretStr("qp-key-003"), "api_key"))
    assert dict(request.url.params) == {"page": "2", "api_key": "qp-key-003"}
    assert "Authorization" not in request.headers


def test_basic_auth() -> None:
    request = sent(basic("shop-user", SecretStr("basic-pass-004")))
    expected = "Basic " + base64.b64encode(b"shop-user:basic-pass-004").decode()
    assert request.headers["Authorization"] == expected
    assert redact("pw basic-pass-004") == "pw ***REDACTED***"


# -- OAuth2 refresh token --------------------------------------------------------------


class TokenEndpoint:
    """A fake token endpoint minting access-1, access-2, ... or answering a scripted error."""

    def __init__(self, expires_in: int = 3600, error: httpx.Response | None = None) -> None:
        self.expires_in = expires_in
        self.error = error
        self.forms: list[dict[str, list[str]]] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.forms.append(parse_qs(request.content.decode()))
        if self.error is not None:
            return self.error
        return httpx.Response(200, json={"access_token": f"access-{len(self.forms)}", "token_type": "Bearer", "expires_in": self.expires_in})


def oauth(endpoint: TokenEndpoint, **kwargs: object) -> OAuth2RefreshToken:
    return OAuth2RefreshToken(
        TOKEN_URL,
        "client-id-1",
        SecretStr("client-secret-xyz"),
        SecretStr("refresh-secret-abc"),
        transport=httpx.MockTransport(endpoint),
        **kwargs,  # type: ignore[arg-type]
    )


def test_refresh_request_is_a_form_post_per_rfc6749() -> None:
    endpoint = TokenEndpoint()
    request = sent(oauth(endpoint, scope="ads.read"))

    assert request.headers["Authorization"] == "Bearer access-1"
    token_request = endpoint.requests[0]
    assert token_request.method == "POST"
    assert str(token_request.url) == TOKEN_URL
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert endpoint.forms == [
        {
            "grant_type": ["refresh_token"],
            "refresh_token": ["refresh-secret-abc"],
            "client_id": ["client-id-1"],
            "client_secret": ["client-secret-xyz"],
            "scope": ["ads.read"],
        }
    ]


def test_access_token_is_cached_until_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(start=0.0)
    monkeypatch.setattr(auth_module, "time", SimpleNamespace(monotonic=clock))
    endpoint = TokenEndpoint(expires_in=3600)
    flow = oauth(endpoint)

    assert [flow.access_token() for _ in range(3)] == ["access-1"] * 3
    clock.now = 3500.0  # still more than the 60 s safety margin before expiry
    assert flow.access_token() == "access-1"
    clock.now = 3541.0  # inside the margin: refresh ahead of the vendor's expiry
    assert flow.access_token() == "access-2"
    assert len(endpoint.forms) == 2


def test_one_refresh_on_401_then_the_request_is_replayed() -> None:
    endpoint = TokenEndpoint()
    flow = oauth(endpoint)
    flow.access_token()  # access-1 is cached, then revoked by the vendor
    api_calls: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        api_calls.append(request.headers["Authorization"])
        if request.headers["Authorization"] != "Bearer access-2":
            return httpx.Response(401, json={"error": {"message": "token expired"}})
        return httpx.Response(200, json={"data": ["ok"]})

    client = ApiClient("acme", "https://api.acme.test", auth=flow, transport=httpx.MockTransport(api))
    _, body = client.get("items")

    assert body == {"data": ["ok"]}
    assert api_calls == ["Bearer access-1", "Bearer access-2"]
    assert len(endpoint.forms) == 2


def test_a_second_401_is_an_auth_error_without_more_refreshes() -> None:
    endpoint = TokenEndpoint()
    api_calls: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        api_calls.append(request.headers["Authorization"])
        return httpx.Response(401, json={"error": {"message": "app not authorized"}})

    client = ApiClient("acme", "https://api.acme.test", auth=oauth(endpoint), transport=httpx.MockTransport(api))
    with pytest.raises(AuthError) as info:
        client.get("items", stream="items")

    assert api_calls == ["Bearer access-1", "Bearer access-2"]
    assert len(endpoint.forms) == 2
    assert "HTTP 401: app not authorized" in str(info.value)


def test_invalid_grant_is_an_auth_error_without_secrets() -> None:
    endpoint = TokenEndpoint(
        error=httpx.Response(400, json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    )
    clock = FakeClock()
    client = ApiClient(
        "acme", "https://api.acme.test", auth=oauth(endpoint), retry=RetryPolicy(max_attempts=3),
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json={})), sleep=clock.sleep,
    )

    with pytest.raises(AuthError) as info:
        client.get("items", stream="items")

    text = str(info.value)
    assert text == "acme/items: refresh-token exchange failed (400): Token has been expired or revoked."
    assert info.value.status == 400
    assert len(endpoint.forms) == 1  # an invalid grant is not retried
    assert clock.sleeps == []


def test_token_endpoint_error_that_echoes_the_refresh_token_is_redacted() -> None:
    endpoint = TokenEndpoint(
        error=httpx.Response(400, json={"error": "invalid_grant", "error_description": "unknown refresh token refresh-secret-abc"})
    )
    with pytest.raises(AuthError) as info:
        oauth(endpoint).access_token()

    assert "refresh-secret-abc" not in str(info.value)
    assert "client-secret-xyz" not in str(info.value)
    assert "unknown refresh token ***REDACTED***" in str(info.value)


def test_token_endpoint_with_a_non_json_error_page() -> None:
    endpoint = TokenEndpoint(error=httpx.Response(503, content=b"<html>down</html>"))
    with pytest.raises(AuthError, match=r"refresh-token exchange failed \(503\): Service Unavailable"):
        oauth(endpoint).access_token()


def test_token_response_without_access_token_is_a_clear_auth_error() -> None:
    endpoint = TokenEndpoint(error=httpx.Response(200, json={"error": "invalid_client"}))
    with pytest.raises(AuthError, match="token endpoint answered without an access_token: invalid_client"):
        oauth(endpoint).access_token()


def test_unreachable_token_endpoint() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    flow = OAuth2RefreshToken(TOKEN_URL, "c", "client-secret-xyz", "refresh-secret-abc", transport=httpx.MockTransport(down))
    with pytest.raises(AuthError, match="token endpoint unreachable: ConnectError"):
        flow.access_token()


def test_client_credentials_use_the_configured_token_url() -> None:
    """A sandbox or test server's token endpoint is reachable by config, as for refresh tokens:
    without it a client-credentials source always called the vendor's host."""
    credential = auth_module.ClientCredentials(TOKEN_URL)
    config = SimpleNamespace(client_id="cid", client_secret=SecretStr("s3cret"), token_url="http://127.0.0.1:9/token")
    assert credential.build(config).token_url == "http://127.0.0.1:9/token"
    assert credential.build(SimpleNamespace(client_id="cid", client_secret="s3cret")).token_url == TOKEN_URL


def test_refresh_token_sends_the_headers_its_config_gives_the_token_endpoint() -> None:
    """Reddit limits default User-Agents, on its token endpoint as on its API: the app's own one
    goes with the grant (a plain httpx client would send ``python-httpx/...``)."""
    endpoint = TokenEndpoint()
    credential = auth_module.RefreshToken(TOKEN_URL, client_auth="basic",
                                          token_headers=lambda config: {"User-Agent": config.user_agent})
    config = SimpleNamespace(client_id="client-id-1", client_secret=SecretStr("client-secret-xyz"),
                             refresh_token=SecretStr("refresh-secret-abc"), token_url=None, user_agent="web:acme-sync:1.0 (by /u/acme)")
    flow = credential.build(config)
    flow._transport = httpx.MockTransport(endpoint)
    sent(flow)
    token_request = endpoint.requests[0]
    assert token_request.headers["User-Agent"] == "web:acme-sync:1.0 (by /u/acme)"
    assert token_request.headers["Authorization"] == "Basic " + base64.b64encode(b"client-id-1:client-secret-xyz").decode()
    assert endpoint.forms == [{"grant_type": ["refresh_token"], "refresh_token": ["refresh-secret-abc"]}]


def test_client_credentials_put_the_token_in_the_vendors_header_and_send_token_headers() -> None:
    """Walmart wants the access token in ``WM_SEC.ACCESS_TOKEN`` (no ``Bearer``) and its service
    headers on the token request too: before, every grant wrote ``Authorization: Bearer``."""
    endpoint = TokenEndpoint()
    credential = auth_module.ClientCredentials(TOKEN_URL, client_auth="basic", header="WM_SEC.ACCESS_TOKEN", prefix="",
                                               token_headers={"WM_SVC.NAME": "Walmart Marketplace", "Accept": "application/json"})
    flow = credential.build(SimpleNamespace(client_id="cid", client_secret=SecretStr("s3cret"), token_url=None))
    flow._transport = httpx.MockTransport(endpoint)
    request = sent(flow)
    assert request.headers["WM_SEC.ACCESS_TOKEN"] == "access-1"
    assert "Authorization" not in request.headers
    assert endpoint.requests[0].headers["WM_SVC.NAME"] == "Walmart Marketplace"
    assert endpoint.forms == [{"grant_type": ["client_credentials"]}]


def test_a_refresh_token_grant_may_name_its_header_too() -> None:
    """Amazon's Selling Partner API: the LWA access token goes in ``x-amz-access-token``."""
    endpoint = TokenEndpoint()
    credential = auth_module.RefreshToken(TOKEN_URL, header="x-amz-access-token", prefix="")
    flow = credential.build(SimpleNamespace(client_id="cid", client_secret=SecretStr("s3cret"),
                                            refresh_token=SecretStr("Atzr|abc"), token_url=None))
    flow._transport = httpx.MockTransport(endpoint)
    request = sent(flow)
    assert request.headers["x-amz-access-token"] == "access-1" and "Authorization" not in request.headers


def test_basic_with_a_fixed_user_name_sends_the_key_as_the_password() -> None:
    from bosco_connectors.framework.auth import Basic

    class Config:
        api_key = SecretStr("mc-key-005-us21")

    credential = Basic("anystring", "api_key", fixed_username=True)
    request = sent(credential.build(Config()))
    assert credential.fields == ("api_key",)
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"anystring:mc-key-005-us21").decode()



def test_basic_with_the_key_as_user_name_sends_an_empty_password() -> None:
    """Chargebee: ``-u {site_api_key}:``: the key is the user name, the password is empty."""
    from bosco_connectors.framework.auth import Basic

    class Config:
        api_key = SecretStr("cb-test-key-1")

    credential = Basic("api_key", None)
    request = sent(credential.build(Config()))
    assert credential.fields == ("api_key",) and credential.parts == ("api_key", None)
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"cb-test-key-1:").decode()
    assert credential.problem(Config()) is None and credential.problem(object()) == "missing api_key"
    with pytest.raises(ValueError):
        Basic("anystring", None, fixed_username=True)

# -- a client secret the client signs (Apple Ads) --------------------------------------------


def test_a_signed_client_secret_is_a_fresh_jwt_per_exchange_and_redacted() -> None:
    import jwt

    from bosco_connectors.framework.auth import SignedClientSecret, throwaway_private_key

    credential = SignedClientSecret("https://token.test/t", audience="https://aud.test", extra="x", scope="s")
    config = SimpleNamespace(client_id="cid", team_id="team", key_id="kid-1", private_key=SecretStr(throwaway_private_key()), token_url=None)
    assert credential.problem(config) is None
    flow = credential.build(config)
    clock = iter([1000.0, 2000.0])
    flow._clock = lambda: next(clock)
    first, second = flow.grant_form(), flow.grant_form()
    assert first["client_secret"] != second["client_secret"]
    claims = jwt.decode(first["client_secret"], options={"verify_signature": False})
    assert claims == {"iss": "team", "sub": "cid", "aud": "https://aud.test", "iat": 1000, "exp": 4600}
    assert (first["grant_type"], first["client_id"], first["scope"]) == ("client_credentials", "cid", "s")
    assert redact(f"secret={second['client_secret']}") != f"secret={second['client_secret']}"


@pytest.mark.parametrize(("key", "problem"), [
    ("nope", "private_key is not a PEM private key"),
    ("rsa", "private_key is not an EC key, which ES256 signs with"),
    ("", "missing private_key"),
])
def test_a_signed_client_secret_says_what_is_wrong_with_the_key(key: str, problem: str) -> None:
    from bosco_connectors.framework.auth import SignedClientSecret, throwaway_private_key

    credential = SignedClientSecret("https://token.test/t", audience="a", extra="x")
    pem = throwaway_private_key("RS256") if key == "rsa" else key
    config = SimpleNamespace(client_id="cid", team_id="team", key_id="k", private_key=pem, token_url=None)
    assert credential.problem(config).startswith(problem)  # type: ignore[union-attr]
