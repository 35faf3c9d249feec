"""A record deleted at the vendor leaves the raw table, and the unified fact, on the next sync.

A toy CRM ("dcrm") reports deletions both ways a vendor does: a soft-delete flag on a
changed record (``archived: true``) and a list of deleted records (``/leads/deleted``).
Two tenants share the tables; only the tenant whose vendor deleted a record loses a row.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from pydantic import SecretStr

from bosco_connectors.framework import ApiClient, Connector, Contract, Cursor, PageNumber, RateLimit, RestStream, RetryPolicy, SourceConfig, bearer
from bosco_connectors.framework.deletions import DELETED, DeletedRecords, SoftDelete, flag
from bosco_connectors.framework.facts import COUNT, Const, DayOf, Maps
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.sandbox import FakeApi, FakeRequest, FakeResponse
from bosco_connectors.sync import SyncJob, run_sync
from tests.sources.replayed import registered

NOW = datetime.now(timezone.utc).replace(microsecond=0)
OLD = NOW - timedelta(days=40)  # long before the saved cursor: a deleted-records list is not filtered by it


class CrmApp:
    """Leads per tenant token; ``changed`` is what the updated-since list answers, ``deleted`` the deleted list."""

    prefix = "dcrm"

    def __init__(self) -> None:
        self.leads: dict[str, list[dict[str, Any]]] = {}
        self.deleted: dict[str, list[dict[str, Any]]] = {}

    def handle(self, req: FakeRequest) -> FakeResponse:
        token = (req.header("authorization") or "").removeprefix("Bearer ")
        if req.path == "/leads":
            rows = self.leads.get(token, [])
        elif req.path == "/leads/deleted":
            rows = self.deleted.get(token, [])
        else:
            return FakeResponse.json({"error": "not found"}, 404)
        page, size = int(req.arg("page", "1")), 2
        return FakeResponse.json({"data": rows[(page - 1) * size: page * size], "pages": max(1, -(-len(rows) // size))})


def lead(id: str, when: datetime, archived: bool = False) -> dict[str, Any]:
    return {"id": id, "created": when.isoformat(), "updated": when.isoformat(), "archived": archived}


class Lead(Contract):
    id: str
    created: datetime
    updated: datetime
    archived: bool


class CrmConfig(SourceConfig):
    token: SecretStr


def crm(arrow: bool) -> Connector:
    paged = lambda: PageNumber(page_size=2, total_pages_path="pages")  # noqa: E731
    return Connector(
        name="dcrm", title="Deleting CRM", api_version="v1", docs_url="https://example.invalid/docs", category="crm",
        config_model=CrmConfig,
        client_factory=lambda cfg: ApiClient("dcrm", cfg.base_url, auth=bearer(cfg.token), rate_limit=RateLimit(2, None),
                                             retry=RetryPolicy(max_attempts=2, initial_wait=0.01, max_wait=0.02)),
        streams=[RestStream(
            name="leads", path="leads", paginator=paged, contract=Lead, primary_key=("id",), arrow=arrow,
            records=Records("data", formats={"created": ISO_DATETIME, "updated": ISO_DATETIME}),
            cursor=Cursor("updated", kind="datetime", lookback=timedelta(hours=1), initial=OLD - timedelta(days=1)),
            deleted=(SoftDelete("archived"), DeletedRecords(path="leads/deleted")),
            unified=Maps("crm_funnel_daily", date=DayOf("created", Const("UTC")), leads_created=COUNT),
        )],
        sandbox=None,
    )


def sync(tmp: Path, api: FakeApi, connector: Connector, tenant: str) -> None:
    config = {"token": f"token-{tenant}", "base_url": api.url("dcrm"), "start_date": (NOW - timedelta(days=60)).date()}
    with registered(connector):
        result = run_sync(SyncJob(tenant, "dcrm", config), destination=dlt.destinations.duckdb(str(tmp / "x.duckdb")),
                          pipelines_dir=tmp / "p", connector=connector)
    assert result.ok, result.failure_line


def build(tmp: Path, connector: Connector) -> None:
    from bosco_connectors.recipes.runner import build as build_recipes

    with registered(connector), duckdb.connect(str(tmp / "x.duckdb")) as con:
        built = build_recipes(con, select=["stg_dcrm__crm_funnel_daily"])  # and the fact built from it
        assert built.ok, [m.line() for m in built.models if m.status != "built"]


def rows(tmp: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize("arrow", [False, True], ids=["dicts", "arrow"])
def test_a_record_deleted_at_the_vendor_leaves_the_raw_table_and_the_fact(tmp_path: Path, arrow: bool) -> None:
    app = CrmApp()
    connector = crm(arrow)
    day_a, day_b = OLD - timedelta(hours=2), NOW - timedelta(days=3)
    app.leads["token-a"] = [lead("1", day_a), lead("2", day_a), lead("3", day_b)]
    app.leads["token-b"] = [lead("1", day_a), lead("2", day_a), lead("3", day_b)]
    with FakeApi([app]) as api:
        sync(tmp_path, api, connector, "a")
        sync(tmp_path, api, connector, "b")
        build(tmp_path, connector)
        assert rows(tmp_path, "select tenant_id, count(*) from raw.dcrm_leads group by 1 order by 1") == [("a", 3), ("b", 3)]
        facts = "select tenant_id, date, leads_created from analytics.fct_crm_funnel_daily order by 1, 2"
        assert rows(tmp_path, facts) == [("a", day_a.date(), 2), ("a", day_b.date(), 1),
                                         ("b", day_a.date(), 2), ("b", day_b.date(), 1)]

        # Tenant a's vendor archives lead 2 (a change, flagged) and deletes lead 3 (listed as deleted,
        # with its old updated-at: before the saved cursor, still applied).
        app.leads["token-a"] = [lead("2", day_a, archived=False) | {"updated": NOW.isoformat(), "archived": True}]
        app.deleted["token-a"] = [lead("3", OLD)]
        sync(tmp_path, api, connector, "a")
        build(tmp_path, connector)

    assert rows(tmp_path, "select tenant_id, id from raw.dcrm_leads order by 1, 2") == [("a", "1"), ("b", "1"), ("b", "2"), ("b", "3")]
    assert rows(tmp_path, f"select count(*) from raw.dcrm_leads where {DELETED}") == [(0,)]
    assert rows(tmp_path, facts) == [("a", day_a.date(), 1), ("b", day_a.date(), 2), ("b", day_b.date(), 1)]


def test_a_soft_delete_field_decides_by_its_type_or_its_values() -> None:
    import pyarrow as pa

    archived, deleted_at, status = SoftDelete("archived"), SoftDelete("deleted_at"), SoftDelete("status", values=("DELETED",))
    assert archived.flags([{"archived": True}, {"archived": False}, {}]) == [True, False, False]
    assert deleted_at.flags([{"deleted_at": "2026-11-01T00:00:00Z"}, {"deleted_at": None}, {"deleted_at": ""}]) == [True, False, False]
    assert status.flags([{"status": "DELETED"}, {"status": "ACTIVE"}]) == [True, False]
    table = pa.table({"archived": pa.array([True, None, False]), "deleted_at": pa.array([None, "2026-11-01", ""]),
                      "status": ["DELETED", "PAUSED", None]})
    assert flag(table, archived, False).column(DELETED).to_pylist() == [True, False, False]
    assert flag(table, deleted_at, False).column(DELETED).to_pylist() == [False, True, False]
    assert flag(table, status, False).column(DELETED).to_pylist() == [True, False, False]
    assert flag(table, status, True).column(DELETED).to_pylist() == [True, True, True]
    assert flag([{"status": "ACTIVE"}], None, False) == [{"status": "ACTIVE", DELETED: False}]
