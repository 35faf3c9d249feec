"""The generated fake's large-report options, through the declared tiktok_ads source.

``metrics=`` (a hook for each ad's daily metrics) serves performance streams densely and
a page at a time; ``page_cache=True`` renders each distinct page once. Expected values
come from the test's own metrics hook (summed per level by conftest.expected_daily) and
from the world's entities, never from the fake's code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

from bosco_connectors.sandbox import FakeApi, FakeRequest, app_for, sandbox_config
from bosco_connectors.sandbox.generated import arithmetic_metrics
from bosco_connectors.sandbox.world import DailyMetrics
from bosco_connectors.sources.tiktok_ads import connector, source

from .conftest import END, expected_daily, make_pipeline, query

ACCOUNTS, CAMPAIGNS, GROUPS, ADS, DAYS = 2, 3, 2, 2, 35
BODIES = Path(__file__).resolve().parents[3] / "cassettes" / "tiktok_ads" / "bodies"


def hook(ad_id: str, day: date) -> DailyMetrics:
    """The test's metrics: every ad delivers every day, values simple enough to check by hand."""
    n = int(ad_id[-3:]) % 50 + day.day
    return DailyMetrics(spend=round(n * 1.25, 2), impressions=100 + n, clicks=n % 7, conversions=n % 3, conversion_value=float(n % 3 * 20))


def dense_app(**options):
    return app_for(connector, seed=3, size="tiny", end_date=END, metrics=hook,
                   accounts=ACCOUNTS, campaigns=CAMPAIGNS, ad_groups=GROUPS, ads=ADS, days=DAYS, **options)


@pytest.mark.parametrize("level,per_account", [("ad", CAMPAIGNS * GROUPS * ADS), ("campaign", CAMPAIGNS), ("advertiser", 1)])
def test_a_metrics_hook_serves_every_entity_and_day_with_its_metrics(tmp_path, fast_client, level, per_account):
    app = dense_app()
    with FakeApi([app]) as api:  # 35 days: two 30-day windows; pages of 7 rows cut across days and entities
        make_pipeline(tmp_path).run(source(**sandbox_config(api, connector), page_size=7, streams=[f"report_{level}_daily"]),
                                    loader_file_format="parquet")
    expected = expected_daily(SimpleNamespace(accounts=app.world.accounts, days=app.world.days, ad_metrics=hook), level)
    assert len(expected) == ACCOUNTS * per_account * DAYS  # dense: a row for every (entity, day)
    rows = query(tmp_path, f"select {level}_id, stat_time_day, spend, impressions, clicks, conversion, total_complete_payment_rate "
                           f"from raw.tiktok_ads_report_{level}_daily")
    assert {(r[0], r[1]): tuple(r[2:]) for r in rows} == expected
    assert len(rows) == len(expected)


def test_ad_rows_carry_their_parents_and_the_documented_fields(tmp_path, fast_client):
    app = dense_app()
    with FakeApi([app]) as api:
        make_pipeline(tmp_path).run(source(**sandbox_config(api, connector), streams=["report_ad_daily"]), loader_file_format="parquet")
    parents = {ad.id: (ad.name, g.id, g.name, c.id, c.name) for a in app.world.accounts for c in a.campaigns for g in c.ad_groups for ad in g.ads}
    rows = query(tmp_path, "select distinct ad_id, ad_name, adgroup_id, adgroup_name, campaign_id, campaign_name, reach, cpm "
                           "from raw.tiktok_ads_report_ad_daily")
    assert {r[0]: r[1:6] for r in rows} == parents
    # Fields the unified mapping does not fill stay as TikTok's documented record has them.
    assert {(r[6], r[7]) for r in rows} == {(31870, 4.49)}


def _request(app, page: int, token: str | None = None) -> FakeRequest:
    stream = next(s for s in connector.streams if s.name == "report_ad_daily")
    query = {k: [str(v)] for k, v in stream.params.items()} | {
        "advertiser_id": [app.world.accounts[0].id], "start_date": ["2026-11-01"], "end_date": ["2026-11-20"],
        "page": [str(page)], "page_size": ["50"]}
    token = token if token is not None else app.credentials["access_token"]
    return FakeRequest("GET", "/open_api/v1.3/report/integrated/get/", query, {"access-token": token}, b"")


def _count_renders(app, monkeypatch) -> list[int]:
    calls: list[int] = []
    rows = app._rows
    monkeypatch.setattr(app, "_rows", lambda route: calls.append(1) or rows(route))
    return calls


def test_the_page_cache_renders_each_page_once(monkeypatch):
    app = dense_app(page_cache=True)
    renders = _count_renders(app, monkeypatch)
    first = app.handle(_request(app, 2))
    again = app.handle(_request(app, 2))
    assert len(renders) == 1 and again.body == first.body and len(app.page_cache) == 1
    body = orjson.loads(first.body)
    assert body["code"] == 0 and len(body["data"]["list"]) == 50
    assert body["data"]["page_info"] == {"page": 2, "page_size": 50, "total_number": 12 * 20, "total_page": 5}  # 12 ads x 20 days
    app.handle(_request(app, 3))
    assert len(renders) == 2


def test_a_cached_page_still_checks_the_credential_and_injected_errors():
    app = dense_app(page_cache=True)
    good = app.handle(_request(app, 1))
    assert app.handle(_request(app, 1, token="wrong")).body == (BODIES / "error.auth.json").read_bytes()
    app.inject("rate_limit")
    assert app.handle(_request(app, 1)).body == (BODIES / "error.rate_limit.json").read_bytes()
    assert app.handle(_request(app, 1)).body == good.body


def test_without_the_page_cache_every_request_renders(monkeypatch):
    app = dense_app()
    renders = _count_renders(app, monkeypatch)
    assert app.handle(_request(app, 1)).body == app.handle(_request(app, 1)).body
    assert len(renders) == 2


def test_arithmetic_metrics_are_dense_plausible_and_the_same_in_every_process():
    ads = [str(1_000_000_000_000_000 + 7919 * k) for k in range(300)]
    days = [date(2026, 10, 1 + d) for d in range(30)]
    values = [arithmetic_metrics(ad, day) for ad in ads for day in days]
    assert all(m.impressions >= 200 and 0 <= m.clicks <= m.impressions and 0 <= m.conversions <= m.clicks for m in values)
    assert len({m.spend for m in values}) > 1000  # not a handful of repeated rows
    probe = "import datetime as d; from bosco_connectors.sandbox.generated import arithmetic_metrics as m; print(m('7012345678901234567', d.date(2026, 11, 3)))"
    runs = {subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert runs == {repr(arithmetic_metrics("7012345678901234567", date(2026, 11, 3))) + "\n"}
