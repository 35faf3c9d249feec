"""Stream specs as dlt resources: the toy acme connector over the real FakeApi into DuckDB.

Expected rows are computed here from the acme app's documented behaviour (two items a
day, ``spend = item + day-of-month + 0.5``, pages of 3), not from the framework.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator

import dlt
import duckdb
import pytest

from bosco_connectors.framework import ConfigError, Connector, SourceError
from bosco_connectors.framework.resources import _run_concurrently
from bosco_connectors.sandbox import FakeApi
from tests.framework.toy_api import TODAY, AcmeApp, make_connector

LOOKBACK = 3  # days, as declared by the acme daily stream
PAGE = 3


def day(offset: int) -> date:
    return TODAY - timedelta(days=offset)


def expected_daily(first: date, last: date, tenant: str = "t1") -> set[tuple[str, int, date, float]]:
    rows, d = set(), first
    while d <= last:
        rows |= {(tenant, item, d, item + d.day + 0.5) for item in (0, 1)}
        d += timedelta(days=1)
    return rows


def pipeline(tmp_path: Path, name: str = "acme_t1", db: str = "acme.duckdb") -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(tmp_path / db)),
        dataset_name="raw",
        pipelines_dir=str(tmp_path / "pipelines"),
    )


def run(p: dlt.Pipeline, connector: Connector, config: dict[str, Any], tenant: str = "t1", **kwargs: Any) -> None:
    @dlt.source(name="acme")
    def acme() -> Any:
        return connector.resources(config, tenant_id=tenant, **kwargs)

    p.run(acme())


def query(tmp_path: Path, sql: str, db: str = "acme.duckdb") -> list[tuple[Any, ...]]:
    with duckdb.connect(str(tmp_path / db), read_only=True) as con:
        return con.sql(sql).fetchall()


def daily_rows(tmp_path: Path, db: str = "acme.duckdb") -> set[tuple[str, int, date, float]]:
    return set(query(tmp_path, "select tenant_id, item, day, spend from raw.acme_daily", db))


def daily_requests(api: FakeApi) -> list[tuple[date, date, int]]:
    return [
        (date.fromisoformat(r.arg("from")), date.fromisoformat(r.arg("to")), int(r.arg("page")))  # type: ignore[arg-type]
        for r in api.requests_to("/daily")
    ]


def saved_cursor(p: dlt.Pipeline) -> str:
    return str(p.state["sources"]["acme"]["resources"]["daily"]["incremental"]["day"]["last_value"])


def test_first_run_then_rerun_merges_and_rereads_only_the_lookback(tmp_path: Path, acme_api: FakeApi, acme_app: AcmeApp) -> None:
    p = pipeline(tmp_path)
    config = acme_app.source_config(acme_api.url("acme"))
    run(p, make_connector(), config)

    # Every row carries the tenant, and the tenant is in every primary key: it leads an entity
    # table; a daily report's day leads it (with the tenant, the report's clustering key).
    assert daily_rows(tmp_path) == expected_daily(day(acme_app.days - 1), TODAY)
    assert query(tmp_path, "select tenant_id, count(*) from raw.acme_items group by 1") == [("t1", acme_app.items)]
    for table, key, first in (("acme_daily", ["day", "tenant_id", "item"], ["day", "tenant_id"]), ("acme_items", ["tenant_id", "id"], ["tenant_id"])):
        columns = p.default_schema.get_table_columns(table)
        assert [n for n, c in columns.items() if c.get("primary_key")] == key
        assert list(columns)[:len(first)] == first

    # Window stepping: 7-day windows over 20 days, each read to its last page.
    first = daily_requests(acme_api)
    windows = sorted({(f, t) for f, t, _ in first})
    assert windows == [(day(19), day(13)), (day(12), day(6)), (day(5), TODAY)]
    pages = {w: math.ceil(((w[1] - w[0]).days + 1) * 2 / PAGE) for w in windows}
    assert sorted(first) == sorted((f, t, n) for (f, t), last in pages.items() for n in range(1, last + 1))
    assert saved_cursor(p) == TODAY.isoformat()

    acme_api.clear()
    run(p, make_connector(), config)

    # Merge: same rows, no duplicates.
    assert daily_rows(tmp_path) == expected_daily(day(acme_app.days - 1), TODAY)
    assert query(tmp_path, "select count(*), count(distinct (tenant_id, item, day)) from raw.acme_daily") == [(40, 40)]
    assert query(tmp_path, "select count(*) from raw.acme_items") == [(acme_app.items,)]
    # The second run asks only for the last cursor value minus the look-back.
    again = daily_requests(acme_api)
    assert {(f, t) for f, t, _ in again} == {(day(LOOKBACK), TODAY)}


def test_lookback_days_in_config_overrides_the_stream(tmp_path: Path, acme_api: FakeApi, acme_app: AcmeApp) -> None:
    p = pipeline(tmp_path)
    config = {**acme_app.source_config(acme_api.url("acme")), "lookback_days": 1}
    run(p, make_connector(), config, streams=["daily"])
    acme_api.clear()
    run(p, make_connector(), config, streams=["daily"])

    assert {(f, t) for f, t, _ in daily_requests(acme_api)} == {(day(1), TODAY)}
    assert acme_api.requests_to("/items") == []  # only the selected stream was read


def rows_of(resource: Any) -> list[dict[str, Any]]:
    """Evaluate a dlt resource without a pipeline (its pages flattened to rows)."""
    return [r for page in resource for r in ([page] if isinstance(page, dict) else page.to_pylist() if hasattr(page, "to_pylist") else page)]


def test_end_date_caps_the_range(acme_api: FakeApi, acme_app: AcmeApp) -> None:
    config = {**acme_app.source_config(acme_api.url("acme")), "end_date": day(10)}
    rows = rows_of(make_connector(window_days=None).resources(config, tenant_id="t1", streams=["daily"])[0])

    assert {(f, t) for f, t, _ in daily_requests(acme_api)} == {(day(19), day(10))}
    assert {(r["tenant_id"], r["item"], r["day"], r["spend"]) for r in rows} == expected_daily(day(19), day(10))


def test_arrow_and_dict_paths_give_identical_tables(tmp_path: Path, acme_api: FakeApi, acme_app: AcmeApp) -> None:
    config = acme_app.source_config(acme_api.url("acme"))
    run(pipeline(tmp_path, "dicts", "dicts.duckdb"), make_connector(arrow=False), config, streams=["daily"])
    run(pipeline(tmp_path, "arrow", "arrow.duckdb"), make_connector(arrow=True), config, streams=["daily"])

    expected = expected_daily(day(19), TODAY)
    assert daily_rows(tmp_path, "dicts.duckdb") == expected
    assert daily_rows(tmp_path, "arrow.duckdb") == expected
    types = "select column_name, data_type from information_schema.columns where table_schema = 'raw' and table_name = 'acme_daily' and column_name not like '\\_dlt%' escape '\\' order by column_name"
    assert query(tmp_path, types, "dicts.duckdb") == query(tmp_path, types, "arrow.duckdb") == [
        ("day", "DATE"), ("item", "BIGINT"), ("spend", "DOUBLE"), ("tenant_id", "VARCHAR"),
    ]


def test_backfill_rereads_a_range_without_moving_the_saved_cursor(tmp_path: Path, acme_api: FakeApi, acme_app: AcmeApp) -> None:
    p = pipeline(tmp_path)
    config = {**acme_app.source_config(acme_api.url("acme")), "start_date": day(5)}
    run(p, make_connector(), config, streams=["daily"])
    assert saved_cursor(p) == TODAY.isoformat()

    acme_api.clear()
    run(p, make_connector(), config, streams=["daily"], backfill_start=day(15), backfill_end=day(8))

    assert {(f, t) for f, t, _ in daily_requests(acme_api)} == {(day(15), day(9)), (day(8), day(8))}
    assert daily_rows(tmp_path) == expected_daily(day(15), day(8)) | expected_daily(day(5), TODAY)
    assert saved_cursor(p) == TODAY.isoformat()

    acme_api.clear()
    run(p, make_connector(), config, streams=["daily"])

    # Had the backfill moved the cursor to its end, this would start at day(8 + LOOKBACK).
    assert {(f, t) for f, t, _ in daily_requests(acme_api)} == {(day(LOOKBACK), TODAY)}
    assert query(tmp_path, "select count(*) from raw.acme_daily") == [((8 + 6) * 2,)]


def test_backfill_without_an_end_reads_up_to_today(tmp_path: Path, acme_api: FakeApi, acme_app: AcmeApp) -> None:
    config = acme_app.source_config(acme_api.url("acme"))
    resource = make_connector(window_days=None).resources(config, tenant_id="t1", streams=["daily"], backfill_start=day(4))[0]

    rows = rows_of(resource)

    assert {(f, t) for f, t, _ in daily_requests(acme_api)} == {(day(4), TODAY)}
    assert {(r["tenant_id"], r["item"], r["day"], r["spend"]) for r in rows} == expected_daily(day(4), TODAY)


def test_two_tenants_in_one_dataset_keep_separate_rows(tmp_path: Path, acme_api: FakeApi, acme_app: AcmeApp) -> None:
    small = AcmeApp(days=10, items=4)
    with FakeApi([small]) as other:
        config_1 = acme_app.source_config(acme_api.url("acme"))
        config_2 = small.source_config(other.url("acme"))
        p1, p2 = pipeline(tmp_path, "acme_t1"), pipeline(tmp_path, "acme_t2")
        run(p1, make_connector(), config_1, tenant="t1")
        run(p2, make_connector(), config_2, tenant="t2")
        run(p1, make_connector(), config_1, tenant="t1")  # a merge for t1 must not touch t2

    assert daily_rows(tmp_path) == expected_daily(day(19), TODAY, "t1") | expected_daily(day(9), TODAY, "t2")
    assert query(tmp_path, "select tenant_id, count(*) from raw.acme_items group by 1 order by 1") == [("t1", 7), ("t2", 4)]


def test_partitions_are_read_concurrently_and_every_page_arrives(tmp_path: Path, acme_app: AcmeApp) -> None:
    shards = ("a", "b", "c", "d", "e", "f")
    with FakeApi([acme_app], latency=0.02) as api:
        config = acme_app.source_config(api.url("acme"))
        run(pipeline(tmp_path), make_connector(shards=shards), config, streams=["sharded"])
        peak = api.max_in_flight
        requested = sorted((r.arg("shard"), r.arg("page")) for r in api.requests_to("/sharded"))

    pages = math.ceil(acme_app.items / PAGE)
    assert requested == sorted((s, str(n)) for s in shards for n in range(1, pages + 1))
    rows = query(tmp_path, "select tenant_id, shard, id from raw.acme_sharded")
    assert sorted(rows) == sorted(("t1", s, i) for s in shards for i in range(acme_app.items))
    assert 2 <= peak <= 4  # concurrent, within both max_workers and the client's RateLimit(4)


def test_one_worker_reads_partitions_one_at_a_time(acme_app: AcmeApp) -> None:
    with FakeApi([acme_app], latency=0.01) as api:
        config = {**acme_app.source_config(api.url("acme")), "max_workers": 1}
        resource = make_connector(shards=("a", "b", "c")).resources(config, streams=["sharded"])[0]
        rows = rows_of(resource)

    assert len(rows) == 3 * acme_app.items
    assert api.max_in_flight == 1


def test_errors_are_located_with_source_and_stream(acme_app: AcmeApp) -> None:
    with FakeApi([acme_app]) as api:
        config = {**acme_app.source_config(api.url("acme")), "token": "wrong-token-000"}
        resource = make_connector().resources(config, streams=["items"])[0]
        with pytest.raises(Exception) as info:
            list(resource)

    # dlt wraps resource errors; ours is in the chain with its location.
    err = info.value
    while err is not None and not isinstance(err, SourceError):
        err = err.__cause__ or err.__context__
    assert err is not None
    assert str(err).startswith("acme/items: HTTP 401: invalid token [GET ")
    assert "wrong-token-000" not in str(info.value)


def test_unknown_stream_and_bad_config_are_config_errors(acme_app: AcmeApp) -> None:
    config = acme_app.source_config("http://127.0.0.1:9")
    with pytest.raises(ConfigError, match=r"acme: unknown stream\(s\) nope; known: daily, items"):
        make_connector().resources(config, streams=["nope"])
    with pytest.raises(ConfigError) as info:
        make_connector().resources({"base_url": "http://127.0.0.1:9", "max_workers": 0, "tokn": "oops-secret"})
    text = str(info.value)
    assert text.startswith("acme: invalid config: ")
    assert "'token': Field required" in text and "'max_workers'" in text and "'tokn': Extra inputs are not permitted" in text
    assert "oops-secret" not in text


# -- the concurrent page pump ----------------------------------------------------------


def pages(name: str, n: int, delay: float = 0.0, fail_at: int | None = None):
    def task() -> Iterator[str]:
        for i in range(n):
            if fail_at == i:
                raise SourceError("page failed", source="acme", stream=name)
            time.sleep(delay)
            yield f"{name}{i}"

    return task


def test_run_concurrently_yields_every_page_of_every_task() -> None:
    got = list(_run_concurrently([pages("a", 5, 0.001), pages("b", 7, 0.001), pages("c", 1)], workers=3))
    assert sorted(got) == sorted([f"a{i}" for i in range(5)] + [f"b{i}" for i in range(7)] + ["c0"])
    # Each task's own pages stay in order.
    assert [p for p in got if p.startswith("b")] == [f"b{i}" for i in range(7)]


def test_run_concurrently_raises_a_task_error() -> None:
    with pytest.raises(SourceError, match="acme/b: page failed"):
        list(_run_concurrently([pages("a", 50, 0.001), pages("b", 5, fail_at=2)], workers=2))


def test_run_concurrently_stops_workers_when_the_consumer_leaves() -> None:
    before = threading.active_count()
    gen = _run_concurrently([pages("a", 1000), pages("b", 1000)], workers=2)
    assert next(gen) in {"a0", "b0"}
    gen.close()  # must not hang on full queues
    assert threading.active_count() <= before


class PageClock:
    """The reader's clocks, driven by the pages themselves: a test never depends on the
    machine's speed or load (a loaded CI machine stretches a busy loop's wall time)."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0
        self._lock = threading.Lock()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> "PageClock":
        from bosco_connectors.framework import resources

        monkeypatch.setattr(resources, "perf_counter", lambda: self.wall)
        monkeypatch.setattr(resources, "thread_time", lambda: self.cpu)
        return self

    def spend(self, waited: float, computed: float) -> None:
        with self._lock:
            self.wall += waited + computed
            self.cpu += computed


