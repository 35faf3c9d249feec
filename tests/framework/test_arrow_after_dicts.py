"""An entity stream moved to Arrow: what a new dataset gets, and what a dataset an earlier
version loaded from dict rows keeps (`children.loads_as_dicts`).

Dict rows: dlt makes an undeclared list a nested table and a contract field typed as an object a
``json`` column. Arrow batches carry both as JSON text (`arrow.dlt_columns`); a dataset that
already holds either keeps loading dict rows, so nothing it has changes shape under its users.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

from bosco_connectors.framework import Contract, FullRefresh, Id, RestStream
from bosco_connectors.framework.connector import Connector, SourceConfig
from bosco_connectors.framework.resources import stream_resource


class Charge(Contract):
    id: Id
    created: datetime
    metadata: dict[str, Any] | None = None


PAGE = [{"id": "ch_1", "created": datetime(2026, 1, 1, tzinfo=timezone.utc), "metadata": {"order_id": "o-1"},
         "refund_ids": ["re_1", "re_2"]},
        {"id": "ch_2", "created": datetime(2026, 1, 2, tzinfo=timezone.utc), "metadata": None, "refund_ids": []}]


class Plain(Contract):
    id: Id
    created: datetime


class Listed(RestStream):
    def read(self, ctx):  # noqa: ANN001 - the toy's one page, whatever the window
        yield [dict(r) for r in PAGE]


def toy(arrow: bool, contract: type[Contract] = Charge) -> tuple[Connector, RestStream]:
    stream = Listed(name="charges", path="charges", contract=contract, primary_key=("id",), cursor=FullRefresh("toy"),
                    arrow=arrow)
    connector = Connector(name="toy", title="Toy", api_version="1", docs_url="", category="payments",
                          config_model=SourceConfig, client_factory=lambda _c: None, streams=[stream])  # type: ignore[arg-type,return-value]
    return connector, stream


def sync(tmp_path: Path, arrow: bool, tenant: str = "t", contract: type[Contract] = Charge) -> dlt.Pipeline:
    connector, stream = toy(arrow, contract)
    resource = stream_resource(connector, stream, client=None, config=SourceConfig(start_date="2020-01-01"),  # type: ignore[arg-type]
                               tenant_id=tenant)
    pipeline = dlt.pipeline(pipeline_name=f"toy_{tenant}", destination=dlt.destinations.duckdb(str(tmp_path / "t.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    pipeline.run(dlt.source(lambda: [resource], name="toy")(), loader_file_format="parquet")
    return pipeline


def rows(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def warnings(caplog):
    with caplog.at_level(logging.WARNING):
        yield caplog


def dlt_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("dlt")]


def test_a_new_dataset_gets_objects_and_lists_as_json_text_and_dlt_warns_nothing(tmp_path, warnings):
    pipeline = sync(tmp_path, arrow=True)
    columns = pipeline.default_schema.tables["toy_charges"]["columns"]
    assert columns["metadata"]["data_type"] == "text" and columns["refund_ids"]["data_type"] == "text"
    assert "toy_charges__refund_ids" not in pipeline.default_schema.tables
    assert dlt_warnings(warnings) == []  # a json hint on a text column warned once per batch
    loaded = dict(rows(tmp_path, "select id, json_extract_string(metadata, '$.order_id') from raw.toy_charges"))
    assert loaded == {"ch_1": "o-1", "ch_2": None}
    assert [json.loads(v) for (v,) in rows(tmp_path, "select refund_ids from raw.toy_charges order by id")] == [
        ["re_1", "re_2"], []]


def test_a_dataset_loaded_from_dict_rows_keeps_its_nested_table_and_json_column(tmp_path, warnings):
    sync(tmp_path, arrow=False)
    before = rows(tmp_path, "select value from raw.toy_charges__refund_ids order by value")
    pipeline = sync(tmp_path, arrow=True)
    assert "loading dict rows as before" in warnings.text
    assert "toy_charges__refund_ids" in warnings.text and "toy_charges.metadata (json)" in warnings.text
    assert dlt_warnings(warnings) == []
    assert pipeline.default_schema.tables["toy_charges"]["columns"]["metadata"]["data_type"] == "json"
    assert "refund_ids" not in pipeline.default_schema.tables["toy_charges"]["columns"]
    assert rows(tmp_path, "select count(*) from raw.toy_charges") == [(2,)]  # merged, not doubled
    assert before == rows(tmp_path, "select value from raw.toy_charges__refund_ids order by value") == [("re_1",), ("re_2",)]


def test_only_what_the_schema_holds_keeps_dict_rows(tmp_path, warnings):
    """A dict-era dataset holding neither a nested table nor a json column (nothing Arrow
    would change) moves to Arrow."""
    plain = [{k: v for k, v in r.items() if k not in ("metadata", "refund_ids")} for r in PAGE]
    original = list(PAGE)
    PAGE[:] = plain
    try:
        sync(tmp_path, arrow=False, contract=Plain)
        sync(tmp_path, arrow=True, contract=Plain)
    finally:
        PAGE[:] = original
    assert "loading dict rows as before" not in warnings.text
    assert dlt_warnings(warnings) == []
    assert rows(tmp_path, "select count(*) from raw.toy_charges") == [(2,)]


def test_the_hints_of_an_arrow_contract_leave_an_objects_type_to_the_batch():
    from bosco_connectors.framework.arrow import dlt_columns
    from dlt.common.libs.pydantic import pydantic_to_table_schema_columns

    assert pydantic_to_table_schema_columns(Charge)["metadata"]["data_type"] == "json"
    assert "data_type" not in dlt_columns(Charge)["metadata"]
    assert dlt_columns(Charge)["id"] == pydantic_to_table_schema_columns(Charge)["id"]


def test_a_new_tenants_arrow_batches_load_into_a_table_an_earlier_version_made(tmp_path, warnings):
    """Each tenant has its own pipeline: a new one knows nothing of the dict-era table, whose
    ``_dlt_load_id`` and ``_dlt_id`` are not null and whose ``metadata`` is JSON (`dlt_layout`)."""
    sync(tmp_path, arrow=False, tenant="t1")
    sync(tmp_path, arrow=True, tenant="t2")
    assert "loading dict rows as before" not in warnings.text
    assert dlt_warnings(warnings) == []
    loaded = rows(tmp_path, "select tenant_id, id, json_extract_string(metadata, '$.order_id'), _dlt_load_id is not null, "
                            "_dlt_id is not null from raw.toy_charges order by tenant_id, id")
    assert loaded == [("t1", "ch_1", "o-1", True, True), ("t1", "ch_2", None, True, True),
                      ("t2", "ch_1", "o-1", True, True), ("t2", "ch_2", None, True, True)]
    assert rows(tmp_path, "select count(distinct _dlt_id) from raw.toy_charges") == [(4,)]
