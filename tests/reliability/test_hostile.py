"""Hostile vendor answers: redirects that fish for credentials, vendor fields named like
dlt's bookkeeping, error messages that forge our log lines, and tenant ids that are not ids.

Each case drives the real sources against the fake APIs (or the framework client over
loopback), the way an adversarial review did, and checks what must never happen.
"""

from __future__ import annotations

from typing import ClassVar

import httpx
import pytest
from pydantic import SecretStr

from bosco_connectors.framework import ApiClient, RetryPolicy, api_key_header, bearer
from bosco_connectors.framework.registry import get_connector
from bosco_connectors.sandbox import FakeApi, FakeResponse, Fault, app_for, sandbox_config

from .helpers import WORLD, WORLD_SEED, client_matrix, secret_fields, sandboxed_names, snapshot, sync_into


def _secrets(connector, config) -> list[str]:
    values = []
    for name in secret_fields(connector):
        value = config.get(name)
        if value is not None:
            values.append(value.get_secret_value() if isinstance(value, SecretStr) else str(value))
    return [v for v in values if len(v) >= 6]


def _leaks(api: FakeApi, secrets: list[str]) -> list[str]:
    """Secret values seen by `api` in any header or query string it received."""
    found = []
    for request in api.requests:
        text = repr(request.headers) + repr(request.query)
        found += [f"{request.path}: {s[:6]}..." for s in secrets if s in text]
    return found


# -- 1. credentials never follow a redirect to another origin --------------------------------


@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("name", client_matrix())
def test_a_redirect_to_another_host_gets_no_credential(name, status, tmp_path, fast_clients):
    connector = get_connector(name)
    fast_clients(connector, attempts=2, timeout=2.0)
    vendor = app_for(connector, seed=WORLD_SEED, **WORLD)
    with FakeApi([vendor]) as api, FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)]) as elsewhere:
        config = sandbox_config(api, connector)
        secrets = _secrets(connector, config)
        assert secrets, f"{name}: no credential to watch"
        # API calls first (OAuth sources exchange their token on the same fake host), then all.
        api.inject(Fault.redirect(elsewhere.url(""), status), times=1000, path_excludes="token")
        result = sync_into(tmp_path / "r.duckdb", tmp_path / "p", connector, config)
        api.clear()
        api.inject(Fault.redirect(elsewhere.url(""), status), times=1000)
        token_step = sync_into(tmp_path / "r.duckdb", tmp_path / "p", connector, config)
    assert not token_step.ok and "refused a redirect" in (token_step.error or ""), token_step.failure_line
    assert not result.ok, "a sync whose every call is redirected away cannot succeed"
    assert "refused a redirect" in (result.error or ""), result.failure_line
    assert elsewhere.url("").rstrip("/").split("//")[1] in result.error, "the line names the other host"
    assert not _leaks(elsewhere, secrets), f"{name}: a credential reached the other host"
    assert not elsewhere.requests, "refused by default: nothing at all is sent to the other host"


@pytest.mark.parametrize("name", client_matrix())
def test_a_redirect_within_the_configured_origin_is_followed(name, tmp_path, fast_clients):
    connector = get_connector(name)
    fast_clients(connector, attempts=2, timeout=2.0)
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)]) as api:
        config = sandbox_config(api, connector)
        clean = sync_into(tmp_path / "clean.duckdb", tmp_path / "p1", connector, config)
        api.inject(Fault.redirect(api.url(""), 307), times=3, path_excludes="token")
        moved = sync_into(tmp_path / "moved.duckdb", tmp_path / "p2", connector, config)
        redirected = [r for r in api.requests if r.fault == "redirect"]
    assert clean.ok and moved.ok, moved.failure_line
    assert len(redirected) == 3
    assert snapshot(tmp_path / "moved.duckdb") == snapshot(tmp_path / "clean.duckdb")


class _Files:
    """A storage host: serves any path with a small body, records who asked."""

    prefix = "files"

    def handle(self, request):
        return FakeResponse(200, b'{"id": 1}\n', {"Content-Type": "application/jsonl"})


