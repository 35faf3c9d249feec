"""Both credentials against the generated fake's token endpoint: a refresh token, a service-account JWT.

The JWT is signed with an RSA key generated here; the test checks the signature and the claims
itself (the fake accepts any well-formed JWT: it has no key to check it with).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bosco_connectors.framework import AuthError
from bosco_connectors.sources.ga4 import connector, source

from .conftest import exception_chain, make_pipeline, query, serve

EMAIL = "bosco-loader@bosco-demo.iam.gserviceaccount.com"
SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@pytest.fixture(scope="module")
def rsa_pair() -> tuple[str, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return private, key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _service_account(config: dict, private_pem: str, token_uri: str) -> dict:
    """The config with the refresh-token trio replaced by a service-account key (token URL from the key)."""
    config = {k: v for k, v in config.items() if k not in ("client_id", "client_secret", "refresh_token", "token_url")}
    config["service_account_key"] = json.dumps({
        "type": "service_account", "project_id": "bosco-demo", "private_key_id": "a1b2c3d4e5f6", "private_key": private_pem,
        "client_email": EMAIL, "client_id": "109876543210987654321", "token_uri": token_uri})
    return config


def _token_forms(api) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in parse_qs(r.body.decode()).items()} for r in api.requests_to("/token")]


def test_refresh_token_exchange_sends_googles_form(tmp_path, fast_client):
    app, api = serve()
    with api:
        config = app.source_config(api.url("ga4"))
        make_pipeline(tmp_path).run(source(**config, streams=["traffic_daily"]), loader_file_format="parquet")
        (form,) = _token_forms(api)
        reports = api.requests_to(":runReport")
    assert form == {"grant_type": "refresh_token", "client_id": config["client_id"], "client_secret": config["client_secret"],
                    "refresh_token": config["refresh_token"], "scope": SCOPE}
    assert reports and all(r.headers["authorization"].startswith("Bearer ya29.sandbox-") for r in reports)
    assert query(tmp_path, "select count(*) from raw.ga4_traffic_daily") == [(90,)]


def test_service_account_jwt_is_signed_exchanged_and_the_sync_loads(tmp_path, fast_client, rsa_pair):
    private, public = rsa_pair
    app, api = serve()
    with api:
        token_uri = api.url("ga4") + "/token"
        config = _service_account(app.source_config(api.url("ga4")), private, token_uri)
        make_pipeline(tmp_path).run(source(**config, streams=["traffic_daily"]), loader_file_format="parquet")
        (form,) = _token_forms(api)
    assert form["grant_type"] == JWT_BEARER
    header = jwt.get_unverified_header(form["assertion"])
    claims = jwt.decode(form["assertion"], public, algorithms=["RS256"], audience=token_uri)  # verifies the signature
    assert header["alg"] == "RS256" and header["kid"] == "a1b2c3d4e5f6"
    assert claims["iss"] == EMAIL and claims["scope"] == SCOPE and claims["exp"] - claims["iat"] == 3600
    assert query(tmp_path, "select count(*) from raw.ga4_traffic_daily") == [(90,)]


def test_the_service_account_key_may_be_a_file_path(tmp_path, fast_client, rsa_pair):
    private, _ = rsa_pair
    app, api = serve()
    with api:
        config = _service_account(app.source_config(api.url("ga4")), private, api.url("ga4") + "/token")
        (tmp_path / "key.json").write_text(config["service_account_key"])
        config["service_account_key"] = str(tmp_path / "key.json")
        make_pipeline(tmp_path).run(source(**config, streams=["landing_pages_daily"]), loader_file_format="parquet")
        assert [f["grant_type"] for f in _token_forms(api)] == [JWT_BEARER]
    assert query(tmp_path, "select count(*) from raw.ga4_landing_pages_daily") == [(50,)]


def test_a_key_that_cannot_sign_is_an_auth_error_that_shows_no_key(tmp_path):
    body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-not-really-a-key"
    app, api = serve()
    with api, pytest.raises(Exception) as info:
        config = _service_account(app.source_config(api.url("ga4")), f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n", api.url("ga4") + "/token")
        make_pipeline(tmp_path).run(source(**config, streams=["traffic_daily"]))
    (auth,) = [e for e in exception_chain(info.value) if isinstance(e, AuthError)]
    assert "could not sign the service-account JWT with the key's private_key" in str(auth)
    assert body not in str(info.value) and not api.requests, "no request may be sent without a signed grant"


def test_a_wrong_refresh_token_is_an_auth_error_that_does_not_leak_it(tmp_path, fast_client):
    app, api = serve()
    with api, pytest.raises(Exception) as info:
        config = {**app.source_config(api.url("ga4")), "refresh_token": "1//revoked-refresh-token-value"}
        make_pipeline(tmp_path).run(source(**config, streams=["traffic_daily"]))
    (auth,) = [e for e in exception_chain(info.value) if isinstance(e, AuthError)]
    assert "refresh-token exchange failed (400)" in str(auth)
    assert "revoked-refresh-token-value" not in str(info.value)
    assert not api.requests_to(":runReport")


def test_an_expired_access_token_is_refreshed_once(tmp_path, fast_client):
    """The documented 401 UNAUTHENTICATED answer once: a new token is minted and the read goes on."""
    app, api = serve()
    with api:
        app.inject("auth_error", times=1)
        make_pipeline(tmp_path).run(source(**app.source_config(api.url("ga4")), streams=["traffic_daily"]), loader_file_format="parquet")
        assert [r.status for r in api.requests_to(":runReport")] == [401, 200]
        assert len(api.requests_to("/token")) == 2
    assert query(tmp_path, "select count(*) from raw.ga4_traffic_daily") == [(90,)]


@pytest.mark.parametrize("assertion, status", [("not-a-jwt", 400), ("a.b.c", 400), (None, 200)])
def test_the_fake_token_endpoint_takes_any_well_formed_jwt(rsa_pair, assertion, status):
    private, _ = rsa_pair
    app, api = serve()
    with api:
        signed = jwt.encode({"iss": EMAIL, "scope": SCOPE}, private, algorithm="RS256")
        answer = httpx.post(api.url("ga4") + "/token", data={"grant_type": JWT_BEARER, "assertion": assertion or signed})
    assert answer.status_code == status
    assert ("access_token" in answer.json()) == (status == 200)

