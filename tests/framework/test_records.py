"""Records: a vendor record shaped into a row of the contract."""

from __future__ import annotations

from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import ReadContext


def test_a_partition_key_is_renamed_like_any_vendor_name() -> None:
    """Microsoft's ad groups do not name their campaign: the request's CampaignId does, under the column's name."""
    records = Records("AdGroups", rename={"Id": "id", "CampaignId": "campaign_id"}, from_partition=("CampaignId", "account_id"))
    ctx = ReadContext(None, None, None, None, {"CampaignId": "412345678", "account_id": "180001"})  # type: ignore[arg-type]
    rows = records.rows(records.select({"AdGroups": [{"Id": "7001", "Name": "Shoes"}]}), ctx)
    assert rows == [{"id": "7001", "Name": "Shoes", "campaign_id": "412345678", "account_id": "180001"}]
