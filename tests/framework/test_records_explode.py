"""``Records(explode=...)``: reports that nest one entity's days in a list (Outbrain's
``campaignResults[].results[]``, Apple's ``row[].granularity[]``) become one row per item.

The paginator counts the records (campaigns), the sync loads the items (campaign-days), the
kit counts the items a body holds, and the generated fake writes the world's values back into
the documented nesting. Expected values are written out here, never computed by the code.
"""

from __future__ import annotations

import datetime as dt
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, declare
from bosco_connectors.framework.paginators import OffsetLimit
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import DATE_PREFIX, Records
from bosco_connectors.framework.registry import provisional
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream
from bosco_connectors.framework.unified import Performance
from bosco_connectors.sandbox import FakeApi, app_for

BODY = {
    "campaignResults": [
        {"campaignId": "c1", "results": [
            {"metadata": {"id": "2026-11-01", "fromDate": "2026-11-01"}, "metrics": {"impressions": 10, "spend": 1.5}},
            {"metadata": {"id": "2026-11-02", "fromDate": "2026-11-02"}, "metrics": {"impressions": 20, "spend": 2.25}}],
         "totalResults": 2},
        {"campaignId": "c2", "results": [], "totalResults": 0},
        {"campaignId": "c3", "results": [
            {"metadata": {"id": "2026-11-01", "fromDate": "2026-11-01"}, "metrics": {"impressions": 5, "spend": 0.5}}],
         "totalResults": 1},
    ],
    "totalCampaigns": 3,
}
RECORDS = Records("campaignResults", explode="results", flatten=("metadata", "metrics"), rename={"id": "day"},
                  formats={"day": DATE_PREFIX})


def test_each_item_is_a_row_with_its_records_fields():
    rows = RECORDS.rows(RECORDS.select(BODY))
    assert [(r["campaignId"], r["day"], r["impressions"], r["spend"]) for r in rows] == [
        ("c1", date(2026, 11, 1), 10, 1.5), ("c1", date(2026, 11, 2), 20, 2.25), ("c3", date(2026, 11, 1), 5, 0.5)]
    assert "results" not in rows[0] and rows[0]["totalResults"] == 2


def test_the_rows_of_a_body_are_its_items_and_its_records_are_what_pages_count():
    assert len(RECORDS.select(BODY)) == 3  # the paginator's offset moves by campaigns
    assert len(RECORDS.select_rows(BODY)) == 3  # c1's two days and c3's one; c2 has none


class Config(SourceConfig):
    token: SecretStr
    marketer_id: str


class Daily(Contract):
    campaignId: Id
    day: dt.date
    impressions: int | None = None
    spend: float | None = None


def stream(limit: int = 2) -> RestStream:
    return RestStream(
        name="campaign_daily", path="reports/{marketer_id}/periodic", window=WindowParams("from", "to"),
        paginator=lambda: OffsetLimit(limit=limit), records=RECORDS, contract=Daily, primary_key=("campaignId", "day"),
        arrow=True, cursor=Cursor("day", window=timedelta(days=30)),
        unified=Performance("campaign", date="day", account="marketerId", campaign="campaignId", spend="spend",
                            impressions="impressions", clicks="clicks", conversions="conversions",
                            conversion_value="value", currency="currency"),
    )


def test_arrow_pages_hold_one_row_per_item():
    table = stream().shape(RECORDS.select(BODY), ReadContext(None, None, None, None, arrow=True))
    assert table.num_rows == 3
    assert table.column("campaignId").to_pylist() == ["c1", "c1", "c3"]


connector = declare("explode_toy", title="Explode toy", api=Api(base_url="https://api.example.com/v0/", auth=ApiKey("token", header="X-Token")),
                    config=Config, streams=[stream()], api_version="v0", docs_url="https://api.example.com/docs", category="ads")


@pytest.fixture
def cassette(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cassettes" / "explode_toy"
    (folder / "bodies").mkdir(parents=True)
    (folder / "bodies" / "p1.json").write_text(json.dumps(BODY))
    exchanges = [{"stream": "campaign_daily", "request": {"path": "reports/m1/periodic"}, "response": {"body": "p1.json"}}]
    (folder / "fixtures.json").write_text(json.dumps({"config": {"token": "k", "marketer_id": "m1"}, "exchanges": exchanges}))
    monkeypatch.setenv("BOSCO_CASSETTES", str(tmp_path / "cassettes"))


def test_the_generated_fake_nests_the_worlds_days_under_their_campaigns(cassette):
    with provisional(connector):
        app = app_for(connector, seed=3, size="tiny", end_date=date(2026, 11, 20))
        with FakeApi([app]) as api:
            config = connector.validate(app.source_config(api.url(app.prefix)))
            client = connector.client_factory(config)
            read = connector.active_streams(config)[0]
            ctx = ReadContext(client, config, app.world.start_date, app.world.end_date, arrow=True)
            pages = list(read.read(ctx))
            sent = api.requests_to("periodic")
    world = app.world
    expected = {}
    for account in world.accounts:
        for campaign in account.campaigns:
            for day in world.days:
                metrics = world.sum_metrics([ad for g in campaign.ad_groups for ad in g.ads], day)
                if metrics.impressions:
                    expected[(campaign.id, day)] = (metrics.impressions, metrics.spend)
    loaded = {(r["campaignId"], r["day"]): (r["impressions"], r["spend"]) for page in pages for r in page.to_pylist()}
    assert loaded == expected
    campaigns = sum(len(a.campaigns) for a in world.accounts)
    assert [r.arg("offset") for r in sent] == [str(n) for n in range(0, campaigns + 1, 2)]  # paged by campaigns, two a page
