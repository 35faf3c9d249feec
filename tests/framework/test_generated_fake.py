"""The generated fake API for a declared source without a unified mapping (reviews, affiliates).

It serves the documented records as they are, and pages them the way the source declares,
keyset cursors included (``starting_after=<key of the last item>``, PartnerStack's paging).
Expected values come from the fixture bodies written here, never from the fake.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, SourceConfig
from bosco_connectors.framework.auth import Basic, Bearer
from bosco_connectors.framework.declare import Api, RateBudget, declare
from bosco_connectors.framework.paginators import CursorInBody
from bosco_connectors.framework.params import ForEach
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.registry import provisional
from bosco_connectors.framework.spec import FullRefresh, RestStream
from bosco_connectors.framework.unified import Entity
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



def test_documented_dates_are_moved_into_the_worlds_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's facts stay filled as the calendar moves on: the latest documented day becomes
    the world's last day, every other date moves with it (an order's refund still after it)."""
    from datetime import date

    from bosco_connectors.framework.spec import ReadContext

    folder = tmp_path / "cassettes" / "keyset_toy"
    (folder / "bodies").mkdir(parents=True)
    body = {"data": {"has_more": False, "items": [
        {"key": "ord_1", "status": "2026-11-01T22:15:00Z"}, {"key": "ord_2", "status": "2026-11-03"}]}}
    (folder / "bodies" / "p1.json").write_text(json.dumps(body))
    exchanges = [{"stream": "partnerships", "request": {"path": "partnerships"}, "response": {"body": "p1.json"}}]
    (folder / "fixtures.json").write_text(json.dumps({"config": {"api_key": "k"}, "exchanges": exchanges}))
    monkeypatch.setenv("BOSCO_CASSETTES", str(tmp_path / "cassettes"))
    with provisional(connector):
        app = app_for(connector, end_date=date(2026, 12, 1))
        with FakeApi([app]) as api:
            config = connector.validate(app.source_config(api.url(app.prefix)))
            stream = connector.active_streams(config)[0]
            rows = [r for page in stream.read(ReadContext(connector.client_factory(config), config, None, None)) for r in page]
    assert {r["key"]: r["status"] for r in rows} == {"ord_1": "2026-11-29T22:15:00Z", "ord_2": "2026-12-01"}

# -- a partition that travels in a header (Amazon's profile scope) ---------------------------------


class ScopedConfig(SourceConfig):
    access_token: SecretStr
    profile_ids: list[str]


class Campaign(Contract):
    campaignId: str
    name: str | None = None
    profile_id: str | None = None


scoped = declare(
    "scoped_toy", title="Scoped toy", api=Api(base_url="https://api.example.com/", auth=Bearer()),
    config=ScopedConfig, api_version="v3", docs_url="https://api.example.com/docs", category="ads",
    streams=[RestStream(
        name="campaigns", path="sp/campaigns/list", method="POST", headers={"Amazon-Advertising-API-Scope": "{profile_id}"},
        partitions=ForEach("profile_ids", "profile_id"), records=Records("campaigns", from_partition=("profile_id",)),
        contract=Campaign, primary_key=("campaignId",), cursor=FullRefresh("no filter"),
        unified=Entity("campaign", id="campaignId", name="name", account="profile_id"),
    )],
)


def test_a_partition_sent_in_a_header_picks_that_accounts_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bosco_connectors.framework.spec import ReadContext

    folder = tmp_path / "cassettes" / "scoped_toy"
    (folder / "bodies").mkdir(parents=True)
    (folder / "bodies" / "campaigns.json").write_text(json.dumps({"campaigns": [{"campaignId": "1", "name": "Doc"}]}))
    (folder / "fixtures.json").write_text(json.dumps({"config": {"access_token": "t", "profile_ids": ["1"]}, "exchanges": [
        {"stream": "campaigns", "request": {"method": "POST", "path": "sp/campaigns/list"}, "response": {"body": "campaigns.json"}}]}))
    monkeypatch.setenv("BOSCO_CASSETTES", str(tmp_path / "cassettes"))
    with provisional(scoped):
        app = app_for(scoped, size="tiny", accounts=2)
        with FakeApi([app]) as api:
            config = scoped.validate(app.source_config(api.url(app.prefix)))
            client = scoped.client_factory(config)
            stream = scoped.active_streams(config)[0]
            read = {p["profile_id"]: sorted(r["campaignId"] for page in stream.read(ReadContext(client, config, None, None, p))
                                            for r in page) for p in stream.partitions_for(config)}
    world = {a.id: sorted(c.id for c in a.campaigns) for a in app.world.accounts}
    assert len(world) == 2 and read == world


