"""The declared apple_search_ads source: its documented bodies as loaded, its signed client secret,
its per-account context header and per-campaign report filter, its error table, its unified mapping.

Expected values are read off the documented bodies in cassettes/apple_search_ads/ (Apple's examples)
or the demo `World`, never computed by the connector.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs

import dlt
import duckdb
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.auth import throwaway_private_key
from bosco_connectors.framework.unified import staging_models
from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
from bosco_connectors.sources.apple_search_ads import API, CREDENTIAL, AppleSearchAdsConfig, connector
from bosco_connectors.sync import build_source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder


@pytest.fixture(autouse=True)
def _reachable_by_name():
    """Until its entry point is installed, the registry knows the source only provisionally."""
    from bosco_connectors.framework.registry import provisional

    with provisional(connector):
        yield


def load(tmp_path: Path, config: dict) -> duckdb.DuckDBPyConnection:
    source, _ = build_source(connector, config, tenant_id="t1")
    pipeline = dlt.pipeline("apple_test", destination=dlt.destinations.duckdb(str(tmp_path / "a.duckdb")),
                            dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
    pipeline.run(source, loader_file_format="parquet")
    return duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True)


def load_documented(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, FixtureApp]:
    app = FixtureApp(Fixtures.load(fixture_folder("apple_search_ads")))
    with FakeApi([app]) as api:
        con = load(tmp_path, app.source_config(api.url(app.prefix)))
    assert not app.unmatched
    return con, app


@pytest.fixture(scope="module")
def documented(module_tmp: Path) -> tuple[Path, FixtureApp]:
    """`load_documented` once for the module: the DuckDB file and the app every read-only test below reads."""
    from bosco_connectors.framework.registry import provisional

    folder = module_tmp / "documented"
    with provisional(connector):  # as `_reachable_by_name` gives each test
        con, app = load_documented(folder)
    con.close()
    return folder / "a.duckdb", app


def test_documented_report_days_load_with_exact_money(documented):
    db, _ = documented
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("select campaign_id, ad_account_id, date, campaign_name, local_spend, currency, impressions, taps, "
                       "tap_installs, view_installs, total_installs from raw.apple_search_ads_campaign_daily order by date").fetchall()
    assert rows[0] == ("555666777", "123456789", date(2026, 11, 1), "AwayFinder - App Campaign", Decimal("482.50"), "USD",
                       152300, 3210, 640, 128, 768)
    assert [r[2] for r in rows] == [date(2026, 11, 1), date(2026, 11, 2)]
    assert con.execute("select typeof(local_spend) from raw.apple_search_ads_campaign_daily limit 1").fetchone()[0].startswith("DECIMAL")


def test_documented_account_campaigns_and_ad_groups_load(documented):
    db, _ = documented
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select id, name, currency, timezone, system_status from raw.apple_search_ads_ad_accounts").fetchall() == [
        ("123456789", "AwayFinder Ad Account", "USD", "America/New_York", "ACTIVE")]
    assert con.execute("select id, ad_account_id, status from raw.apple_search_ads_campaigns order by id").fetchall() == [
        ("555666777", "123456789", "ENABLED"), ("555666778", "123456789", "PAUSED")]
    assert con.execute("select id, campaign_id, status from raw.apple_search_ads_ad_groups order by id").fetchall() == [
        ("345678901", "555666777", "ENABLED"), ("345678902", "555666778", "PAUSED")]


def test_each_request_names_its_ad_account_and_the_report_its_campaign(documented):
    """``X-AP-Context: adAccountId=…;`` on every request; the report's required campaignId filter, one per campaign."""
    _, app = documented
    api_requests = [request for exchange, request in app.answered if exchange.stream]  # not the token exchange
    assert api_requests and all(r.header("x-ap-context") == "adAccountId=123456789;" for r in api_requests)
    reports = [json.loads(request.body) for exchange, request in app.answered if exchange.stream == "campaign_daily"]
    assert sorted(r["filters"][0]["value"] for r in reports) == ["555666777", "555666778"]
    assert all(r["timeRange"] == {"timeZone": "ORTZ", "granularity": "DAILY", "start": "2026-11-01", "end": "2026-11-02"}
               for r in reports)


