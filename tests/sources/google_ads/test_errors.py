"""Google's failures, as both transports meet them: one clear line, the right error type.

Each test scripts a documented GoogleAdsFailure in the fake (or breaks a credential) and
calls the source's client the way a stream does.
"""

from __future__ import annotations

import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.sources.google_ads import connector
from bosco_connectors.sources.google_ads.client import CustomerDirectory
from bosco_connectors.sync import SyncJob, run_sync

from .conftest import world_of

CAMPAIGNS = "SELECT campaign.id, campaign.name FROM campaign"


def client_for(config):
    return connector.client(connector.validate(config))


def read(client, query=CAMPAIGNS, customer=None):
    customer = customer or world_of().accounts[0].id
    return [row for batch in client.search_stream(customer, query, stream="campaigns") for row in batch.get("results", [])]


def test_a_failure_renders_as_category_code_and_message(sandbox):
    sandbox.app.fail_next(
        "authorizationError", "USER_PERMISSION_DENIED", "User doesn't have permission to access customer.",
        http=403, status="PERMISSION_DENIED",
    )
    with pytest.raises(AuthError) as info:
        read(client_for(sandbox.config))
    text = str(info.value)
    assert "google_ads/campaigns: AUTHORIZATION_ERROR.USER_PERMISSION_DENIED: User doesn't have permission to access customer." in text
    assert "PERMISSION_DENIED" in text and "request-id" in text
    assert info.value.vendor_code == "AUTHORIZATION_ERROR.USER_PERMISSION_DENIED"
    assert len(sandbox.app.calls) == 1  # an auth failure is not retried


def test_a_gaql_error_is_not_retried_and_names_the_field(sandbox):
    client = client_for(sandbox.config)
    with pytest.raises(ApiError) as info:
        read(client, "SELECT campaign.id, campaign.no_such_field FROM campaign")
    assert not isinstance(info.value, (AuthError, RetryableApiError))
    assert "QUERY_ERROR.UNRECOGNIZED_FIELD: Unrecognized field in the query: 'campaign.no_such_field'." in str(info.value)
    assert len(sandbox.app.calls) == 1


def test_quota_errors_wait_googles_retry_delay(sandbox):
    sandbox.app.fail_next(
        "quotaError", "RESOURCE_TEMPORARILY_EXHAUSTED", "Too many requests in a short amount of time.",
        http=429, status="RESOURCE_EXHAUSTED", retry_delay="7s", times=2,
    )
    client = client_for(sandbox.config)
    rows = read(client)
    assert len(rows) == len(world_of().accounts[0].campaigns)
    assert [c.status for c in sandbox.app.calls] == [429, 429, 200]
    assert client.stats.retries == 2
    assert client.stats.waited_seconds == 14.0 and 7.0 in sandbox.sleeps.waits


def test_a_stream_broken_half_way_is_read_again_whole(sandbox):
    sandbox.app.batch_size = 1  # several batches, so the error comes after rows were sent
    sandbox.app.fail_next("internalError", "TRANSIENT_ERROR", "An internal error has occurred.", http=500, status="INTERNAL", mid_stream=True)
    rows = read(client_for(sandbox.config))
    ids = [r["campaign"]["id"] for r in rows]
    assert sorted(ids) == sorted(c.id for c in world_of().accounts[0].campaigns)  # no row twice
    assert len(sandbox.app.calls) == 2


def test_an_expired_access_token_is_refreshed_once(sandbox):
    client = client_for(sandbox.config)
    assert read(client)
    assert sandbox.app.token_requests == 1
    sandbox.app.revoke_access_tokens()
    assert read(client)
    assert sandbox.app.token_requests == 2
    assert [c.status for c in sandbox.app.calls] == [200, 401, 200]


def test_a_bad_refresh_token_is_an_auth_error_without_the_secret(sandbox):
    config = {**sandbox.config, "refresh_token": "revoked-refresh-token-0042"}
    with pytest.raises(AuthError) as info:
        read(client_for(config))
    assert "refresh-token exchange failed" in str(info.value) and "Token has been expired or revoked." in str(info.value)
    assert "revoked-refresh-token-0042" not in str(info.value)
    assert not sandbox.app.calls  # nothing reached the API


def test_clients_need_the_manager_in_login_customer_id(sandbox):
    account = world_of().accounts[0]
    config = {k: v for k, v in sandbox.config.items() if k != "login_customer_id"} | {"customer_ids": [account.id]}
    with pytest.raises(AuthError) as info:
        read(client_for(config))
    assert "AUTHORIZATION_ERROR.USER_PERMISSION_DENIED" in str(info.value) and "login-customer-id" in str(info.value)
    assert sandbox.app.calls[0].login_customer_id is None


