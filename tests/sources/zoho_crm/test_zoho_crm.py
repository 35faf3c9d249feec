"""zoho_crm: its documented bodies load as documented, the funnel on the organization's days, the
data centres' hosts, the Zoho-oauthtoken scheme, the 2,000-record search cap, its error table, and
a deal deleted at Zoho leaving the tables on a later sync.

Expected values are read off the documented bodies (cassettes/zoho_crm/bodies, built from Zoho's
v7 SDK), never from the connector.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.errormap import TooMuchData
from bosco_connectors.framework.paginators import PageRequest
from bosco_connectors.framework.spec import ReadContext, Window
from bosco_connectors.sources.zoho_crm import API, connector
from bosco_connectors.testing.replay import fixture_folder
from tests.sources.replayed import build_facts, documented, edited, query, sync
from tests.sources.crm import rebuild

BODIES = fixture_folder(connector) / "bodies"
OCT20, OCT28, NOV1, NOV2 = date(2026, 10, 20), date(2026, 10, 28), date(2026, 11, 1), date(2026, 11, 2)
WON_D1 = "4876876000000633001"


def body(name: str) -> dict:
    return json.loads((BODIES / name).read_text())


@pytest.fixture(scope="module")
def replayed(module_tmp: Path) -> Path:
    """The documented sync and its funnel fact, which the read-only tests below query (run once for the module)."""
    sync(connector, documented(connector), module_tmp)
    build_facts(connector, module_tmp, "crm_funnel_daily")
    return module_tmp


def test_deals_load_exact_amounts_currencies_lookup_ids_and_no_owner_email(replayed: Path) -> None:
    rows = query(replayed, "select id, amount, currency, stage, closing_date, campaign_id, campaign_name, owner_id "
                           "from raw.zoho_crm_deals order by id")
    assert rows == [
        (WON_D1, Decimal("1500.5"), "USD", "Closed Won", NOV1, "4876876000000650001", "Fall Webinar", "4876876000000225013"),
        ("4876876000000633002", Decimal("3200"), "USD", "Qualification", date(2026, 12, 15), None, None, "4876876000000225013"),
        ("4876876000000633003", Decimal("200"), "EUR", "Closed Won", NOV2, None, None, "4876876000000225013"),
    ]
    columns = {c for (c,) in query(replayed, "select column_name from information_schema.columns where table_name like 'zoho_crm_%'")}
    assert not {c for c in columns if "email" in c or "phone" in c}


def test_deleted_records_are_never_loaded(replayed: Path) -> None:
    for table, prefix in (("leads", "4876876000000600"), ("deals", "4876876000000610"), ("campaigns", "4876876000000620")):
        assert query(replayed, f"select count(*) from raw.zoho_crm_{table} where id like '{prefix}%'") == [(0,)]
        assert query(replayed, f"select count(*) from raw.zoho_crm_{table}") == [(3,)]


def test_the_funnel_is_on_the_organizations_days(replayed: Path) -> None:
    """New York days: deal 633003 created 23:30 EST on Nov 1 (04:30 UTC on Nov 2) is Nov 1's."""
    rows = query(replayed, "select date, lead_source, campaign, leads_created, qualified, opportunities_created, won, won_amount, currency "
                           "from analytics.fct_crm_funnel_daily where platform = 'zoho_crm' "
                           "order by date, lead_source, campaign nulls first")
    assert rows == [
        (OCT20, "Advertisement", "Fall Webinar", None, None, 1, None, None, None),
        (OCT28, "Web Download", None, 1, None, None, None, None, None),
        (NOV1, "Advertisement", None, 1, None, 1, None, None, None),
        (NOV1, "Advertisement", "Fall Webinar", None, None, None, 1, Decimal("1500.5"), "USD"),
        (NOV1, "Web Download", None, None, 1, 1, None, None, None),
        (NOV2, "Advertisement", None, 1, None, None, 1, Decimal("200"), "EUR"),
    ]


def test_a_deal_deleted_later_leaves_the_tables_and_the_funnel(tmp_path: Path) -> None:
    sync(connector, documented(connector), tmp_path)
    build_facts(connector, tmp_path, "crm_funnel_daily")

    def later(bodies: dict[str, Any]) -> None:
        won = bodies["deals.page1.json"]["data"][0]
        bodies["deals.deleted.page1.json"]["data"].append({"deleted_by": won["Owner"] | {"email": None}, "id": won["id"],
                                                          "display_name": won["Deal_Name"], "type": "recycle",
                                                          "created_by": won["Owner"], "deleted_time": "2026-11-02T14:00:00-05:00"})
        bodies["deals.page1.json"]["data"] = bodies["deals.page1.json"]["data"][1:]

    sync(connector, edited(connector, tmp_path, later), tmp_path)
    rebuild(connector, tmp_path)
    assert query(tmp_path, "select count(*) from raw.zoho_crm_deals where id = ?", WON_D1) == [(0,)]
    assert query(tmp_path, "select date, won, won_amount from analytics.fct_crm_funnel_daily "
                           "where platform = 'zoho_crm' and won is not null order by date") == [(NOV2, 1, Decimal("200"))]