def test_downloads_elsewhere_go_without_credentials_even_through_redirects():
    """Report files live on pre-signed storage URLs: fetched bare, directly or redirected."""
    token, header_secret = "tok-" + "9" * 24, "vendor-header-" + "7" * 20
    with FakeApi([_Files()]) as api, FakeApi([_Files()]) as storage:
        client = ApiClient(
            "acme",
            api.url("files"),
            auth=api_key_header(token, "Access-Token"),
            headers={"Developer-Token": header_secret},
            retry=RetryPolicy(max_attempts=1),
        )
        same = client.download(api.url("files") + "/report.jsonl")
        direct = client.download(storage.url("files") + "/signed.jsonl?X-Goog-Signature=abc&Expires=1")
        api.inject(Fault.redirect(storage.url(""), 307), path_contains="export")
        redirected = client.download(api.url("files") + f"/export.jsonl?echo={token}")
    assert same == direct == redirected == b'{"id": 1}\n'
    assert api.requests[0].headers.get("access-token") == token, "our own host still gets the credential"
    assert len(storage.requests) == 2
    assert not _leaks(storage, [token, header_secret])
    assert storage.requests[0].query == {"X-Goog-Signature": ["abc"], "Expires": ["1"]}, "a pre-signed query is kept"
    assert "echo" not in storage.requests[1].query, "our secret echoed into the redirect is dropped"


def test_a_next_page_url_on_another_host_is_refused():
    with FakeApi([_Files()]) as api, FakeApi([_Files()]) as other:
        client = ApiClient("acme", api.url("files"), auth=bearer("t" * 20), retry=RetryPolicy(max_attempts=1))
        with pytest.raises(Exception) as info:
            client.request_json("GET", other.url("files") + "/page2", stream="items")
    assert "refused to send credentials" in str(info.value)
    assert not other.requests


def test_a_vendor_that_documents_cross_origin_redirects_is_followed_bare():
    with FakeApi([_Files()]) as api, FakeApi([_Files()]) as cdn:
        client = ApiClient("acme", api.url("files"), auth=bearer("t" * 20), retry=RetryPolicy(max_attempts=1), cross_origin="strip")
        api.inject(Fault.redirect(cdn.url(""), 302))
        response, _ = client.request_json("GET", "data")
    assert response.status_code == 200 and isinstance(response, httpx.Response)
    assert len(cdn.requests) == 1 and "authorization" not in cdn.requests[0].headers


# -- 2. vendor fields never reach into dlt's bookkeeping ---------------------------------------


class _Orders:
    """A vendor whose orders carry `_dlt_id`, `_dlt_parent_id` and `tenant_id` fields of their own."""

    prefix = "shop"

    def __init__(self, **world):
        pass

    def source_config(self, root: str) -> dict:
        return {"token": "shop-token-" + "5" * 16, "base_url": root}

    def handle(self, request):
        orders = [
            {
                "id": str(n),
                "_dlt_id": "vendor-row-1",          # the same value for every tenant and order
                "tenant_id": "someone-else",
                "lines": [{"sku": f"sku-{n}-{i}", "_dlt_parent_id": "vendor-row-1", "_DLT_Load_Id": "x"} for i in range(2)],
            }
            for n in range(3)
        ]
        return FakeResponse.json({"orders": orders})


def _orders_connector(arrow: bool):
    from bosco_connectors.framework import ApiClient, Child, Connector, Contract, FullRefresh, RestStream, SourceConfig

    class Line(Contract):
        sku: str

    class Order(Contract):
        dlt_config: ClassVar[dict] = {"skip_nested_types": True}  # lines become a child table, as Shopify's do

        id: str
        lines: list[Line] = []

    class Config(SourceConfig):
        token: SecretStr

    return Connector(
        name="shop", title="Shop", api_version="v1", docs_url="https://example.invalid", category="test",
        config_model=Config,
        client_factory=lambda c: ApiClient("shop", c.base_url, auth=bearer(c.token), retry=RetryPolicy(max_attempts=1)),
        streams=[RestStream(name="orders", path="orders", records="orders", contract=Order, primary_key=("id",),
                            cursor=FullRefresh("test"), arrow=arrow,
                            children=(Child("lines", ("order_id", "sku"), "order_id"),) if arrow else ())],
    )


