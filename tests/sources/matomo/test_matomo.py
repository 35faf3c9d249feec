"""The declared matomo source: days keyed answers, token_auth in the POST body only, the
unified web traffic facts (channels plus campaigns), errors.

Expected values come from the fixture bodies (cassettes/matomo/), read here by their day keys,
never with the connector's code.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.registry import registered
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sandbox.server import FakeResponse
from bosco_connectors.sources.matomo import API, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from ..replayed import query

FOLDER = fixture_folder("matomo")
FIXTURES = Fixtures.load(FOLDER)
TOKEN = FIXTURES.config["token_auth"]


def body(name: str) -> dict:
    return json.loads((FOLDER / "bodies" / name).read_text())


def rows(name: str) -> list[dict]:
    """Every documented row of a day-keyed body, with its day."""
    out = []
    for day, answer in body(name).items():
        out += [{**r, "day": day} for r in ([answer] if isinstance(answer, dict) else answer)]
    return out


def run(tmp_path: Path, answer_first=None, **config) -> list:
    app = FixtureApp(Fixtures.load(FOLDER))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name="matomo_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**{**app.source_config(api.url(app.prefix)), **config}))
    return seen


@pytest.fixture(scope="module")
def replayed(module_tmp: Path) -> tuple[Path, list]:
    """The documented sync the three read-only tests below query (run once for the module): its
    folder and the requests it made."""
    folder = module_tmp / "replayed"
    return folder, run(folder)


def test_day_keyed_answers_load_one_row_per_day_and_row(replayed):
    tmp_path, _ = replayed
    visits = query(tmp_path, "select id_site, date, nb_uniq_visitors, nb_visits, bounce_rate, avg_time_on_site "
                             "from raw.matomo_visits_summary_daily order by date")
    assert visits == [("1", date.fromisoformat(r["day"]), r["nb_uniq_visitors"], r["nb_visits"], r["bounce_rate"],
                       r["avg_time_on_site"]) for r in rows("visits_summary_daily.json")]
    channels = query(tmp_path, "select date, channel, label, nb_visits, nb_conversions, revenue, referrer_type "
                               "from raw.matomo_referrer_types_daily order by 1, 2")
    assert (date(2026, 11, 1), "search", "Search Engines", 530, 15, Decimal("822.61"), 2) in channels
    assert len(channels) == len(rows("referrer_types_daily.json")) == 7
    campaigns = query(tmp_path, "select date, channel, label, nb_visits, revenue, referrer_type from raw.matomo_campaigns_daily order by 1, 3")
    assert campaigns[0] == (date(2026, 11, 1), "campaign", "black_friday", 291, Decimal("394"), None)


def test_revenue_loads_as_the_exact_decimal_sent(replayed):
    tmp_path, _ = replayed
    goals = query(tmp_path, "select date, nb_conversions, revenue, revenue_new_visit, revenue_returning_visit from raw.matomo_goals_daily order by 1")
    assert goals[0] == (date(2026, 11, 1), 47, Decimal("3121.11"), Decimal("1040.5"), Decimal("2080.61"))
    assert sum(g[2] for g in goals) == sum(Decimal(str(r["revenue"])) for r in rows("goals_daily.json")) == Decimal("6573.76")


def test_token_auth_goes_in_the_post_body_and_never_in_the_url(replayed):
    _, seen = replayed
    assert len(seen) == 5
    for request in seen:
        assert request.method == "POST"
        assert "token_auth" not in request.query and TOKEN not in str(request.query)
        assert parse_qs(request.body.decode()) == {"token_auth": [TOKEN]}
        assert request.arg("module") == "API" and request.arg("format") == "JSON"
    reports = [r for r in seen if r.arg("period")]
    assert sorted(r.arg("method") for r in reports) == ["Goals.get", "Referrers.getCampaigns", "Referrers.getReferrerType",
                                                        "VisitsSummary.get"]
    assert {(r.arg("idSite"), r.arg("period"), r.arg("date"), r.arg("filter_limit")) for r in reports} == {
        ("1", "day", "2026-11-01,2026-11-02", "-1")}


def test_a_form_credential_keeps_the_form_and_refuses_a_get():
    auth = ApiKey("token_auth", form="token_auth").build(type("C", (), {"token_auth": "s3cret"})())
    request = httpx.Request("POST", "https://m.example/index.php?module=API", data={"a": "1"})
    sent = next(auth.auth_flow(request))
    assert parse_qs(sent.read().decode()) == {"a": ["1"], "token_auth": ["s3cret"]}
    assert sent.url == request.url and sent.headers["content-type"] == "application/x-www-form-urlencoded"
    with pytest.raises(AuthError, match="POST form"):
        next(auth.auth_flow(httpx.Request("GET", "https://m.example/index.php")))


def test_a_day_without_data_is_an_empty_list_and_loads_no_row(tmp_path):
    empty = copy.deepcopy(body("visits_summary_daily.json"))
    empty["2026-11-02"] = []

    def quiet_day(request):
        return FakeResponse.json(empty) if request.arg("method") == "VisitsSummary.get" else None

    run(tmp_path, quiet_day)
    assert query(tmp_path, "select date from raw.matomo_visits_summary_daily") == [(date(2026, 11, 1),)]


def test_channels_and_campaigns_reach_fct_web_traffic_daily_without_counting_campaigns_twice(tmp_path):
    from bosco_connectors.recipes.runner import build
    from bosco_connectors.sync import SyncJob, run_sync

    app = FixtureApp(Fixtures.load(FOLDER))
    db = tmp_path / "f.duckdb"
    with registered(connector), FakeApi([app]) as api:
        result = run_sync(SyncJob("t", connector.name, app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
        assert result.ok, result.failure_line
        con = duckdb.connect(str(db))
        built = build(con, select=["fct_web_traffic_daily"])
    assert built.get("fct_web_traffic_daily").status == "built", [m.line() for m in built.models if m.status != "built"]

    def total(column: str):
        value = con.execute(f"select sum({column}) from analytics.fct_web_traffic_daily where platform = 'matomo'").fetchone()[0]
        return None if value is None else Decimal(str(value))

    site = rows("visits_summary_daily.json")
    goals = rows("goals_daily.json")
    # The channels other than campaigns, plus each campaign: the site's visits, conversions and revenue, once.
    assert total("sessions") == sum(r["nb_visits"] for r in site) == 2857
    assert total("conversions") == sum(r["nb_conversions"] for r in goals) == 90
    assert total("revenue") == sum(Decimal(str(r["revenue"])) for r in goals) == Decimal("6573.76")
    assert total("new_users") is None and total("engaged_sessions") is None  # not reported: NULL, never 0
    campaign = con.execute("select date, medium, campaign, sessions, users, conversions, revenue, currency, source "
                           "from analytics.fct_web_traffic_daily where platform = 'matomo' and campaign is not null "
                           "order by 1, 3").fetchall()
    assert campaign[0] == (date(2026, 11, 1), "campaign", "black_friday", 291, 240, 10, Decimal("394"), "USD", None)
    assert con.execute("select count(*) from analytics.fct_web_traffic_daily where platform = 'matomo' "
                       "and medium = 'campaign' and campaign is null").fetchone()[0] == 0
    con.close()


def test_a_day_read_again_in_the_look_back_changes_its_row_and_adds_none(tmp_path):
    run(tmp_path)
    restated = copy.deepcopy(body("referrer_types_daily.json"))
    restated["2026-11-02"][0]["nb_visits"] = 700  # direct entry's visits on the 2nd, archived again

    def later(request):
        return FakeResponse.json(restated) if request.arg("method") == "Referrers.getReferrerType" else None

    run(tmp_path, later)
    assert query(tmp_path, "select count(*), sum(nb_visits) from raw.matomo_referrer_types_daily") == [(7, 2857 - 688 + 700)]


@pytest.mark.parametrize(("status", "name", "kind"), [
    (401, "error.auth.json", AuthError),
    (401, "error.no_access.json", AuthError),
    (200, "error.auth.json", ApiError),  # an error body in a 200 (Matomo's other errors) fails, never an empty day
])
def test_the_documented_errors(status, name, kind):
    text = (FOLDER / "bodies" / name).read_text()
    response = httpx.Response(status, text=text, headers={"content-type": "application/json"})
    error = API.errors.policy().for_status(response, response.json())
    assert type(error) is kind
    assert response.json()["message"] in str(error)


def test_the_generated_fake_serves_each_day_and_wants_the_token_in_the_form(tmp_path):
    """The demo's fake: the documented rows on every day asked, a token in the URL refused."""
    from bosco_connectors.sandbox.generated import GeneratedApp

    app = GeneratedApp(connector=connector, seed=3, size="tiny", end_date=date(2026, 11, 10))
    with FakeApi([app]) as api:
        config = {**app.source_config(api.url(app.prefix)), "start_date": "2026-11-01", "end_date": "2026-11-10"}
        pipeline = dlt.pipeline(pipeline_name="matomo_fake", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                                pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
        pipeline.run(source(**config))
        url = api.url(app.prefix).rstrip("/") + "/index.php?module=API&method=VisitsSummary.get&format=JSON&idSite=1&period=day&filter_limit=-1&date=2026-11-01,2026-11-01"
        in_url = httpx.post(url + f"&token_auth={config['token_auth']}")
        in_form = httpx.post(url, data={"token_auth": config["token_auth"]})
    assert in_url.status_code == 401 and in_url.json()["result"] == "error"
    assert in_form.status_code == 200 and list(in_form.json()) == ["2026-11-01"]
    assert query(tmp_path, "select count(distinct date), min(date), max(date) from raw.matomo_visits_summary_daily") == [
        (10, date(2026, 11, 1), date(2026, 11, 10))]
    assert query(tmp_path, "select count(*) from raw.matomo_sites") == [(1,)]