# -- a stream partitioned by its parent's records (one campaign's ad groups) -----------------

class GroupsConfig(SourceConfig):
    api_key: SecretStr
    account_ids: list[str]


class Camp(Contract):
    id: str
    account_id: str


class Group(Contract):
    id: str
    campaign_id: str


def _groups_connector():
    from bosco_connectors.framework.params import ForEach, FromParent
    from bosco_connectors.framework.unified import Entity

    campaigns = RestStream(
        name="campaigns", path="accounts/{account_id}/campaigns", partitions=ForEach("account_ids", "account_id"),
        records=Records("data"), contract=Camp, primary_key=("id",), cursor=FullRefresh("no filter"),
        unified=Entity("campaign", id="id", account="account_id"),
    )
    groups = RestStream(
        name="ad_groups", path="campaigns/{campaign_id}/ad_groups", partitions=FromParent(campaigns, {"campaign_id": "id"}),
        records=Records("data"), contract=Group, primary_key=("id",), cursor=FullRefresh("no filter"),
        unified=Entity("ad_group", id="id", campaign="campaign_id"),
    )
    return declare("parent_toy", title="Parent toy", api=Api(base_url="https://api.example.com/v1/", auth=Bearer("api_key")),
                   config=GroupsConfig, api_version="v1", docs_url="https://api.example.com/docs", category="ads",
                   streams=[campaigns, groups])