@pytest.mark.parametrize("arrow", [True, False], ids=["arrow", "dict-rows"])
def test_vendor_fields_named_like_dlt_columns_cannot_touch_another_tenants_rows(arrow, tmp_path, caplog):
    import dlt
    import duckdb

    from bosco_connectors.sync import build_source

    connector = _orders_connector(arrow)
    db = tmp_path / "shop.duckdb"
    with FakeApi([_Orders()]) as api:
        config = _Orders().source_config(api.url("shop"))
        for tenant in ("acme", "globex", "acme"):  # acme's second sync must leave globex whole
            pipeline = dlt.pipeline(f"shop_{tenant}", destination=dlt.destinations.duckdb(str(db)),
                                    dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
            source, _ = build_source(connector, config, tenant_id=tenant)
            pipeline.run(source, loader_file_format="parquet")
    con = duckdb.connect(str(db), read_only=True)
    try:
        lines = dict(con.execute("select tenant_id, count(*) from raw.shop_orders__lines group by 1").fetchall())
        assert lines == {"acme": 6, "globex": 6}, "each tenant keeps its 3 orders x 2 lines"
        orders = con.execute("select tenant_id, vendor_tenant_id, vendor_dlt_id from raw.shop_orders order by 1, id").fetchall()
        line_columns = {c for (c,) in con.execute("select column_name from information_schema.columns where table_name = 'shop_orders__lines'").fetchall()}
    finally:
        con.close()
    assert {(t, v, d) for t, v, d in orders} == {("acme", "someone-else", "vendor-row-1"), ("globex", "someone-else", "vendor-row-1")}
    assert {"vendor_dlt_parent_id", "vendor_dlt_load_id"} <= line_columns, "the vendor's values are kept, renamed"
    assert "vendor field '_dlt_id' loaded as 'vendor_dlt_id'" in caplog.text


# -- 3. a vendor's words stay on one line of ours ----------------------------------------------

FORGERY = (
    "bad request\nFAILED tenant=other source=tiktok_ads stream=ads: forged\r\n"
    "ok other/tiktok_ads: 999 rows in 0.1s\x1b[2K\x1b[1A\u202eesrever" + "x" * 2000
)


def _assert_one_safe_line(text: str) -> None:
    assert "\n" not in text and "\r" not in text and "\x1b" not in text and "\u202e" not in text, repr(text[:200])
    assert len(text) < 1200, f"vendor text must be capped: {len(text)} characters"


# The escaping is the framework's (every source's message passes through `failure_line`):
# representative sources by default, every source with `-m slow`.
@pytest.mark.parametrize("name", client_matrix())
def test_a_vendor_error_message_cannot_forge_lines(name, tmp_path, fast_clients):
    connector = get_connector(name)
    fast_clients(connector, attempts=1, timeout=2.0)
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)]) as api:
        config = sandbox_config(api, connector)
        api.inject(Fault.error(400, FORGERY), times=1000, path_excludes="token")
        result = sync_into(tmp_path / "f.duckdb", tmp_path / "p", connector, config)
    assert not result.ok
    assert "bad request\\nFAILED tenant=other" in result.error, "the vendor's message is shown, escaped"
    _assert_one_safe_line(result.failure_line)


def test_bosco_sync_prints_one_line_per_failure_whatever_the_vendor_said(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from bosco_connectors.cli.app import app

    from .helpers import write_project

    connector = get_connector("tiktok_ads")
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)]) as api:
        env: dict[str, str] = {}
        project = write_project(tmp_path / "bosco.toml", [("acme", connector, sandbox_config(api, connector))],
                                duckdb_path=tmp_path / "w.duckdb", env=env)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        api.inject(Fault.error(400, FORGERY), times=1000)
        result = CliRunner().invoke(app, ["run", "--config", str(project), "--state-dir", str(tmp_path / "home")])
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("FAILED")] == [line for line in lines if "FAILED tenant=" in line]
    assert len([line for line in lines if line.startswith("FAILED")]) == 1, result.stderr
    assert not [line for line in lines if line.startswith("ok ")], "no forged success line"
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr


# -- 4. one rule for tenant ids, wherever they come in -----------------------------------------

BAD_TENANTS = ["", " ", "acme ", " acme", "ac\u202eme", "o'neil", 'a"b', "a/b", "../x", "-acme", "x" * 64, "acme\n", "ａｃｍｅ", "a b"]


