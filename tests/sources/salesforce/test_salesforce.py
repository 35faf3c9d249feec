"""salesforce: its documented queryAll answers load as documented (a deleted record never lands),
the funnel on the org's days, the SOQL window, multi-currency, the error table, and an opportunity
deleted at Salesforce leaving the tables on a later sync.

Expected values are read off the documented bodies (cassettes/salesforce/bodies), never from the connector.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bosco_connectors.framework import AuthError, ConfigError, RetryableApiError
from bosco_connectors.framework.errormap import TooMuchData
from bosco_connectors.framework.spec import Window
from bosco_connectors.sources.salesforce import API, Modstamp, connector, streams
from bosco_connectors.testing.replay import fixture_folder
from tests.sources.replayed import build_facts, documented, edited, query, sync
from tests.sources.crm import rebuild

BODIES = fixture_folder(connector) / "bodies"
OCT20, OCT28, NOV1, NOV2 = date(2026, 10, 20), date(2026, 10, 28), date(2026, 11, 1), date(2026, 11, 2)
WON = "006D000000CqjHuIAJ"


def body(name: str) -> Any:
    return json.loads((BODIES / name).read_text())


@pytest.fixture(scope="module")
def replayed(module_tmp: Path) -> Path:
    """The documented sync and its funnel every read-only test below queries (run once for the module)."""
    sync(connector, documented(connector), module_tmp)
    build_facts(connector, module_tmp, "crm_funnel_daily")
    return module_tmp


def test_opportunities_load_exact_amounts_dates_and_their_campaign_name(replayed: Path) -> None:
    rows = query(replayed, "select id, amount, close_date, is_won, campaign_id, campaign_name from raw.salesforce_opportunities order by id")
    assert rows == [
        (WON, Decimal("1500.5"), NOV1, True, "701D0000000vGnbIAE", "Fall Webinar"),
        ("006D000000CqjHvIAJ", Decimal("3200"), date(2026, 12, 15), False, None, None),
        ("006D000000CqjHwIAJ", Decimal("200"), NOV2, True, None, None),
    ]


def test_a_deleted_lead_in_the_queryall_answer_never_lands(replayed: Path) -> None:
    ids = [r[0] for r in query(replayed, "select id from raw.salesforce_leads order by id")]
    assert "00QD000000pM0z9MAC" not in ids and len(ids) == 3


def test_no_personal_data_and_no_attributes_are_loaded(replayed: Path) -> None:
    columns = {c for (c,) in query(replayed, "select column_name from information_schema.columns where table_name like 'salesforce_%'")}
    assert not columns & {"email", "phone", "first_name", "last_name", "attributes__type", "attributes__url"}


def test_the_funnel_is_on_the_orgs_days(replayed: Path) -> None:
    """Los Angeles days: opportunity 006...HwIAJ created 07:30 UTC on Nov 2 is Nov 1's; a won one counts on its CloseDate."""
    rows = query(replayed, "select date, lead_source, campaign, leads_created, qualified, opportunities_created, won, won_amount, currency "
                           "from analytics.fct_crm_funnel_daily where platform = 'salesforce' order by date, lead_source, campaign nulls first")
    assert rows == [
        (OCT20, "Web", "Fall Webinar", None, None, 1, None, None, None),
        (OCT28, "Partner Referral", None, 1, None, None, None, None, None),
        (NOV1, "Partner Referral", None, None, 1, 1, None, None, None),
        (NOV1, "Web", None, 1, None, 1, None, None, None),
        (NOV1, "Web", "Fall Webinar", None, None, None, 1, Decimal("1500.5"), None),
        (NOV2, "Web", None, 1, None, None, 1, Decimal("200"), None),
    ]


