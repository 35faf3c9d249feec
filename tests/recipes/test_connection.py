"""The runner's connection protocol: a dlt sql_client, a duckdb connection, DB-API, a callable."""

from __future__ import annotations

from pathlib import Path

import dlt
import duckdb
import pytest

from bosco_connectors.destinations import get_destination
from bosco_connectors.recipes import as_executor, build, dialect_of, run_tests

from . import rawdata

DLT_TYPES = {"varchar": "text", "double": "double", "bigint": "bigint", "date": "date", "timestamptz": "timestamp", "boolean": "bool", "decimal(38, 9)": "decimal"}


def test_build_through_a_dlt_sql_client_on_tables_dlt_loaded(isolated_dlt: Path) -> None:
    """Raw tables as dlt really creates them (types inferred, _dlt columns), built via sql_client."""
    pipeline = dlt.pipeline(
        "recipes_via_dlt",
        destination=get_destination("duckdb", path=str(isolated_dlt / "bosco.duckdb")),
        dataset_name="raw",
        pipelines_dir=str(isolated_dlt / "pipelines"),
    )
    tables = {
        "tiktok_ads_advertisers": (rawdata.ADVERTISERS_COLUMNS, rawdata.as_dicts(rawdata.ADVERTISERS_COLUMNS, rawdata.ADVERTISERS)),
        "tiktok_ads_report_campaign_daily": (rawdata.REPORT_COLUMNS, rawdata.as_dicts(rawdata.REPORT_COLUMNS, rawdata.REPORT)),
        "shopify_orders": (rawdata.ORDERS_COLUMNS, [{k: v for k, v in o.items() if not k.startswith("_dlt")} for o in rawdata.ORDERS]),
        "shopify_shop": (rawdata.SHOP_COLUMNS, rawdata.SHOPS),
    }
    # Typed columns, as the sources' contracts give dlt (all-NULL columns still exist).
    resources = [
        dlt.resource(
            rows,
            name=table,
            columns={c: {"data_type": DLT_TYPES[t], "nullable": True} for c, t in columns.items() if not c.startswith("_dlt")},
        )
        for table, (columns, rows) in tables.items()
    ]
    pipeline.run(resources, loader_file_format="parquet")
    with pipeline.sql_client() as client:
        assert dialect_of(client) == "duckdb"
        result = build(client)
        assert result.ok, result.as_dict()
        for name in ("stg_tiktok_ads__campaign_daily", "fct_campaign_performance", "daily_campaign_summary", "shopify_daily_revenue", "daily_marketing_efficiency"):
            assert result.get(name).status == "built", name
        assert run_tests(client, build_result=result, today=rawdata.LAST_DAY) == []
        spend = float(client.execute_sql("select sum(spend) from analytics.fct_campaign_performance")[0][0])
        # the incremental path (fingerprints, DELETE + INSERT in a transaction) through the same client
        client.execute_sql(
            "insert into raw.tiktok_ads_report_campaign_daily (tenant_id, advertiser_id, campaign_id, campaign_name, stat_time_day, spend, _dlt_load_id, _dlt_id)"
            " values ('acme', '7001', '1701', 'Spring Sale', DATE '2026-11-03', 7.5, '1', 'x')"
        )
        again = build(client)
        assert again.get("fct_campaign_performance").mode == "incremental"
        assert again.get("fct_campaign_performance").dates == [rawdata.D3]
        spend_after = float(client.execute_sql("select sum(spend) from analytics.fct_campaign_performance")[0][0])
    assert spend == pytest.approx(sum(r[5] for r in rawdata.REPORT))
    assert spend_after == pytest.approx(spend + 7.5)
    revenue = {(t, d.isoformat(), c): v["net_revenue"] for (t, d, c), v in rawdata.expected_shopify_revenue().items()}
    with duckdb.connect(str(isolated_dlt / "bosco.duckdb"), read_only=True) as conn:
        got = conn.execute("select tenant_id, strftime(date, '%Y-%m-%d'), currency, net_revenue from analytics.shopify_daily_revenue").fetchall()
    assert {(t, d, c): pytest.approx(v) for t, d, c, v in got} == revenue


class _DbApiConnection:
    """A minimal DB-API connection over DuckDB, like snowflake.connector's shape."""

    def __init__(self) -> None:
        self.db = duckdb.connect()
        self.statements: list[str] = []

    def cursor(self) -> "_DbApiConnection._Cursor":
        return self._Cursor(self)

    class _Cursor:
        def __init__(self, owner: "_DbApiConnection") -> None:
            self.owner, self.description, self._rows = owner, None, []

        def execute(self, sql: str) -> None:
            self.owner.statements.append(sql)
            result = self.owner.db.execute(sql)
            self.description = result.description
            self._rows = result.fetchall() if result.description else []

        def fetchall(self) -> list[tuple]:
            return self._rows

        def close(self) -> None:
            pass


def test_db_api_connections_and_callables_are_accepted() -> None:
    conn = _DbApiConnection()
    rawdata.load_raw(as_executor(conn), shopify=False, ga4=False)
    result = build(conn, select=["fct_campaign_performance"])
    assert result.get("fct_campaign_performance").rows == len(rawdata.REPORT)
    # every statement is sent on its own (Snowflake's connector runs one per call)
    assert all(";" not in s.rstrip(";") for s in conn.statements)

    seen: list[str] = []

    def execute(sql: str) -> list[tuple]:
        seen.append(sql)
        return conn.db.execute(sql).fetchall()

    assert build(execute, select=["stg_tiktok_ads__campaign_daily"], full_refresh=True).ok
    assert any(s.startswith("CREATE OR REPLACE TABLE analytics.stg_tiktok_ads__campaign_daily") for s in seen)


def test_unknown_connection_type_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="duckdb connection, a dlt sql_client"):
        as_executor(42)


def test_dialect_guess() -> None:
    assert dialect_of(duckdb.connect()) == "duckdb"
    assert dialect_of(_DbApiConnection()) == "duckdb"
