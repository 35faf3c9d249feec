"""The declared plausible source: positional results, the unified web traffic facts, errors.

Expected values come from the fixture bodies (cassettes/plausible/), read by position with
each body's own echoed ``query`` here, never with the connector's code.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import pytest

from bosco_connectors.framework import ApiError, AuthError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.plausible import API, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

FIXTURES = Fixtures.load(fixture_folder("plausible"))
#: The fake answers at once: no need to keep to the vendor's 10 requests a minute here.
FAST = {"requests_per_minute": 6000}


def named_rows(stream: str) -> list[dict]:
    """Every documented result as ``{dimension or metric name: value}``, by its body's echoed query."""
    out = []
    for exchange in FIXTURES.data(stream):
        body = FIXTURES.body(exchange)
        names = body["query"]["dimensions"] + body["query"]["metrics"]
        out += [dict(zip(names, r["dimensions"] + r["metrics"])) for r in body["results"]]
    return out


def run(tmp_path: Path, answer_first=None, **config) -> list:
    app = FixtureApp(Fixtures.load(fixture_folder("plausible")))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="plausible_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**{**app.source_config(api.url(app.prefix)), **FAST, **config}))
    return seen


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def synced(module_tmp):
    """The documented sync (no config, no early answers) the read-only tests below query (run once for the module)."""
    return module_tmp, run(module_tmp)


def test_positional_results_load_under_their_query_names(synced):
    tmp_path, _ = synced
    traffic = query(tmp_path, "select site_id, date, source, utm_medium, utm_campaign, visitors, visits, pageviews, bounce_rate, "
                              "visit_duration from raw.plausible_traffic_daily order by 2, 3, 4, 5")
    assert traffic == sorted(("dummy.site", date.fromisoformat(r["time:day"]), r["visit:source"], r["visit:utm_medium"],
                              r["visit:utm_campaign"], r["visitors"], r["visits"], r["pageviews"], r["bounce_rate"],
                              r["visit_duration"]) for r in named_rows("traffic_daily"))
    assert ("dummy.site", date(2026, 11, 1), "facebook", "paid_social", "black_friday", 198, 211, 287, 71.0, 38) in traffic


def test_revenue_loads_as_the_exact_value_of_the_documented_object_and_its_currency(synced):
    tmp_path, _ = synced
    rows = query(tmp_path, "select date, source, goal, visitors, events, total_revenue, revenue_currency "
                           "from raw.plausible_goal_conversions_daily order by 1, 2, 3")
    assert (date(2026, 11, 1), "facebook", "Purchase", 6, 7, Decimal("912.35"), "USD") in rows
    assert (date(2026, 11, 1), "Twitter", "Signup", 14, 15, None, None) in rows  # a goal without revenue: null
    assert sum(r[5] or 0 for r in rows) == sum(Decimal(str(r["total_revenue"]["value"])) for r in named_rows("goal_conversions_daily")
                                              if r["total_revenue"]) == Decimal("3263.85")


def test_each_query_is_ordered_on_every_dimension_and_paged_in_its_body(synced):
    _, seen = synced
    bodies = [r.json() for r in seen if r.path.endswith("api/v2/query")]
    assert len(bodies) == 4
    for body in bodies:
        assert body["order_by"] == [[d, "asc"] for d in body["dimensions"]]
        assert body["date_range"] == ["2026-11-01", "2026-11-02"]
        assert body["include"] == {"total_rows": True} and body["site_id"] == "dummy.site"
    assert sorted(b["pagination"]["offset"] for b in bodies) == [0, 0, 3, 3]
    assert all(r.header("authorization") == "Bearer fixture-key" for r in seen)


