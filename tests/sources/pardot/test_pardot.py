"""pardot: the v5 answers load as documented (a deleted prospect never lands), prospects count
into the funnel on UTC days, every request names the business unit, and the error codes; each
sent list email's stats land in the email fact on the UTC day of its sentAt (a draft is never
asked), and opportunities count into the funnel (created, won with a closed date, its value).

Expected values are read off the documented bodies (cassettes/pardot/bodies), never from the connector.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from bosco_connectors.framework import AuthError, RetryableApiError
from bosco_connectors.framework.errors import ApiError
from bosco_connectors.sources.pardot import API, connector
from bosco_connectors.testing.replay import fixture_folder
from tests.sources.replayed import build_facts, documented, query, sync

BODIES = fixture_folder(connector) / "bodies"


@pytest.fixture(scope="module")
def replayed(module_tmp: Path) -> Path:
    """The documented sync every read-only test below queries (run once for the module)."""
    sync(connector, documented(connector), module_tmp)
    build_facts(connector, module_tmp, "crm_funnel_daily", "email_campaign_performance")
    return module_tmp


def body(name: str):
    return json.loads((BODIES / name).read_text())


def values(stream: str) -> list[dict]:
    return [v for page in (f"{stream}.page1.json", f"{stream}.page2.json") for v in body(page)["values"]]


def utc_day(stamp: str) -> date:
    return datetime.fromisoformat(stamp).astimezone(timezone.utc).date()


def test_a_prospect_answered_deleted_never_lands(replayed: Path) -> None:
    assert query(replayed, "select id from raw.pardot_prospects order by id") == [("31001",), ("31002",), ("31003",)]


def test_prospects_count_into_the_funnel_on_utc_days(replayed: Path) -> None:
    """31002 was created 20:30 on Nov 1 at -08:00: 04:30 UTC on Nov 2."""
    rows = query(replayed, "select date, lead_source, leads_created from analytics.fct_crm_funnel_daily "
                           "where platform = 'pardot' and leads_created > 0 order by date, lead_source")
    assert rows == [(date(2026, 11, 1), "Website", 1), (date(2026, 11, 2), "Webinar", 1), (date(2026, 11, 2), "Website", 1)]


def test_stats_are_asked_for_sent_list_emails_only(replayed: Path) -> None:
    sent = sorted(str(e["id"]) for e in values("list_emails") if e["sentAt"] is not None)
    assert sent and len(sent) < len(values("list_emails"))  # the documented pages hold a draft
    assert query(replayed, "select list_email_id from raw.pardot_list_email_stats order by 1") == [(i,) for i in sent]


def test_list_email_stats_land_in_the_email_fact_on_their_send_day(replayed: Path) -> None:
    """8002 was sent 18:30 on Nov 1 at -08:00: 02:30 UTC on Nov 2."""
    emails = {str(e["id"]): e for e in values("list_emails")}
    expected = []
    for list_email_id in sorted(i for i, e in emails.items() if e["sentAt"] is not None):
        stats = body(f"list_email_stats.{list_email_id}.json")
        expected.append((utc_day(emails[list_email_id]["sentAt"]), list_email_id, emails[list_email_id]["name"], "email",
                         stats["sent"], stats["delivered"], stats["opens"], stats["uniqueOpens"], stats["totalClicks"],
                         stats["uniqueClicks"], stats["softBounced"] + stats["hardBounced"], stats["optOuts"],
                         stats["spamComplaints"]))
    rows = query(replayed, "select date, campaign_id, campaign_name, channel, sends, deliveries, opens, unique_opens, clicks, "
                           "unique_clicks, bounces, unsubscribes, spam_reports from analytics.fct_email_campaign_performance "
                           "where platform = 'pardot' order by campaign_id")
    assert rows == expected
    total = query(replayed, "select sum(sends) from analytics.fct_email_campaign_performance where platform = 'pardot'")
    assert total == [(sum(body(f"list_email_stats.{i}.json")["sent"] for i, e in emails.items() if e["sentAt"]),)]


def test_opportunities_count_into_the_funnel(replayed: Path) -> None:
    """Created on the UTC day of createdAt; won on the UTC day of closedAt, only when status is won and
    closedAt is set (the reference: a blank closed date stays blank even for a won opportunity)."""
    opportunities = values("opportunities")
    created: dict[date, int] = {}
    won: dict[date, tuple[int, Decimal]] = {}
    for o in opportunities:
        created[utc_day(o["createdAt"])] = created.get(utc_day(o["createdAt"]), 0) + 1
        if o["status"] == "won" and o["closedAt"] is not None:
            n, amount = won.get(utc_day(o["closedAt"]), (0, Decimal(0)))
            won[utc_day(o["closedAt"])] = (n + 1, amount + Decimal(str(o["value"])))
    rows = query(replayed, "select date, opportunities_created, won, won_amount, currency from analytics.fct_crm_funnel_daily "
                           "where platform = 'pardot' and (opportunities_created > 0 or won > 0) order by date")
    days = sorted({*created, *won})
    assert rows == [(d, created.get(d), won.get(d, (None,))[0], won.get(d, (None, None))[1], None) for d in days]
    assert sum(r[3] or 0 for r in rows) == sum(Decimal(str(o["value"])) for o in opportunities
                                               if o["status"] == "won" and o["closedAt"] is not None)
    assert sum(r[1] or 0 for r in rows) == len(opportunities)


def test_every_request_names_the_business_unit() -> None:
    config = connector.validate({"business_unit_id": "0Uv5A000000PAzxSAG", "client_id": "c", "client_secret": "s", "refresh_token": "r"})
    assert API.headers(config) == {"Pardot-Business-Unit-Id": "0Uv5A000000PAzxSAG"}


@pytest.mark.parametrize(("status", "name", "kind"), [(429, "error.rate_limit.json", RetryableApiError), (401, "error.auth.json", AuthError)])
def test_documented_errors(status: int, name: str, kind: type) -> None:
    documented_body = json.loads((BODIES / name).read_text())
    error = API.errors.policy().for_status(httpx.Response(status), documented_body)
    assert type(error) is kind
    assert documented_body["message"] in str(error)


def test_the_daily_limit_fails_without_retrying() -> None:
    error = API.errors.policy().for_status(httpx.Response(429), {"code": 122, "message": "Daily API rate limit met"})
    assert isinstance(error, ApiError) and not isinstance(error, RetryableApiError)
