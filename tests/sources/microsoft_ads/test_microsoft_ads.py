"""The declared microsoft_ads source: its documented bodies as loaded, its errors, its hosts, its report job.

Expected values are read off the documented bodies in cassettes/microsoft_ads/ (the zipped CSV
read with the csv module) or the demo `World`, never computed by the connector.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, ConfigError, RetryableApiError
from bosco_connectors.framework.errormap import SkipPartition
from bosco_connectors.framework.registry import provisional, registered
from bosco_connectors.sandbox import FakeApi, app_for, sandbox_config
from bosco_connectors.sources.microsoft_ads import API, connector
from bosco_connectors.sources.microsoft_ads.client import SERVICE_HOSTS
from bosco_connectors.sync import build_source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

FOLDER = fixture_folder("microsoft_ads")
ACCOUNT = "180012345"
END = date(2026, 11, 20)


def documented_report() -> list[dict[str, str]]:
    with zipfile.ZipFile(FOLDER / "bodies" / "campaign_daily.csv.zip") as archive:
        text = archive.read(archive.namelist()[0]).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def load_documented(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    app = FixtureApp(Fixtures.load(FOLDER))
    with provisional(connector), FakeApi([app]) as api:
        source, _ = build_source(connector, app.source_config(api.url(app.prefix)), tenant_id="t1")
        pipeline = dlt.pipeline("msads_docs", destination=dlt.destinations.duckdb(str(tmp_path / "m.duckdb")),
                                dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
        pipeline.run(source, loader_file_format="parquet")
    assert not app.unmatched
    return duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def documented(module_tmp) -> Path:
    """The documented sync every test of the loaded bodies below queries (run once for the module)."""
    load_documented(module_tmp).close()
    return module_tmp / "m.duckdb"


def read(db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(db), read_only=True)


# -- the documented bodies, as loaded ---------------------------------------------------------


def test_the_documented_report_file_loads_row_for_row_with_exact_money(documented):
    con = read(documented)
    loaded = con.execute("select time_period, campaign_id, campaign_name, impressions, clicks, spend, conversions, revenue, "
                         "currency_code from raw.microsoft_ads_campaign_daily order by time_period, campaign_id").fetchall()
    expected = [(date.fromisoformat(r["TimePeriod"]), r["CampaignId"], r["CampaignName"], int(r["Impressions"]), int(r["Clicks"]),
                 Decimal(r["Spend"]), float(r["Conversions"]), Decimal(r["Revenue"]), r["CurrencyCode"]) for r in documented_report()]
    assert loaded == sorted(expected, key=lambda r: (r[0], r[1])) and len(loaded) == 3
    assert con.execute("select typeof(spend) from raw.microsoft_ads_campaign_daily limit 1").fetchone()[0].startswith("DECIMAL")


def test_the_documented_account_keeps_its_currency_and_time_zone(documented):
    con = read(documented)
    assert con.execute("select id, name, currency_code, time_zone, account_life_cycle_status from raw.microsoft_ads_accounts"
                       ).fetchall() == [(ACCOUNT, "Contoso Outdoor - US", "USD", "PacificTimeUSCanadaTijuana", "Active")]


def test_children_carry_the_ids_of_the_requests_that_read_them(documented):
    """An AdGroup does not name its campaign, nor an Ad its ad group: the request's ids do."""
    con = read(documented)
    assert con.execute("select id, account_id, status, daily_budget from raw.microsoft_ads_campaigns order by id").fetchall() == [
        ("412345678", ACCOUNT, "Active", Decimal("50")), ("412345679", ACCOUNT, "Paused", Decimal("25.5"))]
    assert con.execute("select id, campaign_id, account_id from raw.microsoft_ads_ad_groups order by id").fetchall() == [
        ("1312345670001", "412345678", ACCOUNT), ("1312345670002", "412345679", ACCOUNT)]
    assert con.execute("select id, ad_group_id, campaign_id, type from raw.microsoft_ads_ads order by id").fetchall() == [
        ("84012345670001", "1312345670001", "412345678", "ResponsiveSearch"),
        ("84012345670002", "1312345670002", "412345679", "ResponsiveSearch")]
    assert con.execute("select id, ad_group_id, text, match_type from raw.microsoft_ads_keywords order by id").fetchall() == [
        ("77012345670001", "1312345670001", "dome tent", "Phrase"), ("77012345670002", "1312345670001", "4 person tent", "Exact"),
        ("77012345670003", "1312345670002", "hiking backpack", "Broad")]
    urls = con.execute("select tenant_id, final_urls from raw.microsoft_ads_ads where final_urls is not null").fetchall()
    assert sorted((t, u) for t, text in urls for u in json.loads(text)) == [  # a list: JSON text in its row
        ("t1", "https://www.contoso.com/backpacks"), ("t1", "https://www.contoso.com/tents")]


