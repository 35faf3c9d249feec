"""The declared cm360 source: documented bodies and report file, the Report Builder flow,
the account's named currency and time zone, the unified facts, errors.

Expected values come from the documented bodies (cassettes/cm360/) read here directly, or
are written out; never from the connector's own code.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import httpx
import pytest

from bosco_connectors.framework import AuthError, ConfigError, RetryableApiError
from bosco_connectors.framework.registry import registered
from bosco_connectors.framework.unified import staging_models
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sources.cm360 import API, connector
from bosco_connectors.sync import SyncJob, run_sync
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

PROFILE, ACCOUNT, REPORT, FILE = "7654321", "2345678", "1122334455", "9988776655"


def fixtures() -> Fixtures:
    return Fixtures.load(fixture_folder(connector))


def documented_file() -> list[dict[str, str]]:
    """The documented file's data rows: after the line `Report Fields`, up to the `Grand Total:` row."""
    text = (fixture_folder(connector) / "bodies" / "placement_daily.csv").read_text()
    rows = []
    for row in csv.DictReader(io.StringIO(text.split("Report Fields\n", 1)[1])):
        if row["Date"] == "Grand Total:":
            break
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cm360")
    app = FixtureApp(fixtures())
    with FakeApi([app]) as api, registered(connector):
        result = run_sync(SyncJob("t", "cm360", app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(tmp / "x.duckdb")), pipelines_dir=tmp / "p", connector=connector)
    assert result.ok, result.failure_line
    assert not app.unmatched
    return tmp, app


def query(tmp: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_report_rows_load_with_exact_money_and_no_total_row(replayed):
    tmp, _ = replayed
    loaded = {(r[0], r[1]): r[2:] for r in query(tmp, "select placement_id, date, account_id, advertiser_id, campaign_id, "
                                                      "impressions, clicks, media_cost, total_conversions "
                                                      "from raw.cm360_placement_daily")}
    rows = documented_file()
    assert len(loaded) == len(rows) == 4  # the information block and the Grand Total row are no records
    for row in rows:
        assert loaded[(row["Placement ID"], date.fromisoformat(row["Date"]))] == (
            ACCOUNT, row["Advertiser ID"], row["Campaign ID"], int(row["Impressions"]), int(row["Clicks"]),
            Decimal(row["Media Cost"]), float(row["Total Conversions"]))


def test_the_report_is_made_for_the_window_run_polled_downloaded_through_the_api_then_deleted(replayed):
    _, app = replayed
    base = f"dfareporting/v5/userprofiles/{PROFILE}"
    calls = [(r.method, r.path.lstrip("/")) for e, r in app.answered if e.stream == "placement_daily"]
    assert calls == [("POST", f"{base}/reports"), ("POST", f"{base}/reports/{REPORT}/run"),
                     ("GET", f"{base}/reports/{REPORT}/files/{FILE}"),
                     ("GET", f"dfareporting/v5/reports/{REPORT}/files/{FILE}"), ("DELETE", f"{base}/reports/{REPORT}")]
    made = next(r.json() for e, r in app.answered if r.method == "POST" and r.path.endswith("/reports"))
    assert made["type"] == "STANDARD" and made["format"] == "CSV"
    assert made["criteria"]["dateRange"] == {"startDate": "2026-11-01", "endDate": "2026-11-02"}
    assert [d["name"] for d in made["criteria"]["dimensions"]] == ["date", "advertiserId", "campaignId", "placementId"]
    download = next(r for e, r in app.answered if r.path.endswith(f"/files/{FILE}") and "/userprofiles/" not in r.path)
    assert download.query == {"alt": ["media"]}
    assert download.headers.get("authorization", "").startswith("Bearer ")  # the API's host, with the token


def test_the_account_names_its_currency_and_time_zone_ids(replayed):
    tmp, _ = replayed
    # account.json sends currencyId "17" and reportGenerationTimeZoneId "3"; the v5 reference's tables
    # name them EUR and Europe/Paris.
    assert query(tmp, "select account_id, name, currency_id, currency_code, time_zone_id, time_zone from raw.cm360_accounts") == [
        (ACCOUNT, "Acme Media Agency", "17", "EUR", "3", "Europe/Paris")]


def test_every_list_reads_both_pages(replayed):
    tmp, _ = replayed
    for table, key in (("advertisers", "advertiser_id"), ("campaigns", "campaign_id"), ("placements", "placement_id"), ("ads", "ad_id")):
        assert query(tmp, f"select count(distinct {key}) from raw.cm360_{table}") == [(3,)]


def test_media_cost_reaches_the_unified_campaign_facts_in_the_accounts_currency(replayed):
    from bosco_connectors.recipes.runner import build

    tmp, _ = replayed
    expected: dict[date, Decimal] = defaultdict(Decimal)
    for row in documented_file():
        expected[date.fromisoformat(row["Date"])] += Decimal(row["Media Cost"])
    with registered(connector), duckdb.connect(str(tmp / "x.duckdb")) as con:
        built = build(con, select=["fct_campaign_performance"])
        assert built.ok, [m.reason for m in built.models if m.status == "failed"]
        loaded = dict(con.execute("select date, sum(spend) from analytics.fct_campaign_performance where platform = 'cm360' "
                                  "group by date").fetchall())
        facts = set(con.execute("select campaign_name, currency from analytics.fct_campaign_performance "
                                "where platform = 'cm360'").fetchall())
    assert {k: round(Decimal(str(v)), 6) for k, v in loaded.items()} == dict(expected)
    assert facts == {("Autumn tents 2026", "EUR"), ("Winter sleeping bags", "EUR")}


def test_no_conversion_value_is_read_so_the_unified_value_is_zero():
    sql = staging_models(connector)["stg_cm360__campaign_daily"]
    assert "cast(0 as decimal(38, 9)) as conversion_value" in sql and "media_cost -> spend" in sql


@pytest.mark.parametrize(("body", "status", "kind"), [
    ("error.auth.json", 401, AuthError), ("error.rate_limit.json", 403, RetryableApiError),
])
def test_error_map(body, status, kind):
    documented_body = fixtures().body(next(e for e in fixtures().exchanges if e.response.get("body") == body))
    error = API.errors.policy().for_status(httpx.Response(status), documented_body)
    assert type(error) is kind
    assert documented_body["error"]["message"] in str(error)


def test_a_spent_daily_quota_is_not_retried_though_it_is_a_403():
    documented_body = fixtures().body(next(e for e in fixtures().exchanges if e.response.get("body") == "error.daily_limit.json"))
    error = API.errors.policy().for_status(httpx.Response(403), documented_body)
    assert not isinstance(error, (RetryableApiError, AuthError))
    assert "Daily Limit Exceeded" in str(error)


def test_profile_and_account_ids_are_numbers():
    with pytest.raises(ConfigError) as info:
        connector.validate({"client_id": "c", "client_secret": "s", "refresh_token": "r", "profile_id": "me", "account_id": "1"})
    assert "profile_id" in str(info.value)