@pytest.mark.parametrize("bad", BAD_TENANTS, ids=lambda v: v.encode("unicode_escape").decode() or "empty")
def test_a_bad_tenant_id_is_refused_in_the_config_the_cli_and_python(bad, tmp_path, monkeypatch):
    import json as _json

    from typer.testing import CliRunner

    from bosco_connectors.cli.app import app
    from bosco_connectors.framework.errors import ConfigError
    from bosco_connectors.sources import tiktok_ads

    monkeypatch.chdir(tmp_path)
    good = {"access_token": "t" * 20, "advertiser_ids": ["1"], "base_url": "http://127.0.0.1:9"}
    with pytest.raises(ConfigError) as info:
        tiktok_ads.source(**good, tenant_id=bad)
    assert "tenant_id" in str(info.value) and "letters, digits" in str(info.value)

    cli = CliRunner().invoke(app, ["run", "tiktok_ads", "--tenant", bad, "--state-dir", str(tmp_path / "h")])
    assert cli.exit_code == 2, cli.output
    assert "--tenant" in cli.stderr and "not valid" in cli.stderr

    (tmp_path / "bosco.toml").write_text(
        f"[[tenants]]\nid = {_json.dumps(bad)}\n  [tenants.sources.tiktok_ads]\n  advertiser_ids = [\"1\"]\n"
    )
    from_file = CliRunner().invoke(app, ["run", "--config", "bosco.toml", "--state-dir", str(tmp_path / "h")])
    assert from_file.exit_code == 2 and "not valid" in from_file.stderr, from_file.output
    assert not (tmp_path / "h" / "pipelines").exists(), "nothing is created for a refused tenant"


@pytest.mark.parametrize("good", ["acme", "Acme-EU_2", "7", "a" * 63])
def test_good_tenant_ids_pass_everywhere(good):
    from bosco_connectors.framework.tenants import check_tenant_id

    assert check_tenant_id(good) == good


# -- 11. pagination that never ends, streams and runs that never end -------------------------


def _walk(body, fn):
    if isinstance(body, dict):
        fn(body)
        for value in list(body.values()):
            _walk(value, fn)
    elif isinstance(body, list):
        for value in body:
            _walk(value, fn)
    return body


def _echo_first(mutate, key=lambda body: "all"):
    """Answer every later page with the first one (after `mutate`): an API stuck on one page."""
    first: dict = {}

    def fn(body):
        k = key(body)
        if k not in first:
            first[k] = _walk(body, mutate)
        return first[k]

    return fn


def _more_pages(d):  # Shopify's pageInfo and Meta's paging: always another page
    if "hasNextPage" in d:
        d["hasNextPage"] = True
    if "cursors" in d and isinstance(d["cursors"], dict):
        d.setdefault("next", "http://graph.invalid/next")


def _million_pages(d):  # TikTok's page_info: a million pages
    if "page_info" in d:
        d["page_info"]["total_page"] = 1_000_000


def _connection(body):
    return next(iter((body.get("data") or {}) if isinstance(body, dict) else {}), None)


LOOPS = {
    "shopify": ("graphql", lambda: _echo_first(_more_pages, _connection), "pagination loop: the API answered cursor="),
    "facebook_ads": ("campaigns", lambda: _echo_first(_more_pages), "sent us back to a page already read (after cursor"),
    "tiktok_ads": ("campaign/get", lambda: _echo_first(_million_pages), "with the same records as the page before"),
}


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_a_repeated_next_cursor_fails_the_stream_instead_of_looping(name, tmp_path, fast_clients):
    connector = get_connector(name)
    fast_clients(connector, attempts=1, timeout=2.0)
    path, make, message = LOOPS[name]
    fn = make()
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)]) as api:
        config = sandbox_config(api, connector)
        if name == "shopify":
            config["bulk_threshold_days"] = 3650  # paged queries, not a bulk export
        api.transform(fn, path_contains=path)
        result = sync_into(tmp_path / "l.duckdb", tmp_path / "p", connector, config)
        requests = len(api.requests)
    assert not result.ok and "pagination loop" in result.error and message in result.error, result.failure_line
    assert requests < 200, f"{requests} requests: the loop was followed"


def test_a_stream_past_its_deadline_fails_and_loads_nothing(tmp_path, fast_clients):
    connector = get_connector("tiktok_ads")
    fast_clients(connector, attempts=1, timeout=2.0)
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)], latency=0.2) as api:
        config = {**sandbox_config(api, connector), "stream_deadline_minutes": 0.002, "max_workers": 1}
        result = sync_into(tmp_path / "d.duckdb", tmp_path / "p", connector, config)
    assert not result.ok and "deadline of 0.002 minutes passed" in result.error, result.failure_line
    from .helpers import pending_packages

    assert not pending_packages(tmp_path / "p", "bosco__t__tiktok_ads")


def test_a_run_past_its_deadline_stops_its_streams(tmp_path, fast_clients):
    from bosco_connectors.framework.deadline import set_run_deadline

    connector = get_connector("tiktok_ads")
    fast_clients(connector, attempts=1, timeout=2.0)
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)], latency=0.2) as api:
        set_run_deadline(0.002)
        try:
            result = sync_into(tmp_path / "d.duckdb", tmp_path / "p", connector, sandbox_config(api, connector))
        finally:
            set_run_deadline(None)
    assert not result.ok and "the run's deadline of 0.002 minutes passed" in result.error, result.failure_line


