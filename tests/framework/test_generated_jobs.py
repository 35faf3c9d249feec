"""The generated fake serves a declared `AsyncReportStream`: create -> job id, poll -> done, file.

A toy declared source ("reports_demo") with documented fixtures written here: the
creation and poll bodies and a gzip CSV report of one row. The generated fake answers
from them with the demo world's values; the stream reads every account and day of the
world, loaded through dlt. Expected values come from `World`, not from the fake.
"""

from __future__ import annotations

import gzip
import io
import json
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import dlt
import duckdb
import pytest
from pydantic import Field, SecretStr

from bosco_connectors.framework import IdList, SourceConfig
from bosco_connectors.framework.auth import Bearer
from bosco_connectors.framework.declare import Api, declare
from bosco_connectors.framework.files import Csv
from bosco_connectors.framework.ids import Id
from bosco_connectors.framework.jobs import DONE, FAILED, RUNNING, AsyncReport, AsyncReportStream, Create, Download, Poll
from bosco_connectors.framework.params import ForEach, WindowParams
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Contract, Cursor
from bosco_connectors.framework.unified import Performance
from bosco_connectors.sandbox import FakeApi, World

END = date(2026, 11, 20)


class ReportsConfig(SourceConfig):
    access_token: SecretStr = Field(description="API token")
    account_ids: IdList = Field(min_length=1, description="accounts")


class CampaignDaily(Contract):
    account_id: Id
    campaign_id: Id
    campaign_name: str | None = None
    day: date
    spend: float
    impressions: int
    clicks: int
    conversions: float
    revenue: float
    currency: str | None = None
    objective: str | None = None


REPORT = AsyncReport(
    name="campaign report",
    create=Create("accounts/{account_id}/reports", body={"level": "campaign"}, job_id="report.id",
                  window=WindowParams("range.from", "range.to", in_body=True)),
    poll=Poll("reports/{job_id}", status="report.state", url="report.download_url", error="report.failure",
              statuses={"QUEUED": RUNNING, "DONE": DONE, "FAILED": FAILED}),
    download=Download(Csv(compression="gzip")),
    first_poll=0.01, max_poll=0.05, max_concurrent=2,
)

STREAM = AsyncReportStream(
    name="campaign_daily", report=REPORT, partitions=ForEach("account_ids", "account_id"),
    records=Records(from_partition=("account_id",)), contract=CampaignDaily, primary_key=("campaign_id", "day"),
    cursor=Cursor("day", lookback=timedelta(days=3), window=timedelta(days=4)), arrow=True,
    unified=Performance("campaign", date="day", account="account_id", campaign="campaign_id", campaign_name="campaign_name",
                        spend="spend", impressions="impressions", clicks="clicks", conversions="conversions",
                        conversion_value="revenue", currency="currency"),
)

connector = declare("reports_demo", title="Reports demo", api=Api(base_url="https://api.reports.example/v2/", auth=Bearer()),
                    config=ReportsConfig, streams=[STREAM], api_version="v2", docs_url="https://reports.example/docs", category="ads")

DOCUMENTED_ROW = ("account_id,campaign_id,campaign_name,day,spend,impressions,clicks,conversions,revenue,currency,objective\n"
                  "5550001,8880001,Spring sale,2026-11-01,12.34,1000,20,1,45.50,USD,SALES\n")


def write_fixtures(folder: Path) -> None:
    bodies = folder / "reports_demo" / "bodies"
    bodies.mkdir(parents=True)
    (bodies / "create.json").write_text(json.dumps({"report": {"id": "9001", "state": "QUEUED"}}))
    (bodies / "poll.json").write_text(json.dumps({"report": {"id": "9001", "state": "DONE", "failure": None,
                                                              "download_url": "{root}/files/9001.csv.gz"}}))
    (bodies / "report.csv.gz").write_bytes(gzip.compress(DOCUMENTED_ROW.encode()))
    (bodies / "error.auth.json").write_text(json.dumps({"error": {"message": "invalid token"}}))
    manifest = {
        "config": {"access_token": "fixture-token", "account_ids": ["5550001"], "start_date": "2026-11-01", "end_date": "2026-11-01"},
        "exchanges": [
            {"stream": "campaign_daily", "request": {"method": "POST", "path": "accounts/5550001/reports"},
             "response": {"status": 200, "body": "create.json"}},
            {"stream": "campaign_daily", "request": {"method": "GET", "path": "reports/9001"},
             "response": {"status": 200, "body": "poll.json"}},
            {"stream": "campaign_daily", "request": {"method": "GET", "path": "files/9001.csv.gz"},
             "response": {"status": 200, "body": "report.csv.gz"}},
            {"kind": "auth_error", "response": {"status": 401, "body": "error.auth.json"}},
        ],
    }
    (folder / "reports_demo" / "fixtures.json").write_text(json.dumps(manifest))


@pytest.fixture
def app(tmp_path, monkeypatch):
    from bosco_connectors.framework import registry
    from bosco_connectors.sandbox.generated import GeneratedApp

    write_fixtures(tmp_path / "cassettes")
    monkeypatch.setenv("BOSCO_CASSETTES", str(tmp_path / "cassettes"))
    monkeypatch.setattr(registry, "get_connector", lambda name: connector)
    return GeneratedApp("reports_demo", seed=5, size="tiny", end_date=END, accounts=2)


def expected(world: World) -> dict[tuple[str, date], tuple[float, int]]:
    out = {}
    for account in world.accounts:
        for campaign in account.campaigns:
            for day in world.days:
                m = world.sum_metrics([ad for g in campaign.ad_groups for ad in g.ads], day)
                if m.impressions:
                    out[(campaign.id, day)] = (m.spend, m.impressions)
    return out


