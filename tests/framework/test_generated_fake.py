"""The generated fake API for a declared source without a unified mapping (reviews, affiliates).

It serves the documented records as they are, and pages them the way the source declares,
keyset cursors included (``starting_after=<key of the last item>``, PartnerStack's paging).
Expected values come from the fixture bodies written here, never from the fake.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from bosco_connectors.framework import Contract, SourceConfig
from bosco_connectors.framework.auth import Bearer
from bosco_connectors.framework.declare import Api, declare
from bosco_connectors.framework.paginators import CursorInBody
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.registry import provisional
from bosco_connectors.framework.spec import FullRefresh, RestStream
from bosco_connectors.sandbox import FakeApi, app_for

PAGES = [
    {"data": {"has_more": True, "items": [{"key": "par_a", "status": "active"}, {"key": "par_b", "status": "active"}]}, "status": 200},
    {"data": {"has_more": False, "items": [{"key": "par_c", "status": "archived"}]}, "status": 200},
]


class Config(SourceConfig):
    api_key: SecretStr
    page_size: int = 2


class Partnership(Contract):
    key: str
    status: str | None = None


connector = declare(
    "keyset_toy", title="Keyset toy", api=Api(base_url="https://api.example.com/api/v2/", auth=Bearer("api_key")),
    config=Config, api_version="v2", docs_url="https://api.example.com/docs", category="affiliate",
    streams=lambda config: [RestStream(
        name="partnerships", path="partnerships", params={"limit": config.page_size if config else 2},
        paginator=lambda: CursorInBody(token_path="data.items.-1.key", param="starting_after", has_more_path="data.has_more"),
        records=Records("data.items"), contract=Partnership, primary_key=("key",), cursor=FullRefresh("no filter"),
    )],
)


@pytest.fixture
def fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cassettes" / "keyset_toy"
    (folder / "bodies").mkdir(parents=True)
    exchanges = []
    for number, page in enumerate(PAGES, 1):
        (folder / "bodies" / f"p{number}.json").write_text(json.dumps(page))
        exchanges.append({"stream": "partnerships", "request": {"path": "partnerships"}, "response": {"body": f"p{number}.json"}})
    (folder / "fixtures.json").write_text(json.dumps({"config": {"api_key": "k"}, "exchanges": exchanges}))
    monkeypatch.setenv("BOSCO_CASSETTES", str(tmp_path / "cassettes"))
    return folder


def test_documented_records_are_served_and_paged_by_their_keys(fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bosco_connectors.framework.spec import ReadContext
    from bosco_connectors.sandbox import generated

    monkeypatch.setattr(generated, "DEFAULT_PAGE", 2)  # a cursor paginator does not say its page size
    with provisional(connector):
        app = app_for(connector)
        with FakeApi([app]) as api:
            config = connector.validate(app.source_config(api.url(app.prefix)))
            client = connector.client_factory(config)
            stream = connector.active_streams(config)[0]
            pages = list(stream.read(ReadContext(client, config, None, None)))
            sent = [r.query.get("starting_after", [None])[0] for r in api.requests_to("partnerships")]
    assert [[r["key"] for r in page] for page in pages] == [["par_a", "par_b"], ["par_c"]]
    assert sent == [None, "par_b"]


def test_put_path_follows_list_indexes():
    """X's poll answer keeps the job in a list: the fake writes ``data.0.status`` into it."""
    from bosco_connectors.sandbox.generated import _put_path

    body = {"data": [{"status": "PROCESSING", "url": None}], "next_cursor": None}
    _put_path(body, "data.0.status", "SUCCESS")
    _put_path(body, "data.0.url", "http://x/file")
    assert body == {"data": [{"status": "SUCCESS", "url": "http://x/file"}], "next_cursor": None}