def test_the_client_secret_is_an_es256_jwt_signed_with_the_users_key():
    key = throwaway_private_key()
    config = AppleSearchAdsConfig(client_id="SEARCHADS.c", team_id="SEARCHADS.t", key_id="k-1", private_key=key,
                                  ad_account_ids=["1"], token_url="https://token.test/auth/oauth2/token")
    forms = []

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        forms.append({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
        return httpx.Response(200, json={"access_token": "tok-123456", "token_type": "Bearer", "expires_in": 3600})

    flow = CREDENTIAL.build(config)
    flow._transport = httpx.MockTransport(token_endpoint)
    assert flow.access_token() == "tok-123456"
    (form,) = forms
    assert (form["grant_type"], form["client_id"], form["scope"]) == ("client_credentials", "SEARCHADS.c", "searchadsorg")
    public = load_pem_private_key(key.encode(), None).public_key()
    claims = jwt.decode(form["client_secret"], public, algorithms=["ES256"], audience="https://appleid.apple.com")
    assert (claims["iss"], claims["sub"]) == ("SEARCHADS.t", "SEARCHADS.c")
    assert jwt.get_unverified_header(form["client_secret"])["kid"] == "k-1"


def test_a_key_that_cannot_sign_fails_the_exchange_as_an_auth_error_without_echoing_it():
    bad = "-----BEGIN EC PRIVATE KEY-----\nnot-a-key-at-all\n-----END EC PRIVATE KEY-----\n"
    config = AppleSearchAdsConfig(client_id="c", team_id="t", key_id="k", private_key=bad, ad_account_ids=["1"])
    with pytest.raises(AuthError) as info:
        CREDENTIAL.build(config).access_token()
    assert "exchange failed" in str(info.value) and "not a PEM private key" in str(info.value)
    assert "not-a-key-at-all" not in str(info.value)
    rsa = AppleSearchAdsConfig(client_id="c", team_id="t", key_id="k", private_key=throwaway_private_key("RS256"), ad_account_ids=["1"])
    assert CREDENTIAL.problem(rsa) == "private_key is not an EC key, which ES256 signs with"


def apple_error(body, status, headers=None):
    return API.errors.policy().for_status(httpx.Response(status, headers=headers or {}), body)


@pytest.mark.parametrize(("status", "kind"), [(401, AuthError), (403, AuthError), (429, RetryableApiError),
                                               (500, RetryableApiError), (400, ApiError), (404, ApiError)])
def test_the_documented_statuses_map(status, kind):
    body = {"error": {"code": "INVALID_ARGUMENT", "message": "The request could not be processed because of missing or invalid fields."}}
    error = apple_error(body, status)
    assert type(error) is kind
    assert "missing or invalid fields" in str(error)


def test_an_error_envelope_in_a_200_is_an_error_and_a_report_error_object_keeps_its_message():
    assert isinstance(apple_error({"error": {"code": "NOT_AUTHED", "message": "no"}}, 200), ApiError)
    assert apple_error({"result": {"rows": []}, "pagination": {"offset": 0, "pageSize": 1, "totalCount": 0}}, 200) is None
    error = apple_error({"code": "BAD_REQUEST", "message": "campaignId filter is required"}, 400)
    assert "campaignId filter is required" in str(error)


def test_a_429_waits_the_seconds_of_ratelimit_reset():
    error = apple_error({"error": {"code": "X", "message": "quota"}}, 429, {"RateLimit-Reset": "17"})
    assert error.retry_after == 17.0


def test_unified_staging_counts_taps_and_tap_installs_and_no_value(documented):
    db, _ = documented
    con = duckdb.connect(str(db), read_only=True)
    sql = staging_models(connector)["stg_apple_search_ads__campaign_daily"]
    rows = con.execute(f"select date, account_id, campaign_id, campaign_name, currency, spend, clicks, conversions, conversion_value "
                       f"from ({sql}) order by date").fetchall()
    assert rows[0] == (date(2026, 11, 1), "123456789", "555666777", "AwayFinder - App Campaign", "USD", 482.5, 3210, 640.0, 0.0)


def test_the_fake_answers_each_account_and_campaign_with_its_own_days(tmp_path):
    """Against the generated fake (two accounts): every report request names one campaign of the account in its
    header, and the loaded spend is the world's."""
    app = app_for(connector, seed=3, size="tiny", end_date=date(2026, 11, 20))
    with FakeApi([app]) as api:
        con = load(tmp_path, sandbox_config(api, connector))
        reports = [r for r in api.requests if "reports" in r.path]
    world = app.world
    assert len(reports) == sum(len(a.campaigns) for a in world.accounts)
    spend = sum(world.ad_metrics(ad.id, d).spend for a in world.accounts for c in a.campaigns for g in c.ad_groups
                for ad in g.ads for d in world.days)
    loaded = con.execute("select sum(local_spend), count(distinct ad_account_id) from raw.apple_search_ads_campaign_daily").fetchone()
    assert float(loaded[0]) == pytest.approx(spend, abs=0.01)
    assert loaded[1] == len(world.accounts)
    pairs = set(con.execute("select ad_account_id, campaign_id from raw.apple_search_ads_campaign_daily").fetchall())
    assert pairs <= {(a.id, c.id) for a in world.accounts for c in a.campaigns}  # no campaign under another account