def test_generated_fake_serves_a_declared_report_job(tmp_path, app):
    with FakeApi([app]) as api:
        config = app.source_config(api.url(app.prefix))
        pipeline = dlt.pipeline(pipeline_name="reports", destination=dlt.destinations.duckdb(str(tmp_path / "r.duckdb")),
                                pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
        pipeline.run(connector.resources(config, tenant_id="t1"), loader_file_format="parquet")
        creates = [r for r in api.requests if r.method == "POST"]
        files = api.requests_to("/_jobs/")

    with duckdb.connect(str(tmp_path / "r.duckdb"), read_only=True) as con:
        rows = con.execute("select campaign_id, day, spend, impressions, currency, objective, tenant_id "
                           "from raw.reports_demo_campaign_daily").fetchall()
    world = app.world
    assert {(r[0], r[1]): (r[2], r[3]) for r in rows} == expected(world) and len(rows) == len(expected(world))
    currency = {c.id: a.currency for a in world.accounts for c in a.campaigns}
    assert all(r[4] == currency[r[0]] and r[5] == "SALES" and r[6] == "t1" for r in rows)  # objective: as documented
    windows = defaultdict(list)
    for request in creates:
        body = json.loads(request.body)
        windows[request.path.split("/")[-2]].append((body["range"]["from"], body["range"]["to"]))
    days = world.days
    assert set(windows) == {a.id for a in world.accounts}
    assert all(sorted(w)[0][0] == days[0].isoformat() and sorted(w)[-1][1] == days[-1].isoformat() and len(w) == 3
               for w in windows.values()), windows  # 10 days in windows of 4: three jobs per account
    assert len(files) == len(creates)


# -- two reports created at one path, told apart by the level each declares ------------------


class AdDaily(Contract):
    account_id: Id
    ad_id: Id
    day: date
    spend: float
    impressions: int
    clicks: int
    conversions: float
    revenue: float


AD_STREAM = AsyncReportStream(
    name="ad_daily", partitions=ForEach("account_ids", "account_id"),
    report=AsyncReport(name="ad report", create=Create("accounts/{account_id}/reports", body={"level": "ad"}, job_id="report.id",
                                                       window=WindowParams("range.from", "range.to", in_body=True)),
                       poll=REPORT.poll, download=REPORT.download, first_poll=0.01, max_poll=0.05),
    records=Records(from_partition=("account_id",)), contract=AdDaily, primary_key=("ad_id", "day"),
    cursor=Cursor("day", lookback=timedelta(days=3), window=timedelta(days=4)), arrow=True,
    unified=Performance("ad", date="day", account="account_id", campaign="campaign_id", ad_group="ad_group_id", ad="ad_id",
                        spend="spend", impressions="impressions", clicks="clicks", conversions="conversions",
                        conversion_value="revenue", currency="currency"),
)
two_levels = declare("reports_two", title="Reports, two levels", api=connector.api, config=ReportsConfig,  # type: ignore[attr-defined]
                     streams=[STREAM, AD_STREAM], api_version="v2", docs_url="https://reports.example/docs", category="ads")


def test_reports_created_at_one_path_are_told_apart_by_their_declared_level(tmp_path, monkeypatch):
    """Pinterest creates every level's report at POST ad_accounts/{id}/reports: the fake must
    answer an ad-level job with ad rows, not with the first declared (campaign) report's."""
    import httpx

    from bosco_connectors.framework.files import Csv
    from bosco_connectors.sandbox.generated import GeneratedApp

    folder = tmp_path / "cassettes"
    write_fixtures(folder)
    (folder / "reports_demo").rename(folder / "reports_two")
    bodies = folder / "reports_two" / "bodies"
    (bodies / "ad.csv.gz").write_bytes(gzip.compress(b"account_id,campaign_id,ad_group_id,ad_id,day,spend,impressions,clicks,"
                                                     b"conversions,revenue,currency\n5550001,8880001,7770001,6660001,2026-11-01,"
                                                     b"1.5,100,2,0,0,USD\n"))
    manifest = json.loads((folder / "reports_two" / "fixtures.json").read_text())
    manifest["exchanges"] += [
        {"stream": "ad_daily", "request": {"method": "POST", "path": "accounts/5550001/reports", "json": {"level": "ad"}},
         "response": {"status": 200, "body": "create.json"}},
        {"stream": "ad_daily", "request": {"method": "GET", "path": "reports/9002"}, "response": {"status": 200, "body": "poll.json"}},
        {"stream": "ad_daily", "request": {"method": "GET", "path": "files/9002.csv.gz"}, "response": {"status": 200, "body": "ad.csv.gz"}},
    ]
    (folder / "reports_two" / "fixtures.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("BOSCO_CASSETTES", str(folder))
    app = GeneratedApp(connector=two_levels, seed=5, size="tiny", end_date=END, accounts=1)
    account = app.world.accounts[0]
    with FakeApi([app]) as api, httpx.Client(base_url=api.url(app.prefix), headers={
            "Authorization": f"Bearer {app.credentials['access_token']}"}) as http:
        created = http.post(f"v2/accounts/{account.id}/reports", json={"level": "ad", "range": {"from": END.isoformat(), "to": END.isoformat()}})
        job = created.json()["report"]["id"]
        url = http.get(f"v2/reports/{job}").json()["report"]["download_url"]
        rows = [r for batch in Csv().batches(io.BytesIO(http.get(url).content)) for r in batch]

    delivered = {ad.id for ad in app.world.ads(account.id) if app.world.sum_metrics([ad], END).impressions}
    assert rows and {r["ad_id"] for r in rows} == delivered  # ad rows: the campaign report's rows have no ad_id
    assert {r["day"] for r in rows} == {END.isoformat()}
