"""Both credentials against the fake token endpoint: service-account JWT and refresh token."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bosco_connectors.framework import AuthError
from bosco_connectors.sandbox.ga4 import FAKE_CLIENT_SECRET, FAKE_REFRESH_TOKEN, JWT_BEARER_GRANT
from bosco_connectors.sources.ga4 import connector
from bosco_connectors.sources.ga4.auth import ServiceAccountAuth
from bosco_connectors.sync import SyncJob, run_sync

from .conftest import END, make_pipeline, query

EMAIL = "bosco-loader@bosco-demo.iam.gserviceaccount.com"
SCOPE = "https://www.googleapis.com/auth/analytics.readonly"


def _rsa_key() -> tuple[str, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


@pytest.fixture(scope="module")
def rsa_pair() -> tuple[str, bytes]:
    return _rsa_key()


def _key_json(private_pem: str, token_uri: str) -> str:
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "bosco-demo",
            "private_key_id": "a1b2c3d4e5f6",
            "private_key": private_pem,
            "client_email": EMAIL,
            "client_id": "109876543210987654321",
            "token_uri": token_uri,
        }
    )


def _service_account_config(api, private_pem: str) -> dict:
    app = api.apps["ga4"]
    config = app.source_config(api.url("ga4"))
    for name in ("client_id", "client_secret", "refresh_token", "token_url"):
        config.pop(name)
    config["service_account_key"] = _key_json(private_pem, api.url("ga4") + "/token")
    return config


def _token_forms(api) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in parse_qs(r.body.decode()).items()} for r in api.requests_to("/token")]


def test_service_account_jwt_is_exchanged_and_the_sync_loads(tmp_path, fake_api_factory, fast_client, rsa_pair):
    private, public = rsa_pair
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    api.apps["ga4"].register_service_account(EMAIL, public)
    config = _service_account_config(api, private)

    make_pipeline(tmp_path).run(connector.resources(config, streams=["traffic_daily"]), loader_file_format="parquet")

    (form,) = _token_forms(api)
    assert form["grant_type"] == JWT_BEARER_GRANT
    header = jwt.get_unverified_header(form["assertion"])
    claims = jwt.decode(form["assertion"], public, algorithms=["RS256"], audience=api.url("ga4") + "/token")
    assert header["alg"] == "RS256" and header["kid"] == "a1b2c3d4e5f6"
    assert claims["iss"] == EMAIL and claims["scope"] == SCOPE
    assert claims["exp"] - claims["iat"] == 3600
    assert query(tmp_path, "select count(*) from raw.ga4_traffic_daily") == [(90,)]
    reports = api.requests_to(":runReport")
    assert reports and all(r.headers["authorization"].startswith("Bearer ya29.sandbox-") for r in reports)


def test_service_account_key_may_be_a_file_path(tmp_path, fake_api_factory, fast_client, rsa_pair):
    private, public = rsa_pair
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    api.apps["ga4"].register_service_account(EMAIL, public)
    config = _service_account_config(api, private)
    key_file = tmp_path / "key.json"
    key_file.write_text(config["service_account_key"])
    config["service_account_key"] = str(key_file)

    make_pipeline(tmp_path).run(connector.resources(config, streams=["landing_pages_daily"]), loader_file_format="parquet")
    assert query(tmp_path, "select count(*) from raw.ga4_landing_pages_daily") == [(50,)]


def test_a_key_google_does_not_know_fails_as_an_auth_error_without_leaking_it(tmp_path, fake_api_factory, rsa_pair):
    private, public = rsa_pair
    other_private, _ = _rsa_key()
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    api.apps["ga4"].register_service_account(EMAIL, public)
    config = _service_account_config(api, other_private)  # signed with a key whose public half Google lacks

    import dlt

    result = run_sync(SyncJob("t", "ga4", config), destination=dlt.destinations.duckdb(str(tmp_path / "y.duckdb")), pipelines_dir=tmp_path / "p")
    assert not result.ok
    assert "service-account token exchange failed (400)" in result.error and "Invalid JWT Signature" in result.error
    assert "PRIVATE KEY" not in result.error and other_private.splitlines()[1] not in result.error
    assert not api.requests_to(":runReport"), "no report may be requested without a token"


def test_service_account_auth_refreshes_once_on_401(fake_api_factory, rsa_pair):
    import httpx

    private, public = rsa_pair
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    app = api.apps["ga4"]
    app.register_service_account(EMAIL, public)
    config = connector.validate(_service_account_config(api, private))
    auth = ServiceAccountAuth(config.service_account())
    url = f"{api.url('ga4')}/v1beta/properties/{app.property_id}:runReport"
    body = {"dimensions": [{"name": "date"}], "metrics": [{"name": "sessions"}], "dateRanges": [{"startDate": "2026-11-20", "endDate": "2026-11-20"}]}
    with httpx.Client(auth=auth) as client:
        assert client.post(url, json=body).status_code == 200
        app.revoke_tokens()
        assert client.post(url, json=body).status_code == 200
    assert app.tokens_issued == 2


def test_refresh_token_exchange_sends_the_documented_form(tmp_path, fake_api_factory, fast_client):
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    app = api.apps["ga4"]
    config = app.source_config(api.url("ga4"))

    make_pipeline(tmp_path).run(connector.resources(config, streams=["traffic_daily"]), loader_file_format="parquet")
    (form,) = _token_forms(api)
    assert form == {
        "grant_type": "refresh_token",
        "client_id": app.client_id,
        "client_secret": FAKE_CLIENT_SECRET,
        "refresh_token": FAKE_REFRESH_TOKEN,
        "scope": SCOPE,
    }
    assert query(tmp_path, "select count(*) from raw.ga4_traffic_daily") == [(90,)]


def test_revoked_access_token_is_refreshed_mid_sync(tmp_path, fake_api_factory, fast_client):
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    app = api.apps["ga4"]
    config = {**app.source_config(api.url("ga4")), "page_size": 20}
    original = app._run_report

    def revoke_after_first_page(request):
        out = original(request)
        if len(api.requests_to(":runReport")) == 1:
            app.revoke_tokens()  # the access token expires between two pages
        return out

    app._run_report = revoke_after_first_page
    make_pipeline(tmp_path).run(connector.resources(config, streams=["traffic_daily"]), loader_file_format="parquet")
    assert app.tokens_issued == 2
    assert [r.status for r in api.requests_to(":runReport")].count(401) == 1
    assert query(tmp_path, "select count(*) from raw.ga4_traffic_daily") == [(90,)]


def test_a_wrong_refresh_token_is_an_auth_error(tmp_path, fake_api_factory):
    api = fake_api_factory(connector, seed=7, size="tiny", end_date=END)
    config = {**api.apps["ga4"].source_config(api.url("ga4")), "refresh_token": "1//revoked-refresh-token-value"}
    with pytest.raises(Exception) as info:
        make_pipeline(tmp_path).run(connector.resources(config, streams=["traffic_daily"]))
    chain = []
    exc: BaseException | None = info.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    auth = [e for e in chain if isinstance(e, AuthError)]
    assert auth and "refresh-token exchange failed (400): Token has been expired or revoked." in str(auth[0])
    assert "revoked-refresh-token-value" not in str(info.value)
