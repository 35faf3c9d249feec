"""Tenant isolation: same object ids, same tables, same destination; nothing crosses over.

Two tenants read two fake APIs built from the same world seed, so every campaign, ad,
order and customer id is the same for both; only their date ranges differ (tenant
`early` ends three days before tenant `late`), which makes each tenant's rows and
cursors distinguishable. Both are synced by one ``bosco-sync run`` into one DuckDB.
If any merge key lacked ``tenant_id``, or any state were shared, one tenant's load
would delete or overwrite the other's rows, or move its cursors. Each tenant's rows
must equal a clean single-tenant sync of its own world, and resetting one tenant's
state must leave the other's cursors and everybody's rows untouched.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bosco_connectors.cli.app import app
from bosco_connectors.framework.registry import get_connector
from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
from bosco_connectors.sync import pipeline_name

from .helpers import (
    END,
    as_tenant,
    WORLD_SEED,
    clean_run,
    committed_cursors,
    diff,
    duplicate_keys,
    sandboxed_names,
    snapshot,
    write_project,
)

LATE, EARLY = "late", "early"
EARLY_END = END - timedelta(days=3)
CORE = ("tiktok_ads", "shopify")


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _isolation(names: tuple[str, ...], tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    connectors = [get_connector(n) for n in names]
    apis = {
        LATE: FakeApi([app_for(c, seed=WORLD_SEED, size="tiny", end_date=END) for c in connectors]).start(),
        EARLY: FakeApi([app_for(c, seed=WORLD_SEED, size="tiny", end_date=EARLY_END) for c in connectors]).start(),
    }
    try:
        env: dict[str, str] = {}
        db, home = tmp_path / "shared.duckdb", tmp_path / "home"
        jobs = [(tenant, c, sandbox_config(apis[tenant], c)) for tenant in (LATE, EARLY) for c in connectors]
        project = write_project(tmp_path / "bosco.toml", jobs, duckdb_path=db, env=env)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        base = ["--config", str(project), "--state-dir", str(home)]

        result = _invoke("run", *base, "--json")
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.stdout)["syncs"]) == 2 * len(names)

        expected = {
            LATE: {n: as_tenant(clean_run(n, root, END).rows, LATE) for n in names},
            EARLY: {n: as_tenant(clean_run(n, root, EARLY_END).rows, EARLY) for n in names},
        }
        cursors = {LATE: {n: clean_run(n, root, END).cursors for n in names},
                   EARLY: {n: clean_run(n, root, EARLY_END).cursors for n in names}}

        def check(note: str, reset: tuple[str, str] | None = None) -> None:
            for tenant in (LATE, EARLY):
                for n in names:
                    rows = snapshot(db, prefixes=[n], tenant=tenant)
                    problems = diff(expected[tenant][n], rows)
                    assert not problems, f"{note}: {tenant}/{n} rows differ from its own clean sync: {problems}"
                    saved = committed_cursors(db, pipeline_name(tenant, n), n)
                    if (tenant, n) != reset:
                        assert saved == cursors[tenant][n], f"{note}: {tenant}/{n} cursors moved"
            for c in connectors:
                assert not duplicate_keys(db, c), note

        # The two worlds share ids but not dates: their rows and cursors must differ.
        for n in names:
            assert expected[LATE][n] != as_tenant(expected[EARLY][n], LATE)
        assert any(cursors[LATE][n] != cursors[EARLY][n] for n in names)
        check("after the first run")

        # Resetting one tenant's state forgets its cursors only.
        first = names[0]
        reset = _invoke("state", "reset", "--tenant", LATE, "--source", first, "--yes", *base)
        assert reset.exit_code == 0 and "cursors forgotten" in reset.stdout, reset.output
        shown = json.loads(_invoke("state", "show", *base, "--json").stdout)
        by_key = {(r["tenant"], r["source"], r["stream"]): r["last_value"] for r in shown if r["cursor"]}
        assert all(v is None for (t, s, _), v in by_key.items() if (t, s) == (LATE, first)), by_key
        assert all(v is not None for (t, s, _), v in by_key.items() if (t, s) != (LATE, first)), by_key
        check("after resetting one tenant", reset=(LATE, first))

        # ...and its next run re-reads from start_date into the same rows, nobody else's.
        assert _invoke("run", first, *base, "--tenant", LATE).exit_code == 0
        check("after the reset tenant's next run")
    finally:
        for api in apis.values():
            api.stop()


def test_two_tenants_with_the_same_ids_never_touch_each_other(tmp_path, tmp_path_factory, monkeypatch):
    _isolation(tuple(n for n in CORE if n in sandboxed_names()), tmp_path, tmp_path_factory.getbasetemp(), monkeypatch)


@pytest.mark.slow
def test_two_tenants_every_source(tmp_path, tmp_path_factory, monkeypatch):
    _isolation(tuple(sandboxed_names()), tmp_path, tmp_path_factory.getbasetemp(), monkeypatch)


def test_child_rows_of_fields_no_contract_declares_carry_their_tenant(tmp_path):
    """A vendor list of objects the contract does not model still becomes a dlt child table on dict
    rows (`arrow=False`, or a dataset an earlier version loaded): every row of it names its tenant
    (the kit checks every table of a sync). Arrow streams keep such a list as JSON text in its row."""
    import dlt
    import duckdb
    from pydantic import SecretStr

    from bosco_connectors.framework import ApiClient, Connector, Contract, FullRefresh, RestStream, RetryPolicy, SourceConfig, bearer
    from bosco_connectors.sandbox import FakeApi, FakeResponse
    from bosco_connectors.sync import build_source

    class Offers:
        prefix = "offers"

        def handle(self, request):
            return FakeResponse.json({"offers": [{"id": "1", "terms": [{"rate": "5%"}, {"rate": "7%"}]}]})

    class Offer(Contract):
        id: str

    class Config(SourceConfig):
        token: SecretStr

    connector = Connector(
        name="offers", title="Offers", api_version="v1", docs_url="https://example.invalid", category="test", config_model=Config,
        client_factory=lambda c: ApiClient("offers", c.base_url, auth=bearer(c.token), retry=RetryPolicy(max_attempts=1)),
        streams=[RestStream(name="offers", path="offers", records="offers", contract=Offer, primary_key=("id",), cursor=FullRefresh("test"), arrow=False)],
    )
    db = tmp_path / "o.duckdb"
    with FakeApi([Offers()]) as api:
        for tenant in ("acme", "globex"):
            pipeline = dlt.pipeline(f"o_{tenant}", destination=dlt.destinations.duckdb(str(db)), dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
            source, _ = build_source(connector, {"token": "t" * 12, "base_url": api.url("offers")}, tenant_id=tenant)
            pipeline.run(source)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select tenant_id, count(*) from raw.offers_offers__terms group by 1 order by 1").fetchall() == [("acme", 2), ("globex", 2)]


def test_child_rows_of_a_list_of_plain_values_carry_their_tenant(tmp_path):
    """A list of strings (Microsoft's FinalUrls) is a dlt child table of ``value`` rows: each names its tenant too."""
    import dlt
    import duckdb
    from pydantic import SecretStr

    from bosco_connectors.framework import ApiClient, Connector, Contract, FullRefresh, RestStream, RetryPolicy, SourceConfig, bearer
    from bosco_connectors.sandbox import FakeApi, FakeResponse
    from bosco_connectors.sync import build_source

    class Ads:
        prefix = "ads"

        def handle(self, request):
            return FakeResponse.json({"Ads": [{"Id": "1", "FinalUrls": ["https://www.contoso.com/a", "https://www.contoso.com/b"]}]})

    class Ad(Contract):
        Id: str

    class Config(SourceConfig):
        token: SecretStr

    connector = Connector(
        name="urls", title="Urls", api_version="v1", docs_url="https://example.invalid", category="test", config_model=Config,
        client_factory=lambda c: ApiClient("urls", c.base_url, auth=bearer(c.token), retry=RetryPolicy(max_attempts=1)),
        streams=[RestStream(name="ads", path="ads", records="Ads", contract=Ad, primary_key=("Id",), cursor=FullRefresh("test"), arrow=False)],
    )
    db = tmp_path / "u.duckdb"
    with FakeApi([Ads()]) as api:
        for tenant in ("acme", "globex"):
            pipeline = dlt.pipeline(f"u_{tenant}", destination=dlt.destinations.duckdb(str(db)), dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
            source, _ = build_source(connector, {"token": "t" * 12, "base_url": api.url("ads")}, tenant_id=tenant)
            pipeline.run(source)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select tenant_id, value from raw.urls_ads__final_urls order by 1, 2").fetchall()
    assert rows == [(t, f"https://www.contoso.com/{x}") for t in ("acme", "globex") for x in "ab"]


def test_lists_nested_in_objects_carry_their_tenant_and_declared_json_stays_as_sent(tmp_path):
    """A list of plain values nested in an object (Stripe's ``settings.invoices.default_account_tax_ids``)
    is a dlt child table of ``value`` rows: each names its tenant too. An object the contract
    declares (``metadata: dict``) is one JSON column: it stays as the vendor sent it."""
    from typing import Any

    import dlt
    import duckdb
    from pydantic import SecretStr

    from bosco_connectors.framework import ApiClient, Connector, Contract, FullRefresh, RestStream, RetryPolicy, SourceConfig, bearer
    from bosco_connectors.sandbox import FakeApi, FakeResponse
    from bosco_connectors.sync import build_source

    class People:
        prefix = "people"

        def handle(self, request):
            return FakeResponse.json({"people": [{"id": "1", "locales": ["en", "fr"], "settings": {"tax_ids": ["t1"]},
                                                  "meta": {"tags": ["a"], "rows": [{"k": 1}]}}]})

    class Person(Contract):
        id: str
        meta: dict[str, Any] | None = None

    class Config(SourceConfig):
        token: SecretStr

    connector = Connector(
        name="people", title="People", api_version="v1", docs_url="https://example.invalid", category="test", config_model=Config,
        client_factory=lambda c: ApiClient("people", c.base_url, auth=bearer(c.token), retry=RetryPolicy(max_attempts=1)),
        streams=[RestStream(name="people", path="people", records="people", contract=Person, primary_key=("id",), cursor=FullRefresh("test"), arrow=False)],
    )
    db = tmp_path / "p.duckdb"
    with FakeApi([People()]) as api:
        for tenant in ("acme", "globex"):
            pipeline = dlt.pipeline(f"p_{tenant}", destination=dlt.destinations.duckdb(str(db)), dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
            source, _ = build_source(connector, {"token": "t" * 12, "base_url": api.url("people")}, tenant_id=tenant)
            pipeline.run(source)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select tenant_id, string_agg(value, ',' order by value) from raw.people_people__locales "
                           "group by 1 order by 1").fetchall() == [("acme", "en,fr"), ("globex", "en,fr")]
        assert con.execute("select tenant_id, value from raw.people_people__settings__tax_ids order by 1").fetchall() == [
            ("acme", "t1"), ("globex", "t1")]
        assert con.execute("select distinct cast(meta as varchar) from raw.people_people").fetchall() == [
            ('{"tags":["a"],"rows":[{"k":1}]}',)]