# -- 12. a small body that inflates without end ---------------------------------------------


class _Bomb:
    """Serves gzip that inflates a thousand-fold (a few KB on the wire, megabytes decoded)."""

    prefix = "bomb"

    def __init__(self, megabytes: int) -> None:
        import gzip

        self.body = gzip.compress(b"[" + b" " * (megabytes * 2**20) + b"]", compresslevel=9)

    def handle(self, request):
        return FakeResponse(200, self.body, {"Content-Type": "application/json", "Content-Encoding": "gzip"})


def test_a_decompression_bomb_is_refused_without_inflating_it():
    import tracemalloc

    from bosco_connectors.framework.errors import ResponseFormatError

    bomb = _Bomb(64)
    assert len(bomb.body) < 200_000
    with FakeApi([bomb]) as api:
        client = ApiClient("bomb", api.url("bomb"), retry=RetryPolicy(max_attempts=3), max_response_bytes=8 * 2**20)
        tracemalloc.start()
        try:
            with pytest.raises(ResponseFormatError) as info:
                client.get("report", stream="daily")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        attempts = len(api.requests)
    assert "passed 8 MB once decoded (Content-Encoding gzip)" in str(info.value)
    assert attempts == 1, "the same answer would come again: not retried"
    assert peak < 24 * 2**20, f"{peak / 2**20:.0f} MB held while refusing it"


def test_large_downloads_go_to_disk_and_are_capped_too():
    import tracemalloc

    from bosco_connectors.framework.errors import ResponseFormatError

    with FakeApi([_Bomb(48)]) as api:
        client = ApiClient("bomb", api.url("bomb"), retry=RetryPolicy(max_attempts=1), max_download_bytes=64 * 2**20)
        tracemalloc.start()
        try:
            with client.download_file(api.url("bomb") + "/export.json", stream="daily") as file:
                size = file.seek(0, 2)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        client.max_download_bytes = 16 * 2**20
        with pytest.raises(ResponseFormatError) as info:
            client.download_file(api.url("bomb") + "/export.json", stream="daily")
    assert size == 48 * 2**20 + 2
    assert peak < 24 * 2**20, f"a 48 MB file held {peak / 2**20:.0f} MB in memory"
    assert "BOSCO_MAX_DOWNLOAD_MB" in str(info.value)


# -- 13. a report job that was never started ------------------------------------------------------


def test_a_report_job_without_an_id_fails_at_once(tmp_path, fast_clients):
    connector = get_connector("facebook_ads")
    fast_clients(connector, attempts=1, timeout=2.0)
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)]) as api:
        api.transform(lambda body: {} if isinstance(body, dict) and "report_run_id" in body else body, path_contains="insights")
        result = sync_into(tmp_path / "j.duckdb", tmp_path / "p", connector, sandbox_config(api, connector))
        polls = [r for r in api.requests if r.method == "GET" and r.path.strip("/") in ("None", "null", "")]
    assert not result.ok and "started no job" in result.error, result.failure_line
    assert not polls, "nothing is polled for a job that has no id"


def test_bosco_sync_run_stops_at_its_deadline(tmp_path, monkeypatch):
    """`--deadline-minutes`: the sync in progress fails naming the deadline, the next never starts."""
    from typer.testing import CliRunner

    from bosco_connectors.cli.app import app

    from .helpers import write_project

    connector = get_connector("tiktok_ads")
    with FakeApi([app_for(connector, seed=WORLD_SEED, **WORLD)], latency=0.3) as api:
        env: dict[str, str] = {}
        config = sandbox_config(api, connector)
        project = write_project(tmp_path / "bosco.toml", [("acme", connector, config), ("beta", connector, config)],
                                duckdb_path=tmp_path / "w.duckdb", env=env)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        result = CliRunner().invoke(app, ["run", "--config", str(project), "--state-dir", str(tmp_path / "h"), "--deadline-minutes", "0.005"])
    assert result.exit_code == 1, result.output
    failures = [line for line in result.stderr.splitlines() if line.startswith("FAILED")]
    assert any("tenant=acme" in line and "the run's deadline of 0.005 minutes passed" in line for line in failures), failures
    assert any("tenant=beta" in line and "not started: the run's deadline" in line for line in failures), failures