def test_the_walk_finds_clients_below_a_sub_manager(transport, monkeypatch):
    from contextlib import ExitStack

    from .conftest import fast_client_factory, start_sandbox

    monkeypatch.setattr(connector, "client_factory", fast_client_factory())
    with ExitStack() as stack:
        box = start_sandbox(stack, transport, size="small")
        levels = {c.id: c.level for c in box.app.data.customers.values()}
        accounts = sorted(a.id for a in box.app.world.accounts)
        assert sorted(levels[a] for a in accounts) == [1, 2]  # one direct client, one indirect
        assert client_for(box.config).customers.customer_ids() == accounts


def test_configured_customers_are_read_without_walking_the_manager(sandbox):
    account = world_of().accounts[0]
    client = client_for({**sandbox.config, "customer_ids": [account.id]})
    assert client.customers.customer_ids() == [account.id]
    assert read(client)
    assert all("customer_client" not in c.query for c in sandbox.app.calls)


def test_a_manager_without_enabled_clients_says_so(sandbox, monkeypatch):
    monkeypatch.setattr(CustomerDirectory, "QUERY", CustomerDirectory.QUERY.replace("FALSE", "TRUE").replace("'ENABLED'", "'CANCELED'"))
    with pytest.raises(Exception, match="has no enabled client accounts"):
        client_for(sandbox.config).customers.customer_ids()


def test_a_failed_sync_reports_one_line(sandbox, tmp_path):
    sandbox.app.fail_next("authenticationError", "OAUTH_TOKEN_REVOKED", "OAuth token in the header has been revoked.", http=401, status="UNAUTHENTICATED", times=50)
    import dlt

    result = run_sync(
        SyncJob("t1", "google_ads", sandbox.config, streams=["campaigns"]),
        destination=dlt.destinations.duckdb(str(tmp_path / "f.duckdb")),
        pipelines_dir=tmp_path / "p",
    )
    assert not result.ok
    assert result.error.startswith("AUTHENTICATION_ERROR.OAUTH_TOKEN_REVOKED: OAuth token in the header has been revoked. (HTTP 401, UNAUTHENTICATED")
    assert "\n" not in result.error


def test_no_secret_reaches_logs_or_errors(sandbox, tmp_path, caplog):
    """The conformance kit checks this over REST; here both transports, with debug logs on."""
    import logging

    import dlt

    caplog.set_level(logging.DEBUG)
    destination = dlt.destinations.duckdb(str(tmp_path / "s.duckdb"))
    canary = "canary-SECRET-google-ads-91c2"
    bad = {**sandbox.config, "client_secret": canary, "refresh_token": canary, "developer_token": canary}
    failed = run_sync(SyncJob("t", "google_ads", bad, streams=["campaigns"]), destination=destination, pipelines_dir=tmp_path / "p")
    assert not failed.ok and "token" in failed.error.lower()
    ok = run_sync(SyncJob("t", "google_ads", sandbox.config, streams=["campaigns"]), destination=destination, pipelines_dir=tmp_path / "p")
    assert ok.ok, ok.error
    secrets = [canary, sandbox.app.developer_token, sandbox.app.client_secret, sandbox.app.refresh_token, *sandbox.app._tokens]
    for text in (caplog.text, failed.error, ok.error or ""):
        assert not [s for s in secrets if s in text]


def test_a_flaky_token_endpoint_is_retried_not_reported_as_bad_credentials(sandbox):
    """Both transports: a 503 from the token endpoint is the server's failure, not the credential's."""
    from bosco_connectors.sandbox.server import Fault

    # google-auth (gRPC) tries 3 times on its own before giving up: fail that often, so
    # that over gRPC our retry must step in too.
    sandbox.api.inject(Fault.server_error(503), times=3, path_contains="/token")
    client = client_for(sandbox.config)
    rows = read(client)
    assert len(rows) == len(world_of().accounts[0].campaigns)
    assert sandbox.app.token_requests >= 1 and client.stats.retries >= 1


# -- the flagship issue: a manager walk that meets a customer it may not read ------------------


