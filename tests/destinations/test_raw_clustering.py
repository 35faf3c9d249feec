"""Snowflake clusters daily report tables by (day, tenant_id) through dlt's ``cluster`` hint;
entity tables stay unclustered. The DDL is dlt's own, rendered without a connection."""

from __future__ import annotations

import pytest
from dlt.common.schema import Schema
from dlt.destinations import snowflake

from bosco_connectors.framework.registry import get_connector
from bosco_connectors.framework.resources import build_resources


def _snowflake_ddl(source: str, config: dict, streams: list[str]) -> dict[str, tuple[str, str]]:
    """Each stream's CREATE TABLE and its ALTER TABLE (a later schema change), as dlt renders them."""
    connector = get_connector(source)
    resources = build_resources(connector, connector.config_model(**config), tenant_id="acme", only=streams)
    schema = Schema(source)
    for resource in resources:
        schema.update_table(resource.compute_table_schema())
    destination = snowflake(credentials="snowflake://loader:unused@example-account/analytics")
    client = destination.client(schema, destination.spec()._bind_dataset_name(dataset_name="raw"))
    out = {}
    for resource in resources:
        table = resource.table_name
        columns = list(schema.get_table_columns(table).values())
        create = " ".join(client._get_table_update_sql(table, columns, False))
        alter = " ".join(client._get_table_update_sql(table, columns[-1:], True))
        out[resource.name] = (create, alter)
    return out


def test_daily_reports_cluster_by_day_then_tenant_and_entities_do_not() -> None:
    ddl = _snowflake_ddl("tiktok_ads", {"access_token": "x", "advertiser_ids": ["1"]}, ["report_ad_daily", "ads"])
    create, alter = ddl["report_ad_daily"]
    assert create.rstrip().endswith('CLUSTER BY ("STAT_TIME_DAY","TENANT_ID")')
    # dlt re-states the key when it alters the table (a new column), rather than dropping it.
    assert 'CLUSTER BY ("STAT_TIME_DAY","TENANT_ID")' in alter and "DROP CLUSTERING KEY" not in alter
    assert "CLUSTER BY" not in ddl["ads"][0]


@pytest.mark.parametrize("source, config, stream, day", [
    ("google_ads", {"client_id": "c", "client_secret": "s", "refresh_token": "r", "customer_ids": ["1234567890"]},
     "campaign_daily", "date"),
    ("shopify", {"shop": "acme", "access_token": "x"}, "orders", None),
])
def test_other_sources_follow_their_cursor(source: str, config: dict, stream: str, day: str | None) -> None:
    connector = get_connector(source)
    fields = set(connector.config_model.model_fields)
    config = {k: v for k, v in config.items() if k in fields}
    create, _ = _snowflake_ddl(source, config, [stream])[stream]
    if day is None:
        assert "CLUSTER BY" not in create
    else:
        assert f'CLUSTER BY ("{day.upper()}","TENANT_ID")' in create


def test_only_the_day_and_the_tenant_are_hinted_and_they_lead_the_table() -> None:
    """dlt orders ``CLUSTER BY`` as the table's columns; DuckDB ignores the hint (every source's
    kit loads its report tables there)."""
    connector = get_connector("tiktok_ads")
    resource = build_resources(connector, connector.config_model(access_token="x", advertiser_ids=["1"]),
                               tenant_id="acme", only=["report_ad_daily"])[0]
    assert list(resource.columns)[:2] == ["stat_time_day", "tenant_id"]
    assert resource.columns["stat_time_day"]["cluster"] and resource.columns["tenant_id"]["cluster"]
    assert not any(c.get("cluster") for name, c in resource.columns.items() if name not in ("stat_time_day", "tenant_id"))
