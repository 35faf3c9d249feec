"""Google's query languages declared (`framework.gaql`): fields to query text and columns, the
date range inside the query, nested rows into columns (`Records` dotted renames), and the
generated fake telling apart streams that share one endpoint by their query.

Rows follow the protobuf JSON mapping Google documents (nested resources, lowerCamelCase,
int64 as text); expected values are written out here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bosco_connectors.framework.gaql import DateRange, F, build_query, records
from bosco_connectors.framework.records import MICROS, Records
from bosco_connectors.framework.spec import Contract, FullRefresh, RestStream, Window
from bosco_connectors.sandbox.generated import _places, _without_window

ROW = {"customer": {"resourceName": "customers/1", "id": "1"},
       "campaign": {"resourceName": "customers/1/campaigns/20", "id": "20", "name": "Brand"},
       "adGroup": {"resourceName": "customers/1/adGroups/300", "id": "300"},
       "metrics": {"costMicros": "1500000", "clicks": "7"}, "segments": {"date": "2026-11-01"}}
FIELDS = (F("customer.id"), F("campaign.id"), F("campaign.name"), F("ad_group.id"), F("segments.date"),
          F("metrics.cost_micros", "cost"), F("metrics.clicks"))


def test_dotted_renames_keep_two_id_fields_apart():
    spec = Records(rename={"campaign.id": "campaign_id", "adGroup.id": "ad_group_id"})
    (row,) = spec.rows([ROW])
    assert row["campaign_id"] == "20" and row["ad_group_id"] == "300"
    assert "campaign" not in row and "adGroup" not in row  # picked objects are not loaded themselves
    assert row["customer"] == {"resourceName": "customers/1", "id": "1"}  # an object no dotted name picks stays


def test_records_of_query_fields():
    spec = records(FIELDS, units={"cost": MICROS})
    assert spec.path == "results" and spec.flatten == ("metrics", "segments")
    (row,) = spec.rows([ROW])
    assert row == {"customer_id": "1", "campaign_id": "20", "campaign_name": "Brand", "ad_group_id": "300",
                   "date": "2026-11-01", "cost": Decimal("1.5"), "clicks": "7"}


def test_the_query_names_each_field_once():
    assert build_query("ad_group", FIELDS) == ("SELECT customer.id, campaign.id, campaign.name, ad_group.id, segments.date, "
                                               "metrics.cost_micros, metrics.clicks FROM ad_group")


def test_the_date_range_is_written_into_the_query_and_read_back():
    window = DateRange()
    params = {"query": "SELECT campaign.id FROM campaign", "pageSize": 100}
    window.apply(params, Window(date(2026, 11, 1), date(2026, 11, 30)))
    assert params["query"] == "SELECT campaign.id FROM campaign WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-30'"
    assert window.parse(params) == ("2026-11-01", "2026-11-30")
    assert window.without(params) == {"query": "SELECT campaign.id FROM campaign", "pageSize": 100}

    filtered = {"query": "SELECT campaign.id FROM campaign WHERE campaign.status = 'ENABLED'"}
    window.apply(filtered, Window(date(2026, 11, 1), None))
    assert filtered["query"] == "SELECT campaign.id FROM campaign WHERE campaign.status = 'ENABLED' AND segments.date >= '2026-11-01'"
    assert window.parse(filtered) == ("2026-11-01", None)
    assert window.without(filtered)["query"] == "SELECT campaign.id FROM campaign WHERE campaign.status = 'ENABLED'"


def test_the_fake_puts_each_column_at_its_dotted_place():
    where = _places(ROW, records(FIELDS, units={"cost": MICROS}))
    assert where("campaign_id") == (("campaign", "id"), "20")
    assert where("ad_group_id") == (("adGroup", "id"), "300")
    assert where("cost") == (("metrics", "costMicros"), "1500000")
    assert where("date") == (("segments", "date"), "2026-11-01")


class Row(Contract):
    campaign_id: str


def test_the_fake_compares_a_query_without_its_date_range():
    stream = RestStream(name="daily", path="customers/{customer_id}/searchAds360:search", method="POST",
                        params={"query": "SELECT campaign.id FROM campaign"}, window=DateRange(), contract=Row,
                        primary_key=("campaign_id",), cursor=FullRefresh("a test"))
    sent = {"query": "SELECT campaign.id FROM campaign WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-02'"}
    assert _without_window(stream, sent) == {"query": "SELECT campaign.id FROM campaign"}