def test_documented_spend_reaches_the_unified_facts(documented, tmp_path):
    import shutil

    from bosco_connectors.recipes.runner import build

    shutil.copy(documented, tmp_path / "m.duckdb")  # the build writes: a copy of the shared sync
    expected: dict[date, Decimal] = defaultdict(Decimal)
    for row in documented_report():
        expected[date.fromisoformat(row["TimePeriod"])] += Decimal(row["Spend"])
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    try:
        with registered(connector):  # its generated staging joins the unified facts (installed sources' do anyway)
            built = build(con, select=["fct_campaign_performance"])
        assert built.ok, [m.reason for m in built.models if m.status == "failed"]
        loaded = con.execute("select date, sum(spend), sum(conversions), max(currency) from analytics.fct_campaign_performance "
                             "where platform = 'microsoft_ads' group by date order by date").fetchall()
    finally:
        con.close()
    assert [(d, round(Decimal(str(s)), 2)) for d, s, _, _ in loaded] == sorted(expected.items())
    conversions = defaultdict(float)
    for row in documented_report():
        conversions[date.fromisoformat(row["TimePeriod"])] += float(row["Conversions"])
    assert [(d, c, cur) for d, _, c, cur in loaded] == [(d, conversions[d], "USD") for d in sorted(conversions)]


# -- the report job ----------------------------------------------------------------------------


def no_waits(monkeypatch) -> None:
    """Polls without the declared pauses between them."""
    import time

    from bosco_connectors.framework import jobs

    monkeypatch.setattr(jobs, "_timing", lambda client: (lambda seconds: None, time.monotonic))


def serve(**world):
    app = app_for(connector, seed=3, size="tiny", end_date=END, **world)
    return app, FakeApi([app])


def run(tmp_path: Path, api: FakeApi, streams: list[str]) -> duckdb.DuckDBPyConnection:
    source, _ = build_source(connector, {**sandbox_config(api, connector), "max_workers": 1}, tenant_id="t1")
    pipeline = dlt.pipeline("msads", destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")), dataset_name="raw",
                            pipelines_dir=str(tmp_path / "p"))
    pipeline.run(source.with_resources(*streams), loader_file_format="parquet")
    return duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)


def test_the_report_is_asked_for_as_documented(tmp_path, monkeypatch):
    """SubmitGenerateReport: a CampaignPerformanceReportRequest of the account, Daily, Date objects, no header or footer."""
    no_waits(monkeypatch)
    with provisional(connector):
        app, api = serve()
        with api:
            run(tmp_path, api, ["campaign_daily"]).close()
            submits = [r for r in api.requests if r.path.endswith("GenerateReport/Submit")]
    (account,) = app.world.accounts
    assert submits, "no report was submitted"
    body = submits[0].json()["ReportRequest"]
    assert body["Type"] == "CampaignPerformanceReportRequest" and body["Aggregation"] == "Daily" and body["Format"] == "Csv"
    assert body["Scope"] == {"AccountIds": [account.id]} and submits[0].headers.get("customeraccountid") == account.id
    assert body["ExcludeReportHeader"] is True and body["ExcludeReportFooter"] is True and body["ExcludeColumnHeaders"] is False
    first = app.world.days[0]
    assert body["Time"]["CustomDateRangeStart"] == {"Year": first.year, "Month": first.month, "Day": first.day}
    assert {"TimePeriod", "CampaignId", "Spend", "Conversions", "Revenue", "CurrencyCode"} <= set(body["Columns"])


def test_the_world_campaign_spend_loads_after_a_pending_poll(tmp_path, monkeypatch):
    no_waits(monkeypatch)
    with provisional(connector):
        app, api = serve()
        pending = json.loads((FOLDER / "bodies" / "poll.pending.json").read_text())
        polls = []

        def first_poll_pending(body):
            if isinstance(body, dict) and "ReportRequestStatus" in body:
                polls.append(body)
                return pending if len(polls) == 1 else body
            return body

        api.transform(first_poll_pending)
        with api:
            con = run(tmp_path, api, ["campaign_daily"])
    assert len(polls) >= 2, "the pending report was not polled again"
    loaded = dict(con.execute("select campaign_id, sum(spend) from raw.microsoft_ads_campaign_daily group by 1").fetchall())
    con.close()
    world = app.world
    expected = {}
    for campaign in world.accounts[0].campaigns:
        ads = [ad for g in campaign.ad_groups for ad in g.ads]
        total = sum(Decimal(str(world.sum_metrics(ads, d).spend)).quantize(Decimal("0.01")) for d in world.days
                    if world.sum_metrics(ads, d).impressions)
        expected[campaign.id] = total
    assert {k: Decimal(v).quantize(Decimal("0.01")) for k, v in loaded.items()} == expected