def named_pages(name: str, n: int, clock: PageClock, delay: float = 0.0, spin: float = 0.0):
    """Pages that say which thread read them; each `delay` waits (an API), each `spin` computes."""

    def task() -> Iterator[tuple[str, str]]:
        for i in range(n):
            clock.spend(delay, spin)
            yield f"{name}{i}", threading.current_thread().name

    return task


def test_run_concurrently_moves_to_threads_when_the_api_makes_it_wait(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = PageClock().install(monkeypatch)
    with caplog.at_level(logging.INFO, logger="bosco_connectors.read"):
        got = list(_run_concurrently([named_pages(t, 4, clock, delay=0.05) for t in "abcd"], workers=3, label="acme/report"))
    assert "acme/report: reading the remaining" in caplog.text  # what `bosco-sync run -v` shows
    assert sorted(p for p, _ in got) == sorted(f"{t}{i}" for t in "abcd" for i in range(4))
    readers = {thread for _, thread in got}
    assert threading.current_thread().name in readers  # it starts inline...
    assert any(name.startswith("bosco-read") for name in readers)  # ...and waits in threads


def test_run_concurrently_stays_inline_while_reading_is_computing(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = PageClock().install(monkeypatch)
    got = list(_run_concurrently([named_pages(t, 10, clock, spin=0.01) for t in "abc"], workers=3))
    assert len(got) == 30
    assert {thread for _, thread in got} == {threading.current_thread().name}


def test_run_concurrently_eager_with_one_worker_reads_the_next_page_while_the_consumer_works() -> None:
    # A sync holding one lane: the consumer (dlt) has not let go of page 0 when page 1 is
    # asked for. Read inline, the second request would wait for the consumer: a timeout.
    second_asked = threading.Event()

    def task(name: str, first: bool):
        def run():
            yield f"{name}0"
            if first:
                second_asked.set()
            yield f"{name}1"

        return run

    got = []
    for page in _run_concurrently([task("a", True), task("b", False)], workers=1, eager=True):
        if page == "a0":
            assert second_asked.wait(5)
        got.append(page)
    assert got == ["a0", "a1", "b0", "b1"]  # one reader: the tasks' pages in their order


def test_run_concurrently_eager_puts_every_worker_in_flight_from_the_first_page() -> None:
    # A sync holding k lanes of a vendor budget: k requests at once from the first one. Each
    # task's first page waits for the others' (a barrier): read inline first, it would time out.
    meet = threading.Barrier(3, timeout=5)

    def task(name: str):
        def run():
            meet.wait()
            yield f"{name}0"
            yield f"{name}1"

        return run

    got = list(_run_concurrently([task("a"), task("b"), task("c")], workers=3, eager=True))
    assert sorted(got) == ["a0", "a1", "b0", "b1", "c0", "c1"]
