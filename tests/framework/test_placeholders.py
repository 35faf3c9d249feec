"""``{name}`` placeholders: filled from the partition (keeping a whole value's type) and read back by fakes."""

import pytest

from bosco_connectors.framework import placeholders

TEMPLATE = {"header": "adAccountId={ad_account_id};",
            "filters": [{"field": "campaignId", "operator": "IN", "value": "{campaign_ids}"}],
            "json_text": '{"status": ["ACTIVE"]}'}
VALUES = {"ad_account_id": "123", "campaign_ids": [1, 2]}


def test_fill_keeps_a_whole_values_type_and_leaves_other_braces_alone():
    filled = placeholders.fill(TEMPLATE, VALUES.get)
    assert filled == {"header": "adAccountId=123;", "filters": [{"field": "campaignId", "operator": "IN", "value": [1, 2]}],
                      "json_text": '{"status": ["ACTIVE"]}'}
    assert placeholders.names(TEMPLATE) == {"ad_account_id", "campaign_ids"}


def test_extract_reads_back_what_fill_put():
    assert placeholders.extract(TEMPLATE, placeholders.fill(TEMPLATE, VALUES.get)) == VALUES
    assert placeholders.extract("adAccountId={id};", "orgId=9") == {}


def test_a_missing_value_names_the_placeholder():
    with pytest.raises(KeyError, match="ad_account_id"):
        placeholders.fill(TEMPLATE, {}.get)


def test_text_without_a_placeholder_is_passed_as_given():
    """A str subclass marking pre-encoded text (LinkedIn's Rest.li ``Raw``) must keep its type."""

    class Raw(str):
        pass

    value = Raw("List(CAMPAIGN_GROUP,CAMPAIGN)")
    assert type(placeholders.fill({"pivots": value}, {}.get)["pivots"]) is Raw