def test_revenue_is_asked_for_only_when_the_config_says_the_plan_has_revenue_goals(tmp_path):
    answered = copy.deepcopy(FIXTURES.body(FIXTURES.data("goal_conversions_daily")[0]))
    for row in answered["results"]:
        row["metrics"] = row["metrics"][:2]
    answered["query"]["metrics"] = ["visitors", "events"]
    answered["meta"]["total_rows"] = 3

    def without_revenue(request):
        body = request.json() or {}
        return FakeResponse.json(answered) if "event:goal" in body.get("dimensions", []) else None

    seen = run(tmp_path, without_revenue, revenue_goals=False)
    goals = [r.json() for r in seen if "event:goal" in (r.json() or {}).get("dimensions", [])]
    assert [g["metrics"] for g in goals] == [["visitors", "events"]]
    assert query(tmp_path, "select count(*), count(total_revenue) from raw.plausible_goal_conversions_daily") == [(3, 0)]


def test_documented_totals_reach_fct_web_traffic_daily(tmp_path):
    """The generic fact test cannot read positional results: the same check, totals read by name."""
    from bosco_connectors.recipes.runner import build
    from bosco_connectors.sync import SyncJob, run_sync

    app = FixtureApp(Fixtures.load(fixture_folder("plausible")))
    db = tmp_path / "f.duckdb"
    with registered(connector), FakeApi([app]) as api:
        result = run_sync(SyncJob("t", connector.name, {**app.source_config(api.url(app.prefix)), **FAST}),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
        assert result.ok, result.failure_line
        con = duckdb.connect(str(db))
        built = build(con, select=["fct_web_traffic_daily"])
    assert built.get("fct_web_traffic_daily").status == "built", [m.line() for m in built.models if m.status != "built"]
    traffic, goals = named_rows("traffic_daily"), named_rows("goal_conversions_daily")

    def total(column: str) -> Decimal | None:
        value = con.execute(f"select sum({column}) from analytics.fct_web_traffic_daily where platform = 'plausible'").fetchone()[0]
        return None if value is None else Decimal(str(value))

    assert total("sessions") == sum(r["visits"] for r in traffic) == 1351
    assert total("users") == sum(r["visitors"] for r in traffic) == 1226
    assert total("conversions") == sum(r["events"] for r in goals) == 51
    assert total("revenue") == sum(Decimal(str(r["total_revenue"]["value"])) for r in goals if r["total_revenue"])
    assert total("new_users") is None and total("engaged_sessions") is None  # not reported: NULL, never 0
    # a goal's conversions sit on the same row as its visit's traffic
    row = con.execute("select sessions, users, conversions, revenue, currency from analytics.fct_web_traffic_daily "
                      "where platform = 'plausible' and date = '2026-11-02' and source = 'facebook'").fetchall()
    assert row == [(240, 224, 20, Decimal("1103"), "USD")]
    con.close()


def test_a_day_read_again_in_the_look_back_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path)
    changed = copy.deepcopy(FIXTURES.body(FIXTURES.data("traffic_daily")[1]))
    changed["results"][-1]["metrics"][1] = 250  # 2026-11-02 facebook's visits, restated

    def later(request):
        body = request.json() or {}
        if "event:goal" not in body.get("dimensions", []) and body.get("pagination", {}).get("offset") == 3:
            return FakeResponse.json(changed)
        return None

    run(tmp_path, later)
    assert query(tmp_path, "select count(*), sum(visits) from raw.plausible_traffic_daily") == [(5, 1361)]


@pytest.mark.parametrize(("status", "body", "kind"), [
    (401, "error.auth.json", AuthError),
    (402, "error.upgrade_required.json", AuthError),
    (429, "error.rate_limit.json", RetryableApiError),
    (200, "error.auth.json", ApiError),  # an error body in a 200 is an error, never an empty page
])
def test_the_documented_errors(status, body, kind):
    import httpx

    text = (fixture_folder("plausible") / "bodies" / body).read_text()
    response = httpx.Response(status, text=text, headers={"content-type": "application/json"})
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is kind
    assert response.json()["error"] in str(error)