def test_success_without_a_url_means_no_rows():
    """PollGenerateReport: ReportDownloadUrl is nil on Success when no data matched (reportrequeststatus)."""
    report = connector.streams[-1].report
    assert report.download.no_url == "empty"
    assert report.poll.statuses == {"Pending": report.poll.statuses["Pending"], "Success": report.poll.statuses["Success"],
                                    "Error": report.poll.statuses["Error"]}


# -- errors -----------------------------------------------------------------------------------------


def fault(code: int, status: int = 400, where: str = "Errors") -> Exception | None:
    body = {"TrackingId": "t", "Type": "AdApiFaultDetail" if where == "Errors" else "ApiFaultDetail",
            where: [{"Code": code, "ErrorCode": "X", "Message": f"message of {code}"}]}
    return API.errors.policy().for_status(httpx.Response(status), body)


@pytest.mark.parametrize(("code", "where", "kind"), [
    (105, "Errors", AuthError), (109, "Errors", AuthError), (117, "Errors", RetryableApiError), (0, "OperationErrors", RetryableApiError),
    (106, "Errors", SkipPartition), (2003, "OperationErrors", SkipPartition), (2100, "OperationErrors", ApiError),
])
def test_documented_codes_map_whatever_list_holds_them(code, where, kind):
    for status in (400, 500, 200):
        error = fault(code, status, where)
        assert type(error) is kind, (code, status)
        assert f"message of {code}" in str(error)


def test_the_documented_auth_fault_is_an_auth_error():
    body = json.loads((FOLDER / "bodies" / "error.auth.json").read_text())
    error = API.errors.policy().for_status(httpx.Response(401), body)
    assert isinstance(error, AuthError) and "Authentication failed" in str(error) and "0b2a6e33" in str(error)


# -- hosts, headers, config ---------------------------------------------------------------------------


def test_each_service_goes_to_its_own_host_with_the_credential_and_headers():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "login.microsoftonline.com":
            return httpx.Response(200, json={"access_token": "at-123456", "expires_in": 3599, "token_type": "Bearer"})
        seen.append(request)
        return httpx.Response(200, json={})

    config = connector.validate({"client_id": "app", "client_secret": "s" * 20, "refresh_token": "r" * 20,
                                 "developer_token": "d" * 20, "customer_id": "150012345", "account_ids": [ACCOUNT]})
    transport = httpx.MockTransport(answer)
    client = connector.client_factory(config, transport=transport)
    # the token endpoint uses its own client: give it the same transport
    client._http.auth._transport = transport  # type: ignore[union-attr]
    for service in ("CustomerManagement", "CampaignManagement", "Reporting"):
        client.post(f"{service}/v13/X/Query", json={})
    assert [r.url.host for r in seen] == ["clientcenter.api.bingads.microsoft.com", "campaign.api.bingads.microsoft.com",
                                          "reporting.api.bingads.microsoft.com"]
    assert {str(r.url.host) for r in seen} == {h.split("/")[2] for h in SERVICE_HOSTS.values()}
    assert all(r.headers["Authorization"] == "Bearer at-123456" and r.headers["DeveloperToken"] == "d" * 20
               and r.headers["CustomerId"] == "150012345" for r in seen)


def test_a_configured_base_url_takes_every_service():
    seen: list[str] = []
    config = connector.validate({"client_id": "app", "client_secret": "s" * 20, "refresh_token": "r" * 20, "token_url": "https://t.example/token",
                                 "developer_token": "d" * 20, "customer_id": "1", "account_ids": ["2"], "base_url": "https://sandbox.example/"})

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "at-1", "expires_in": 3599})
        seen.append(request.url.host)
        return httpx.Response(200, json={})

    client = connector.client_factory(config, transport=httpx.MockTransport(answer))
    client._http.auth._transport = httpx.MockTransport(answer)  # type: ignore[union-attr]
    client.post("CampaignManagement/v13/X", json={})
    client.post("Reporting/v13/Y", json={})
    assert seen == ["sandbox.example", "sandbox.example"]


@pytest.mark.parametrize(("field", "value", "words"), [
    ("customer_id", "F1234567", "customer id is a number"), ("account_ids", ["F120XK7Q"], "not account numbers"),
])
def test_ids_that_are_not_numbers_fail_before_any_request(field, value, words):
    good = {"client_id": "app", "client_secret": "s" * 20, "refresh_token": "r" * 20, "developer_token": "d" * 20,
            "customer_id": "150012345", "account_ids": [ACCOUNT]}
    with pytest.raises(ConfigError, match=words):
        connector.validate({**good, field: value})
