"""URN ids (``formats={"col": URN_ID}``): a parent named by URN loads as the id other tables join on,
and the generated fake writes the world's ids back as the documented URNs."""

from __future__ import annotations

from bosco_connectors.framework.records import URN_ID, Records, parse_column
from bosco_connectors.sandbox.generated import _as_documented


def test_a_urn_column_loads_as_its_last_part():
    assert parse_column(["urn:li:sponsoredCampaign:123", None, 456, "plain", ""], URN_ID) == ["123", None, 456, "plain", ""]


def test_records_rename_then_read_the_urn():
    records = Records("elements", rename={"campaignGroup": "campaign_group_id"}, formats={"campaign_group_id": URN_ID})
    rows = records.rows([{"id": 7, "campaignGroup": "urn:li:sponsoredCampaignGroup:616471656"}])
    assert rows == [{"id": 7, "campaign_group_id": "616471656"}]


def test_the_fake_writes_a_world_id_as_the_documented_urn():
    assert _as_documented("8402395365355852", "urn:li:sponsoredAccount:507404993", URN_ID) == "urn:li:sponsoredAccount:8402395365355852"
    assert _as_documented("12", 34, URN_ID) == "12"  # not documented as a URN: no prefix invented
