"""`snake_case`: camelCase vendor names renamed as the destination's columns are named."""

from bosco_connectors.framework.records import Records, snake_case


def test_camel_case_names_become_snake_case_columns():
    assert snake_case("campaignId", "totalSumValue", "tapInstallCPI", "ttr", "adAccountId") == {
        "campaignId": "campaign_id", "totalSumValue": "total_sum_value", "tapInstallCPI": "tap_install_cpi",
        "ttr": "ttr", "adAccountId": "ad_account_id"}


def test_the_rename_applies_inside_flattened_objects_too():
    records = Records("rows", flatten=("metrics",), rename=snake_case("campaignId", "totalSumValue"))
    assert records.rows([{"campaignId": 7, "metrics": {"totalSumValue": 1.5}}]) == [{"campaign_id": 7, "total_sum_value": 1.5}]
