"""The declared app_store_connect source: the documented gzip TSV sales reports as loaded, the
self-signed ES256 bearer token, the errors, the unified app_installs_daily rows.

Expected values are read off the documented bodies in cassettes/app_store_connect/, never computed by the connector.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import httpx
import jwt
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.auth import SignedJwtAuth, throwaway_private_key
from bosco_connectors.framework.errormap import NothingToRead
from bosco_connectors.framework.facts import fact_staging_models
from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
from bosco_connectors.sources.app_store_connect import API, connector
from bosco_connectors.sync import SyncJob, build_source, run_sync
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder


@pytest.fixture(autouse=True)
def _reachable_by_name():
    from bosco_connectors.framework.registry import provisional

    with provisional(connector):
        yield


def load_documented(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    app = FixtureApp(Fixtures.load(fixture_folder("app_store_connect")))
    with FakeApi([app]) as api:
        source, _ = build_source(connector, app.source_config(api.url(app.prefix)), tenant_id="t1")
        pipeline = dlt.pipeline("asc_docs", destination=dlt.destinations.duckdb(str(tmp_path / "a.duckdb")),
                                dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
        pipeline.run(source, loader_file_format="parquet")
    assert not app.unmatched
    return duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True)


def test_documented_gzip_tsv_reports_load(tmp_path):
    con = load_documented(tmp_path)
    assert con.execute("select count(*) from raw.app_store_connect_sales_daily").fetchone()[0] == 9
    # sales_daily.2026-11-01.tsv.gz: the in-app purchase row; sales_daily.2026-11-02.tsv.gz: the return.
    assert con.execute("select begin_date, apple_identifier, units, developer_proceeds, customer_price, currency_of_proceeds "
                       "from raw.app_store_connect_sales_daily where product_type_identifier = 'IA1'").fetchall() == [
        (date(2026, 11, 1), "1234567999", 18, Decimal("3.49"), Decimal("4.99"), "USD")]
    assert con.execute("select units, device from raw.app_store_connect_sales_daily where units < 0").fetchall() == [(-2, "iPad")]


def test_the_bearer_token_is_an_es256_jwt_signed_with_the_key_and_reused():
    key = throwaway_private_key("ES256")
    now = [1_800_000_000.0]
    auth = SignedJwtAuth(issuer="57246542-96fe-1a63-e053-0824d011072a", key_id="2X9R4HXF34", private_key=key,
                         audience="appstoreconnect-v1", clock=lambda: now[0])
    token = auth.token()
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["kid"]) == ("ES256", "2X9R4HXF34")
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    claims = jwt.decode(token, load_pem_private_key(key.encode(), None).public_key(), algorithms=["ES256"],
                        audience="appstoreconnect-v1", options={"verify_exp": False, "verify_iat": False})
    assert claims["iss"] == "57246542-96fe-1a63-e053-0824d011072a" and claims["exp"] - claims["iat"] <= 20 * 60
    now[0] += 600
    assert auth.token() == token  # still valid: not signed again
    now[0] += 600
    assert auth.token() != token  # within a minute of expiry: a new one


def test_a_token_signed_by_another_key_is_refused_in_apple_words(tmp_path):
    app = app_for(connector, seed=3, size="tiny", end_date=date(2026, 11, 20))
    with FakeApi([app]) as api:
        config = {**sandbox_config(api, connector), "private_key": throwaway_private_key("ES256")}
        result = run_sync(SyncJob("t", "app_store_connect", config), destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                          pipelines_dir=tmp_path / "p", connector=connector)
    assert not result.ok and result.error_type is not None and issubclass(result.error_type, AuthError)
    assert "NOT_AUTHORIZED: Provide a properly configured and signed bearer token" in (result.error or "")


@pytest.mark.parametrize(("status", "code", "kind"), [(404, "NOT_FOUND", NothingToRead), (401, "NOT_AUTHORIZED", AuthError),
                                                      (429, "RATE_LIMIT_EXCEEDED", RetryableApiError)])
def test_errors(status, code, kind):
    body = {"errors": [{"id": "x", "status": str(status), "code": code, "title": "t", "detail": "the detail"}]}
    assert type(API.errors.policy().for_status(httpx.Response(status), body)) is kind


def test_unified_installs_are_first_downloads_and_reinstalls_redownloads(tmp_path):
    con = load_documented(tmp_path)
    sql = fact_staging_models(connector)["stg_app_store_connect__app_installs_daily"]
    rows = con.execute(f"select date, app_id, app_os, installs, reinstalls from ({sql}) order by date, app_os").fetchall()
    assert rows == [
        (date(2026, 11, 1), "1234567890", "ios", 312 + 41, 57),
        (date(2026, 11, 1), "1234567890", "macos", 12, None),
        (date(2026, 11, 2), "1234567890", "ios", 298 - 2, 49),
    ]


def test_a_day_without_sales_loads_nothing_and_the_run_is_not_partial(tmp_path):
    """Apple answers 404 for a day without sales (Action.EMPTY): the other days load, no warning,
    no PARTIAL line for the operator to chase."""
    from bosco_connectors.sandbox import Fault

    app = app_for(connector, seed=3, size="tiny", end_date=date(2026, 11, 20))
    with FakeApi([app]) as api:
        api.inject(Fault.error(404, "There were no sales for the date specified."), times=1, path_contains="salesReports")
        result = run_sync(SyncJob("t", "app_store_connect", sandbox_config(api, connector)),
                          destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")), pipelines_dir=tmp_path / "p",
                          connector=connector)
        answered_404 = [r for r in api.requests if r.fault == "status"]
    assert result.ok, result.failure_line
    assert len(answered_404) == 1
    assert result.skipped == [] and result.partial_lines == []
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        days = con.execute("select count(distinct begin_date) from raw.app_store_connect_sales_daily").fetchone()[0]
    assert days >= 2
