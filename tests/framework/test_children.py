"""Child tables of Arrow streams: declarations checked, lists built as Arrow, split after dlt's steps."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import dlt
import duckdb
import pytest
from pydantic import BaseModel

from bosco_connectors.framework import Child, Contract, ContractError, Cursor, FullRefresh, Id, RestStream
from bosco_connectors.framework.arrow import to_arrow
from bosco_connectors.framework.children import declared
from bosco_connectors.framework.resources import _StreamReader, stream_resource


class Line(BaseModel):
    tenant_id: str | None = None
    id: Id
    order_id: Id
    amount: Decimal | None = None


class Order(Contract):
    id: Id
    updated_at: datetime
    lines: list[Line] = []


def stream(**kw) -> RestStream:
    base = dict(name="orders", path="orders", contract=Order, primary_key=("id",), cursor=FullRefresh("toy"))
    return RestStream(**{**base, **kw})


def test_an_arrow_stream_must_declare_its_lists_of_models():
    with pytest.raises(ContractError, match=r"list field\(s\) \['lines'\] need a `Child"):
        declared(stream(arrow=True))
    with pytest.raises(ContractError, match="Arrow streams only"):
        declared(stream(arrow=False, children=(Child("lines", ("id",), "order_id"),)))
    with pytest.raises(ContractError, match=r"no field\(s\) \['sku'\]"):
        declared(stream(arrow=True, children=(Child("lines", ("sku",), "order_id"),)))
    # a parent key the lines do not carry is filled from the parent's key, which must be one field
    assert declared(stream(arrow=True, children=(Child("lines", ("id",), "order"),)))[0].parent_key == "order"
    with pytest.raises(ContractError, match="not one field to fill it from"):
        declared(stream(arrow=True, primary_key=("id", "updated_at"), children=(Child("lines", ("id",), "order"),)))
    assert declared(stream(arrow=True, children=(Child("lines", ("id",), "order_id"),)))[0].field == "lines"
    assert declared(stream(arrow=False)) == ()  # dict streams leave lists to dlt


def test_to_arrow_builds_the_list_against_the_childs_model():
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    table = to_arrow([{"id": 1, "updated_at": when, "lines": [{"id": 10, "order_id": 1, "amount": "1.50"}, {"id": 11, "order_id": 1}]},
                      {"id": 2, "updated_at": when}], Order, "orders")
    assert [c for c in table.column_names if c != "tenant_id"] == ["id", "updated_at", "lines"]  # tenant: stamped later
    lines = table["lines"].to_pylist()
    assert [[(li["id"], li["order_id"], li["amount"]) for li in row] for row in lines] == [
        [("10", "1", Decimal("1.500000000")), ("11", "1", None)], []]


def test_a_child_missing_its_key_is_named_with_its_path():
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(ContractError, match="field 'lines.id' is required"):
        to_arrow([{"id": 1, "updated_at": when, "lines": [{"order_id": 1}]}], Order, "orders")


def test_children_reach_their_table_after_the_parents_are_filtered(tmp_path):
    """An incremental read: the parent row dlt's cursor filters out takes its lines with it;
    a re-read parent replaces its lines (one dropped, one added)."""
    from bosco_connectors.framework.connector import Connector, SourceConfig

    s = stream(arrow=True, children=(Child("lines", ("id",), "order_id"),),
               cursor=Cursor("updated_at", kind="datetime"))
    pages: list[list[dict]] = []

    class Fake(RestStream):
        def read(self, ctx):  # noqa: ANN001 - the toy's pages, whatever the window
            yield from [list(p) for p in pages]

    toy = Fake(**{k: getattr(s, k) for k in ("name", "path", "contract", "primary_key", "cursor", "arrow", "children")})
    connector = Connector(name="toy", title="Toy", api_version="1", docs_url="", category="commerce",
                          config_model=SourceConfig, client_factory=lambda _c: None, streams=[toy])  # type: ignore[arg-type,return-value]

    def run(tenant: str = "t") -> None:
        config = SourceConfig(start_date="2020-01-01")
        resource = stream_resource(connector, toy, client=None, config=config, tenant_id=tenant)  # type: ignore[arg-type]
        pipeline = dlt.pipeline(pipeline_name="toy", destination=dlt.destinations.duckdb(str(tmp_path / "t.duckdb")),
                                pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
        pipeline.run(dlt.source(lambda: [resource], name="toy")())

    t1, t2 = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 1, 2, tzinfo=timezone.utc)
    pages[:] = [[{"id": 1, "updated_at": t1, "lines": [{"id": 10, "order_id": 1}, {"id": 11, "order_id": 1}]},
                 {"id": 2, "updated_at": t1, "lines": [{"id": 20, "order_id": 2}]}]]
    run()
    pages[:] = [[{"id": 1, "updated_at": t2, "lines": [{"id": 10, "order_id": 1}, {"id": 12, "order_id": 1}]},
                 {"id": 3, "updated_at": datetime(2019, 1, 1, tzinfo=timezone.utc), "lines": [{"id": 30, "order_id": 3}]}]]
    run()
    with duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True) as con:
        lines = con.execute("select tenant_id, order_id, id, _dlt_list_idx from raw.toy_orders__lines order by id").fetchall()
        roots = con.execute("select count(*) from raw.toy_orders__lines li join raw.toy_orders o on li._dlt_root_id = o._dlt_id").fetchone()
    # order 3 is older than the saved cursor: filtered with its line; order 1's line 11 is gone
    assert lines == [("t", "1", "10", 0), ("t", "1", "12", 1), ("t", "2", "20", 0)]
    assert roots == (3,)


def test_a_reader_of_an_arrow_stream_stamps_no_tenant_on_child_dicts():
    """The child rows get the tenant from their parent after the split, not as dicts."""
    s = stream(arrow=True, children=(Child("lines", ("id",), "order_id"),))
    reader = _StreamReader("toy", s, client=None, config=None, tenant_id="t")  # type: ignore[arg-type]
    page = reader._stamp([{"id": 1, "updated_at": datetime(2026, 1, 1, tzinfo=timezone.utc), "lines": [{"id": 10, "order_id": 1}]}])
    assert page.column("tenant_id").to_pylist() == ["t"]
    assert page.column("lines").to_pylist()[0][0]["tenant_id"] is None


class BareLine(BaseModel):
    id: Id
    amount: Decimal | None = None


class OrderOfBareLines(Contract):
    id: Id
    updated_at: datetime
    lines: list[BareLine] = []


def test_lines_that_do_not_name_their_order_get_its_key(tmp_path):
    """Square's line items carry no order id: the child table's parent key is the parent's key."""
    from bosco_connectors.framework.connector import Connector, SourceConfig

    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    page = [{"id": "A", "updated_at": when, "lines": [{"id": "1", "amount": "2.5"}, {"id": "2"}]},
            {"id": "B", "updated_at": when, "lines": [{"id": "1"}]}]

    class Fake(RestStream):
        def read(self, ctx):  # noqa: ANN001 - the toy's one page
            yield [dict(r) for r in page]

    toy = Fake(name="orders", path="orders", contract=OrderOfBareLines, primary_key=("id",), cursor=FullRefresh("toy"),
               children=(Child("lines", ("order_id", "id"), "order_id"),))
    connector = Connector(name="toy", title="Toy", api_version="1", docs_url="", category="commerce",
                          config_model=SourceConfig, client_factory=lambda _c: None, streams=[toy])  # type: ignore[arg-type,return-value]
    resource = stream_resource(connector, toy, client=None, config=SourceConfig(start_date="2020-01-01"), tenant_id="t")  # type: ignore[arg-type]
    pipeline = dlt.pipeline(pipeline_name="toy", destination=dlt.destinations.duckdb(str(tmp_path / "t.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    for _ in range(2):  # a re-read replaces the lines, keyed on (order, line): line "1" of A and of B both stay
        pipeline.run(dlt.source(lambda: [resource], name="toy")())
    with duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True) as con:
        lines = con.execute("select tenant_id, order_id, id, amount from raw.toy_orders__lines order by order_id, id").fetchall()
    assert lines == [("t", "A", "1", Decimal("2.5")), ("t", "A", "2", None), ("t", "B", "1", None)]
    # nullable, though always filled: a child table dict rows made (without it) can take it as a new column
    assert pipeline.default_schema.tables["toy_orders__lines"]["columns"]["order_id"]["nullable"] is True
