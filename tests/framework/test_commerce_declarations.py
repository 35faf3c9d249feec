"""What the commerce sources needed from the framework: order lines read out of their orders
(``Records(parent_prefix=...)``), fields never loaded (``drop``), paging that only a record
count can end (Magento), consumer key and secret as HTTP basic auth in the generated fake,
two streams on one path, and a generated fact that unions only the generated staging.

Expected values are written out here, never computed by the code under test.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bosco_connectors.framework import Contract, SourceConfig
from bosco_connectors.framework.auth import Basic
from bosco_connectors.framework.declare import Api, declare
from bosco_connectors.framework.facts import FACTS, fact_mart_sql
from bosco_connectors.framework.paginators import PageNumber
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.registry import provisional
from bosco_connectors.framework.spec import FullRefresh, RestStream
from bosco_connectors.recipes import load_catalog
from bosco_connectors.sandbox import FakeApi, app_for

ORDER = {"id": 727, "currency": "USD", "customer": {"email": "a@example.com"},
         "line_items": [{"id": 315, "product_id": 93, "quantity": 2}, {"id": 316, "product_id": 22, "quantity": 1}]}


def test_a_prefix_keeps_the_orders_id_beside_the_lines_own():
    rows = Records(explode="line_items", parent_prefix="order_").select_rows([ORDER])
    assert [(r["order_id"], r["id"], r["product_id"], r["order_currency"]) for r in rows] == [(727, 315, 93, "USD"), (727, 316, 22, "USD")]
    # without a prefix the line's own id hides the order's
    assert [r["id"] for r in Records(explode="line_items").select_rows([ORDER])] == [315, 316]


def test_dropped_fields_are_never_loaded():
    rows = Records(drop=("customer", "line_items")).rows([ORDER])
    assert rows == [{"id": 727, "currency": "USD"}]


def test_dropped_fields_inside_a_flattened_object_are_never_loaded():
    """JSON:API puts a record's fields under ``attributes`` (Lemon Squeezy's customer name and email)."""
    record = {"type": "orders", "id": "1", "attributes": {"store_id": 1, "user_name": "John Doe", "user_email": "j@example.com"}}
    rows = Records(flatten=("attributes",), drop=("type", "user_name", "user_email")).rows([record])
    assert rows == [{"id": "1", "store_id": 1}]


@pytest.mark.parametrize(("total", "records", "more"), [(5, 2, True), (4, 2, False), (3, 1, False)])
def test_a_record_count_ends_page_number_paging(total, records, more):
    """Magento answers a page past the last with the last page again: only total_count can stop the read."""
    paginator = PageNumber(page_size=2, page_param="currentPage", size_param="pageSize", total_items_path="total_count")
    paginator.first()
    nxt = paginator.next(None, {"items": [{}] * 2, "total_count": total}, [{}] * 2)  # page 1 of 2 records
    if total > 2:
        assert nxt is not None and nxt.params == {"currentPage": 2, "pageSize": 2}
        nxt = paginator.next(None, {"items": [{}] * records, "total_count": total}, [{}] * records)
    assert (nxt is not None) is more


# -- the generated fake: basic auth, and two streams at one path ------------------------------

class Config(SourceConfig):
    consumer_key: SecretStr
    consumer_secret: SecretStr


class Row(Contract):
    id: int


def _shop():
    return declare(
        "basic_toy", title="Basic toy", api=Api(base_url="https://shop.example.com/wp-json/wc/v3/", auth=Basic("consumer_key", "consumer_secret")),
        config=Config, api_version="v3", docs_url="https://shop.example.com/docs", category="commerce",
        streams=[
            RestStream(name="orders", path="orders", records=Records(), contract=Row, primary_key=("id",), cursor=FullRefresh("toy")),
            RestStream(name="order_lines", path="orders", params={"_fields": "id,line_items"}, contract=Row, primary_key=("id",),
                       records=Records(explode="line_items", parent_prefix="order_"), cursor=FullRefresh("toy")),
        ],
    )


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "cassettes" / "basic_toy"
    (folder / "bodies").mkdir(parents=True)
    (folder / "bodies" / "orders.json").write_text(json.dumps([{"id": 1, "status": "processing"}]))
    (folder / "bodies" / "lines.json").write_text(json.dumps([{"id": 1, "line_items": [{"id": 9}]}]))
    (folder / "fixtures.json").write_text(json.dumps({"config": {"consumer_key": "ck", "consumer_secret": "cs"}, "exchanges": [
        {"stream": "orders", "request": {"path": "orders"}, "response": {"body": "orders.json"}},
        {"stream": "order_lines", "request": {"path": "orders", "query": {"_fields": "id,line_items"}}, "response": {"body": "lines.json"}},
    ]}))
    monkeypatch.setenv("BOSCO_CASSETTES", str(tmp_path / "cassettes"))
    connector = _shop()
    with provisional(connector):
        app = app_for(connector)
        with FakeApi([app]) as api:
            yield app, api.url(app.prefix)


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_the_fake_checks_both_halves_of_basic_auth(shop):
    app, root = shop
    key, secret = app.credentials["consumer_key"], app.credentials["consumer_secret"]
    assert httpx.get(f"{root}/wp-json/wc/v3/orders", headers=_basic(key, secret)).status_code == 200
    assert httpx.get(f"{root}/wp-json/wc/v3/orders", headers=_basic(key, "canary")).json() != [{"id": 1, "status": "processing"}]
    assert httpx.get(f"{root}/wp-json/wc/v3/orders", headers=_basic("canary", secret)).json() != [{"id": 1, "status": "processing"}]


def test_the_stream_that_fixes_more_parameters_answers_its_requests(shop):
    app, root = shop
    headers = _basic(app.credentials["consumer_key"], app.credentials["consumer_secret"])
    assert httpx.get(f"{root}/wp-json/wc/v3/orders", headers=headers).json() == [{"id": 1, "status": "processing"}]
    lines = httpx.get(f"{root}/wp-json/wc/v3/orders", params={"_fields": "id,line_items"}, headers=headers).json()
    assert lines == [{"id": 1, "line_items": [{"id": 9}]}]


# -- a generated fact unions the generated staging only ---------------------------------------

def test_a_generated_fact_names_its_members():
    sql = fact_mart_sql(FACTS["orders"], ["stg_bigcommerce__orders", "stg_woocommerce__orders"])
    assert "-- union: rows_ = stg_bigcommerce__orders, stg_woocommerce__orders\n" in sql


def test_a_union_of_named_members_leaves_a_hand_written_look_alike_out(tmp_path: Path):
    """Shopify's hand-written stg_shopify__orders matches stg_*__orders but is not of the fact's shape."""
    for rel, sql in {
        "staging/stg_one__orders.sql": "select 1 as a from raw.one_orders",
        "staging/stg_two__orders.sql": "select 2 as a from raw.two_orders",
        "staging/stg_shop__orders.sql": "select 3 as z from raw.shop_orders",
        "marts/fct.sql": "-- union: rows_ = stg_one__orders, stg_two__orders\nselect a from rows_",
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(sql)
    fct = {r.name: r for r in load_catalog(tmp_path, generated=False)}["fct"]
    assert fct.union is not None and fct.union.members == ("stg_one__orders", "stg_two__orders")