def test_the_data_centre_picks_the_api_host_and_the_accounts_server() -> None:
    base = {"client_id": "c", "client_secret": "s", "refresh_token": "r"}
    eu = connector.validate({**base, "data_center": "eu"})
    assert (eu.base_url, eu.token_url) == ("https://www.zohoapis.eu/crm/v7/", "https://accounts.zoho.eu/oauth/v2/token")
    ca = connector.validate({**base, "data_center": "ca"})
    assert (ca.base_url, ca.token_url) == ("https://www.zohoapis.ca/crm/v7/", "https://accounts.zohocloud.ca/oauth/v2/token")
    us = connector.validate(base)
    assert us.base_url == "https://www.zohoapis.com/crm/v7/"


def test_the_access_token_goes_with_zohos_scheme() -> None:
    """Zoho wants ``Authorization: Zoho-oauthtoken <token>`` (RefreshToken(prefix=...)), not ``Bearer``."""
    def token_endpoint(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json=body("token.json"))
        return httpx.Response(200, json={"seen": request.headers["authorization"]})

    config = connector.validate({"client_id": "c", "client_secret": "s", "refresh_token": "r", "token_url": "https://accounts.test/token"})
    flow = API.auth.build(config)
    flow._transport = httpx.MockTransport(token_endpoint)
    with httpx.Client(transport=httpx.MockTransport(token_endpoint), auth=flow) as client:
        seen = client.get("https://www.zohoapis.com/crm/v7/org").json()["seen"]
    assert seen == "Zoho-oauthtoken " + body("token.json")["access_token"]


def test_a_search_past_2000_records_is_refused_before_the_page_past_the_cap() -> None:
    stream = next(s for s in connector.streams if s.name == "deals")
    window = Window(datetime(2026, 11, 1, tzinfo=timezone.utc), datetime(2026, 11, 2, tzinfo=timezone.utc))

    class Client:
        def __init__(self, info: dict) -> None:
            self.info = info

        def get(self, path: str, **kwargs: Any) -> tuple[Any, Any]:
            return httpx.Response(200), {"data": [{"id": "1"}], "info": self.info}

    def ctx(info: dict) -> ReadContext:
        return ReadContext(client=Client(info), config=None, since=None, until=None, window=window)  # type: ignore[arg-type]

    with pytest.raises(TooMuchData):
        stream.send(ctx({"page": 10, "per_page": 200, "more_records": True}), PageRequest(params={"page": 10}))
    stream.send(ctx({"page": 9, "per_page": 200, "more_records": True}), PageRequest(params={"page": 9}))
    stream.send(ctx({"page": 10, "per_page": 200, "more_records": False}), PageRequest(params={"page": 10}))


def test_the_search_asks_for_changes_within_the_window() -> None:
    stream = next(s for s in connector.streams if s.name == "leads")
    window = Window(datetime(2026, 11, 1, 5, tzinfo=timezone.utc), datetime(2026, 11, 2, 4, 59, 59, tzinfo=timezone.utc))
    params = stream.params(ReadContext(client=None, config=None, since=None, until=None, window=window))  # type: ignore[arg-type]
    assert params["criteria"] == "(Modified_Time:between:2026-11-01T05:00:00+00:00,2026-11-02T04:59:59+00:00)"
    assert params["converted"] == "both" and "Lead_Source" in params["fields"].split(",")


@pytest.mark.parametrize(("status", "name", "kind"), [(429, "error.rate_limit.json", RetryableApiError), (401, "error.auth.json", AuthError)])
def test_documented_errors(status: int, name: str, kind: type) -> None:
    documented_body = body(name)
    error = API.errors.policy().for_status(httpx.Response(status), documented_body)
    assert type(error) is kind
    assert documented_body["message"] in str(error)


def test_a_missing_scope_is_a_credential_problem() -> None:
    error = API.errors.policy().for_status(httpx.Response(401), {"code": "OAUTH_SCOPE_MISMATCH", "details": {},
                                                                 "message": "invalid oauth scope to access this URL", "status": "error"})
    assert isinstance(error, AuthError)