def test_a_stream_partitioned_by_its_parent_gets_only_that_parents_children(tmp_path, monkeypatch):
    import duckdb
    import dlt

    from bosco_connectors.sync import build_source

    folder = tmp_path / "cassettes" / "parent_toy"
    (folder / "bodies").mkdir(parents=True)
    (folder / "bodies" / "campaigns.json").write_text(json.dumps({"data": [{"id": "c1", "account_id": "a1"}]}))
    (folder / "bodies" / "ad_groups.json").write_text(json.dumps({"data": [{"id": "g1", "campaign_id": "c1"}]}))
    (folder / "fixtures.json").write_text(json.dumps({"config": {"api_key": "k", "account_ids": ["a1"]}, "exchanges": [
        {"stream": "campaigns", "request": {"path": "accounts/a1/campaigns"}, "response": {"body": "campaigns.json"}},
        {"stream": "ad_groups", "request": {"path": "campaigns/c1/ad_groups"}, "response": {"body": "ad_groups.json"}},
    ]}))
    monkeypatch.setenv("BOSCO_CASSETTES", str(tmp_path / "cassettes"))
    connector = _groups_connector()
    with provisional(connector):
        app = app_for(connector, seed=3, size="tiny")
        with FakeApi([app]) as api:
            config = app.source_config(api.url(app.prefix))
            pipeline = dlt.pipeline("parent_toy", destination=dlt.destinations.duckdb(str(tmp_path / "p.duckdb")),
                                    dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
            source, _ = build_source(connector, config, tenant_id="t")
            pipeline.run(source)
    expected = sorted((g.id, c.id) for a in app.world.accounts for c in a.campaigns for g in c.ad_groups)
    served = pipeline.last_trace.last_normalize_info.row_counts["parent_toy_ad_groups"]
    assert served == len(expected), f"{served} rows served for {len(expected)} ad groups: each campaign got others' too"
    with duckdb.connect(str(tmp_path / "p.duckdb"), read_only=True) as con:
        loaded = con.execute("select id, campaign_id from raw.parent_toy_ad_groups order by 1").fetchall()
    assert loaded == expected, "each campaign's request answers that campaign's ad groups only"


def test_a_declared_json_body_is_matched_by_a_sent_body_that_holds_it():
    """Two report streams on one POST path (Reddit's reports) differ by their fixed body; the body
    sent adds the window, so the declared object is matched when the sent one contains it."""
    from bosco_connectors.sandbox.generated import _same

    declared = {"data": {"breakdowns": ["CAMPAIGN_ID", "DATE"], "fields": ["SPEND"]}}
    sent = {"data": {"breakdowns": ["CAMPAIGN_ID", "DATE"], "fields": ["SPEND"], "starts_at": "2026-11-01T07:00:00Z"}}
    assert _same(sent, declared)
    assert not _same({"data": {"breakdowns": ["AD_ID", "AD_GROUP_ID", "DATE"], "fields": ["SPEND"]}}, declared)
    assert not _same({"data": {"fields": ["SPEND"]}}, declared)


def test_put_path_follows_list_indexes():
    """X's poll answer keeps the job in a list: the fake writes ``data.0.status`` into it."""
    from bosco_connectors.sandbox.generated import _put_path

    body = {"data": [{"status": "PROCESSING", "url": None}], "next_cursor": None}
    _put_path(body, "data.0.status", "SUCCESS")
    _put_path(body, "data.0.url", "http://x/file")
    assert body == {"data": [{"status": "SUCCESS", "url": "http://x/file"}], "next_cursor": None}


# -- HTTP basic auth: the fake checks the password, not just that a header was sent ---------


class BasicConfig(SourceConfig):
    api_key: SecretStr


basic_connector = declare(
    "basic_toy", title="Basic toy",
    api=Api(base_url="https://us21.api.example.com/3.0/", auth=Basic("anystring", "api_key", fixed_username=True)),
    config=BasicConfig, api_version="3.0", docs_url="https://api.example.com/docs", category="email",
    streams=[RestStream(name="lists", path="lists", records=Records("lists"), contract=Partnership, primary_key=("key",),
                        cursor=FullRefresh("no filter"))],
)


@pytest.fixture
def basic_fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cassettes" / "basic_toy"
    (folder / "bodies").mkdir(parents=True)
    (folder / "bodies" / "lists.json").write_text(json.dumps({"lists": [{"key": "l1"}]}))
    (folder / "bodies" / "auth.json").write_text(json.dumps({"title": "API Key Invalid", "status": 401}))
    exchanges = [{"stream": "lists", "request": {"path": "lists"}, "response": {"body": "lists.json"}},
                 {"kind": "auth_error", "response": {"status": 401, "body": "auth.json"}}]
    (folder / "fixtures.json").write_text(json.dumps({"config": {"api_key": "k-us21"}, "exchanges": exchanges}))
    monkeypatch.setenv("BOSCO_CASSETTES", str(tmp_path / "cassettes"))
    return folder


def test_basic_auth_is_checked_against_the_sandbox_password(basic_fixtures: Path) -> None:
    import httpx

    with provisional(basic_connector):
        app = app_for(basic_connector)
        with FakeApi([app]) as api:
            url = api.url(app.prefix) + "/3.0/lists"
            right = httpx.get(url, auth=("anystring", app.credentials["api_key"]))
            wrong = httpx.get(url, auth=("anystring", "canary-not-the-key"))
            none = httpx.get(url)
    assert right.status_code == 200 and right.json() == {"lists": [{"key": "l1"}]}
    assert wrong.status_code == 401 and wrong.json()["title"] == "API Key Invalid"
    assert none.status_code == 401



empty_password_connector = declare(
    "basic_user_toy", title="Basic user toy",
    api=Api(base_url="https://acme.api.example.com/api/v2/", auth=Basic("api_key", None)),
    config=BasicConfig, api_version="v2", docs_url="https://api.example.com/docs", category="commerce",
    streams=[RestStream(name="lists", path="lists", records=Records("lists"), contract=Partnership, primary_key=("key",),
                        cursor=FullRefresh("no filter"))],
)


def test_basic_auth_with_the_key_as_user_name_wants_an_empty_password(basic_fixtures: Path) -> None:
    """Chargebee's ``Basic("api_key", None)``: the fake takes its key as the user name with nothing
    after the colon, and refuses a wrong key or a key sent as the password."""
    import httpx

    (basic_fixtures.parent / "basic_user_toy").symlink_to(basic_fixtures)
    with provisional(empty_password_connector):
        app = app_for(empty_password_connector)
        with FakeApi([app]) as api:
            url = api.url(app.prefix) + "/api/v2/lists"
            key = app.credentials["api_key"]
            right = httpx.get(url, auth=(key, ""))
            with_password = httpx.get(url, auth=(key, key))
            as_password = httpx.get(url, auth=("anystring", key))
            wrong = httpx.get(url, auth=("canary-not-the-key", ""))
    assert right.status_code == 200 and right.json() == {"lists": [{"key": "l1"}]}
    assert [r.status_code for r in (with_password, as_password, wrong)] == [401, 401, 401]

def test_a_text_status_is_written_as_the_documented_boolean():
    """An ``Entity(status="enabled", active_status="true")`` over a JSON boolean (Outbrain's ``enabled``):
    the fake writes True/False where the vendor documents a boolean, never the text."""
    from bosco_connectors.sandbox.generated import _as_documented, _inactive

    assert _as_documented("true", True, None) is True
    assert _as_documented(_inactive("true"), True, None) is False
    assert _inactive("ENABLED") == "PAUSED"


class PacedConfig(SourceConfig):
    api_key: SecretStr
    requests_per_minute: float = 30.0
    requests_per_second: float = Field(default=2.0, gt=0, le=10)


paced = declare(
    "paced_toy", title="Paced toy", api=Api(base_url="https://api.example.com/api/v2/", auth=Bearer("api_key"),
                                            rate=RateBudget(per_second="requests_per_second", per_minute="requests_per_minute")),
    config=PacedConfig, api_version="v2", docs_url="https://api.example.com/docs", category="analytics",
    streams=lambda config: [RestStream(
        name="partnerships", path="partnerships", paginator=lambda: CursorInBody(token_path="data.items.-1.key", param="starting_after",
                                                                               has_more_path="data.has_more"),
        records=Records("data.items"), contract=Partnership, primary_key=("key",), cursor=FullRefresh("no filter"),
    )],
)


def test_the_sandbox_config_lifts_the_vendors_pace_within_what_the_config_accepts(fixtures: Path) -> None:
    """The fake has no limit: a demo must not wait on a pace meant for the vendor's servers
    (Amplitude's 30 requests a minute over thousands of hourly files)."""
    import shutil

    shutil.copytree(fixtures, fixtures.parent / "paced_toy")
    with provisional(paced):
        app = app_for(paced)
        with FakeApi([app]) as api:
            config = paced.validate(app.source_config(api.url(app.prefix)))
    assert config.requests_per_minute == 60_000
    assert config.requests_per_second == 10  # its documented ceiling (le=10), not past it


# -- copies: documented records served many times over, for benchmarks at scale -------------------


def _keys_read(app, monkeypatch: pytest.MonkeyPatch, page: int) -> tuple[list[list[str]], list[dict]]:
    from bosco_connectors.framework.spec import ReadContext
    from bosco_connectors.sandbox import generated

    monkeypatch.setattr(generated, "DEFAULT_PAGE", page)
    with FakeApi([app]) as api:
        config = connector.validate(app.source_config(api.url(app.prefix)))
        pages = list(connector.active_streams(config)[0].read(ReadContext(connector.client_factory(config), config, None, None)))
    return [[r["key"] for r in p] for p in pages], [r for p in pages for r in p]


@pytest.mark.parametrize("page_cache", [False, True])
def test_copies_serve_each_documented_record_under_new_keys_and_page_through_them(
        fixtures: Path, monkeypatch: pytest.MonkeyPatch, page_cache: bool) -> None:
    with provisional(connector):
        app = app_for(connector, copies=3, page_cache=page_cache)
        pages, rows = _keys_read(app, monkeypatch, page=4)
    assert pages == [["par_a", "par_a-1", "par_a-2", "par_b"], ["par_b-1", "par_b-2", "par_c", "par_c-1"], ["par_c-2"]]
    assert [r["status"] for r in rows] == ["active"] * 6 + ["archived"] * 3  # every other field as documented


def test_with_the_page_cache_a_routes_records_are_made_once_not_once_per_page(
        fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bosco_connectors.sandbox.generated import GeneratedApp

    made = []
    original = GeneratedApp._records
    monkeypatch.setattr(GeneratedApp, "_records", lambda self, route: made.append(route) or original(self, route))
    with provisional(connector):
        pages, _ = _keys_read(app_for(connector, copies=10, page_cache=True), monkeypatch, page=7)
    assert [len(p) for p in pages] == [7, 7, 7, 7, 2] and len(made) == 1


def test_a_copy_writes_its_key_in_the_documented_type_clear_of_every_other_record() -> None:
    from types import SimpleNamespace

    from bosco_connectors.framework.records import EPOCH_SECONDS
    from bosco_connectors.sandbox.copies import Copies

    def copies(key: str, records: list[dict], count: int = 12, cursor: str | None = None, formats: dict | None = None) -> Copies:
        stream = SimpleNamespace(primary_key=(key, "day"), cursor=SimpleNamespace(field=cursor),
                                 record_spec=SimpleNamespace(formats=formats or {}))
        return Copies(stream, records, lambda column: ((column,), None) if column in records[0] else None, count)

    numbers = copies("id", [{"id": 7, "day": "2026-11-01"}, {"id": 415, "day": "2026-11-01"}])
    assert numbers.varied == ("id",) and [numbers.value(7, k) for k in (1, 11)] == [1007, 11007]  # 415 has 3 digits
    assert [r["id"] for r in numbers.of([{"id": 7, "day": "d"}])][:3] == [7, 1007, 2007]
    text_numbers = copies("id", [{"id": "0981", "day": "x"}, {"id": "52", "day": "x"}])
    assert text_numbers.value("52", 3) == "352" and text_numbers.value("0981", 3) == "0981-03"  # a leading zero is text
    uuids = copies("id", [{"id": "6a1f0c4e-9b3d-4c2a-8e71-0d5b6f2a9c01"}])
    made = {uuids.value("6a1f0c4e-9b3d-4c2a-8e71-0d5b6f2a9c01", k) for k in range(1, 12)}
    assert len(made) == 11 and all(len(u) == 36 and u.count("-") == 4 for u in made)
    # a day, a timestamp or the cursor is no identity: nothing to vary, the records are served as documented
    assert copies("day", [{"day": "2026-11-01T10:00:00Z"}]).varied is None
    assert copies("time", [{"time": 1793491262}], formats={"time": EPOCH_SECONDS}).varied is None
    assert copies("updated", [{"updated": "v1"}], cursor="updated").varied is None
    kept = [{"day": "2026-11-01"}]
    assert list(copies("day", kept).of(kept)) == kept


def test_the_per_source_benchmark_grows_documented_streams_by_copies_and_reports_by_campaigns() -> None:
    from bench.per_source import knob_of

    assert knob_of("stripe", "charges") == "copies" and knob_of("taboola", "campaign_day") == "campaigns"
    assert knob_of("shopify", "orders") == "days"


def test_copies_leave_a_parent_stream_as_documented_and_keep_to_the_windows_days() -> None:
    """Square's payments are asked per location and a window at a time: copied locations would
    be partitions each answered every payment copy, and a copy answered in every window would be
    read once per window."""
    from datetime import date, timedelta

    from bosco_connectors.framework.registry import get_connector
    from bosco_connectors.sandbox.generated import Route

    square = get_connector("square")
    app = app_for(square, copies=3, end_date=date(2026, 12, 1))
    locations, payments = (next(s for s in square.streams if s.name == n) for n in ("locations", "payments"))
    documented = app._as_documented(locations)
    assert app._copies(locations, documented).count == 1 and app._copies(payments, app._as_documented(payments)).count == 3

    def served(first: date, last: date) -> list[str]:
        params = {"updated_at_begin_time": f"{first}T00:00:00Z", "updated_at_end_time": f"{last}T00:00:00Z"}
        return [r["id"] for r in app._records(Route(payments, params, {}))]

    everything = served(date(2026, 1, 1), date(2026, 12, 2))
    assert len(everything) == 3 * len(app._as_documented(payments)) == len(set(everything))
    days = sorted({r["updated_at"][:10] for r in app._documented_records(payments)})
    last = date.fromisoformat(days[-1])
    only_last = served(last, last + timedelta(days=1))
    assert 0 < len(only_last) < len(everything)  # the window's own copies, not every one
    assert served(date(2026, 1, 1), date(2026, 1, 2)) == []