def test_an_opportunity_deleted_later_leaves_the_tables_and_the_funnel(tmp_path: Path) -> None:
    sync(connector, documented(connector), tmp_path)
    build_facts(connector, tmp_path, "crm_funnel_daily")

    def later(bodies: dict[str, Any]) -> None:  # the won opportunity is in the recycle bin: queryAll answers it deleted
        page = bodies["opportunities.page1.json"]
        page["records"][0].update(IsDeleted=True, SystemModstamp="2026-11-02T21:00:00.000+0000")

    sync(connector, from_saved_cursors(edited(connector, tmp_path, later), documented(connector)), tmp_path)
    rebuild(connector, tmp_path)
    assert query(tmp_path, "select count(*) from raw.salesforce_opportunities where id = ?", WON) == [(0,)]
    assert query(tmp_path, "select date, won, won_amount from analytics.fct_crm_funnel_daily "
                           "where platform = 'salesforce' and won is not null order by date") == [(NOV2, 1, Decimal("200"))]


def from_saved_cursors(fixtures: Any, first: Any) -> Any:
    """The fixtures with each stream's queryAll asked from its saved cursor (the latest
    SystemModstamp the first run read) less the one-hour look-back, as a second run asks."""
    import re
    from datetime import timedelta

    for exchange in fixtures.exchanges:
        q = (exchange.request.get("query") or {}).get("q")
        if not q:
            continue
        stamps = [r["SystemModstamp"] for e in first.data(exchange.stream) for r in first.body(e)["records"]]
        latest = max(datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%f%z") for t in stamps)
        since = (latest - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        exchange.request["query"]["q"] = re.sub(r"SystemModstamp >= \S+", f"SystemModstamp >= {since}", q)
    return fixtures


def test_the_window_is_a_soql_condition_before_order_by() -> None:
    params = {"q": "SELECT Id FROM Lead ORDER BY SystemModstamp ASC"}
    window = Modstamp()
    window.apply(params, Window(datetime(2026, 11, 1, 5, tzinfo=timezone.utc), datetime(2026, 11, 2, 4, 59, 59, tzinfo=timezone.utc)))
    assert params["q"] == ("SELECT Id FROM Lead WHERE SystemModstamp >= 2026-11-01T05:00:00Z "
                           "AND SystemModstamp <= 2026-11-02T04:59:59Z ORDER BY SystemModstamp ASC")
    assert window.parse(params) == ("2026-11-01T05:00:00Z", "2026-11-02T04:59:59Z")
    assert window.without(params) == {"q": "SELECT Id FROM Lead ORDER BY SystemModstamp ASC"}


def test_multi_currency_orgs_ask_for_the_records_currency() -> None:
    base = {"client_id": "c", "client_secret": "s", "refresh_token": "r", "instance_url": "https://acme.my.salesforce.com"}
    single = next(s for s in streams(connector.validate(base)) if s.name == "opportunities")
    multi = next(s for s in streams(connector.validate({**base, "multi_currency": True})) if s.name == "opportunities")
    assert "CurrencyIsoCode" not in single.params["q"] and ", CurrencyIsoCode FROM Opportunity" in multi.params["q"]


def test_the_instance_is_the_host_and_its_token_endpoint() -> None:
    config = connector.validate({"client_id": "c", "client_secret": "s", "refresh_token": "r", "instance_url": "https://acme.my.salesforce.com/"})
    assert (config.base_url, config.token_url) == ("https://acme.my.salesforce.com/", "https://acme.my.salesforce.com/services/oauth2/token")
    with pytest.raises(ConfigError, match="instance_url"):
        connector.validate({"client_id": "c", "client_secret": "s", "refresh_token": "r"})


@pytest.mark.parametrize(("status", "name", "kind"), [(403, "error.rate_limit.json", RetryableApiError), (401, "error.auth.json", AuthError)])
def test_documented_errors(status: int, name: str, kind: type) -> None:
    documented_body = body(name)
    error = API.errors.policy().for_status(httpx.Response(status), documented_body)
    assert type(error) is kind
    assert documented_body[0]["message"] in str(error)


def test_a_query_timeout_splits_the_window() -> None:
    error = API.errors.policy().for_status(httpx.Response(400), [{"message": "Your query request was running for too long.",
                                                                  "errorCode": "QUERY_TIMEOUT"}])
    assert isinstance(error, TooMuchData)