def test_a_customer_the_user_may_not_read_is_skipped_and_the_sync_is_partial(transport, tmp_path, monkeypatch):
    import dlt
    from contextlib import ExitStack

    from .conftest import fast_client_factory, start_sandbox

    with ExitStack() as stack:
        box = start_sandbox(stack, transport, accounts=3)
        monkeypatch.setattr(connector, "client_factory", fast_client_factory(box.sleeps))
        accounts = [a.id for a in box.app.world.accounts]
        refused = accounts[1]
        box.app.fail_next("authorizationError", "USER_PERMISSION_DENIED", "User doesn't have permission to access customer.",
                          http=403, status="PERMISSION_DENIED", times=1000, customer=refused)
        result = run_sync(SyncJob("t", "google_ads", box.config, ["campaigns"]),
                          destination=dlt.destinations.duckdb(str(tmp_path / "g.duckdb")), pipelines_dir=tmp_path / "p")
    assert result.ok, result.failure_line
    assert result.skipped == [f"google_ads/campaigns: skipped customer {refused}: AUTHORIZATION_ERROR.USER_PERMISSION_DENIED"]
    assert result.partial_lines == [f"PARTIAL tenant=t source=google_ads: {result.skipped[0]}"]
    import duckdb

    with duckdb.connect(str(tmp_path / "g.duckdb"), read_only=True) as con:
        loaded = {r[0] for r in con.execute("select distinct customer_id from raw.google_ads_campaigns").fetchall()}
    assert loaded == set(accounts) - {refused}, "the other customers load"


def test_a_partial_run_exits_5_with_one_line_per_skipped_customer(tmp_path, monkeypatch):
    from contextlib import ExitStack

    from typer.testing import CliRunner

    from bosco_connectors.cli.app import app

    from .conftest import fast_client_factory, start_sandbox

    with ExitStack() as stack:
        box = start_sandbox(stack, "rest", accounts=2)
        monkeypatch.setattr(connector, "client_factory", fast_client_factory(box.sleeps))
        refused = box.app.world.accounts[0].id
        box.app.fail_next("authorizationError", "CUSTOMER_NOT_ENABLED", "The customer account can't be accessed because it is not yet enabled or has been deactivated.",
                          http=403, status="PERMISSION_DENIED", times=1000, customer=refused)
        lines = ['[destination]', 'name = "duckdb"', f'path = "{tmp_path / "w.duckdb"}"', "[[tenants]]", 'id = "acme"', "  [tenants.sources.google_ads]"]
        for key, value in box.config.items():
            if key in ("client_secret", "refresh_token"):
                monkeypatch.setenv(f"GADS_{key.upper()}", str(value))
                lines.append(f'  {key} = {{ env = "GADS_{key.upper()}" }}')
            else:
                lines.append(f'  {key} = "{value}"')
        lines.append('  streams = ["campaigns"]')
        (tmp_path / "bosco.toml").write_text("\n".join(lines) + "\n")
        result = CliRunner().invoke(app, ["run", "--config", str(tmp_path / "bosco.toml"), "--state-dir", str(tmp_path / "h")])
    assert result.exit_code == 5, result.output
    partial = [line for line in result.stderr.splitlines() if line.startswith("PARTIAL")]
    assert partial == [f"PARTIAL tenant=acme source=google_ads: google_ads/campaigns: skipped customer {refused}: AUTHORIZATION_ERROR.CUSTOMER_NOT_ENABLED"]


# -- stale facts: developer tokens are gone; Cloud projects need approval ----------------------


def test_the_developer_token_is_optional_and_a_configured_one_is_called_deprecated(sandbox, caplog):
    import logging

    from bosco_connectors.sources.google_ads import client as google_client

    assert "developer_token" not in sandbox.config
    rows = read(client_for(sandbox.config))
    assert rows, "a sync needs no developer token"
    if sandbox.transport == "rest":
        assert all("developer-token" not in r.headers for r in sandbox.api.requests), "no header when none is configured"
    google_client._warned.clear()
    with caplog.at_level(logging.WARNING):
        read(client_for({**sandbox.config, "developer_token": "legacy-token-123"}))
    assert "developer_token is deprecated since 2026-09-09 and ignored by Google" in caplog.text


def test_a_cloud_project_not_approved_for_production_says_what_to_do(sandbox):
    sandbox.app.fail_next(
        "authorizationError", "CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION",
        "The Google Cloud project is not approved to access production accounts.", http=403, status="PERMISSION_DENIED",
    )
    with pytest.raises(AuthError) as info:
        read(client_for(sandbox.config))
    assert "apply for access on the project's Google Ads API page" in str(info.value)
