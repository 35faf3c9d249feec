"""Brevo: the Brevo API v3 (marketing email campaigns and their statistics), declared.

Reference: https://developers.brevo.com/reference (API v3; base ``https://api.brevo.com/v3/``,
the key in the ``api-key`` header). Shapes follow Brevo's SDKs generated from its published
OpenAPI definition (github.com/getbrevo/brevo-python: ``GetCampaignStats``,
``GetExtendedCampaignOverview``, ``GetList``, ``ErrorModel``) and the response samples of
Brevo's changelog.

- Paging: ``limit``/``offset``; ``count`` is the total. At most 100 campaigns a page
  (https://developers.brevo.com/changelog/2022/6/2) and 50 lists.
- Errors: ``{"code", "message"}`` with the HTTP status; ``unauthorized`` (401) and
  ``permission_denied`` are credential problems; 429 (rate limits per endpoint and plan,
  https://developers.brevo.com/docs/api-limits) waits the ``x-sib-ratelimit-reset`` seconds
  (https://developers.brevo.com/docs/limit-headers); 5xx are retried.

Streams: ``contact_lists`` in full (no date filter) and ``email_campaigns``: sent
campaigns with their totals to date (``statistics=globalStats``), read by
``startDate``/``endDate`` on the send date with a 7-day look-back (Brevo documents no
freshness window: opens and clicks of a send keep arriving in the days after it; the
statistics count events of the last six months only).

Unified model: each sent campaign is one row of ``email_campaign_performance`` on its send
day. Brevo's API gives no account time zone (GET /v3/account has none), so the day is the
UTC day of ``sentDate``. Brevo reports no revenue for a campaign.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr

from ...framework import SourceConfig
from ...framework.auth import ApiKey
from ...framework.declare import Api, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import Const, DayOf, Expr, Maps
from ...framework.http import RetryPolicy
from ...framework.paginators import OffsetLimit
from ...framework.params import WindowParams
from ...framework.records import ISO_DATETIME, Records, snake_case
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
from .contracts import ContactList, EmailCampaign

CAMPAIGNS_PER_PAGE = 100
LISTS_PER_PAGE = 50
#: startDate/endDate as Brevo writes them: "YYYY-MM-DDTHH:mm:ss.SSSZ" (UTC).
BREVO_INSTANT = "%Y-%m-%dT%H:%M:%S.000Z"
#: camelCase names -> the snake-case columns they land as.
RENAME = snake_case("totalBlacklisted", "totalSubscribers", "uniqueSubscribers", "folderId", "createdAt", "modifiedAt",
                    "scheduledAt", "sentDate", "uniqueViews", "trackableViews", "uniqueClicks", "softBounces", "hardBounces")


class BrevoConfig(SourceConfig):
    """Config of the ``brevo`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A Brevo API v3 key (SMTP & API > API keys), sent in the api-key header.")


API = Api(
    base_url="https://api.brevo.com/v3/",
    auth=ApiKey("api_key", header="api-key"),
    errors=ErrorMap(
        # The ErrorModel of Brevo's OpenAPI definition; the body decides, whatever the status.
        "Brevo", code="code", message=("message",), retry_after_header="x-sib-ratelimit-reset",
        codes={"unauthorized": Action.AUTH, "permission_denied": Action.AUTH, "account_under_validation": Action.AUTH},
        hints={Action.AUTH: "check the API key (and that its IP is authorised)"},
    ),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)


def pages(size: int):
    return lambda: OffsetLimit(limit=size, offset_param="offset", limit_param="limit", total_path="count")


def streams(config: BrevoConfig | None) -> list[Stream]:
    return [
        RestStream(
            name="contact_lists", description="Contact lists with their subscriber counts.", path="contacts/lists",
            paginator=pages(LISTS_PER_PAGE), records=Records("lists", rename=RENAME), contract=ContactList, primary_key=("id",),
            cursor=FullRefresh("GET /contacts/lists takes no date filter; lists are few"),
        ),
        RestStream(
            name="email_campaigns", arrow=True, description="Sent email campaigns with their totals to date (sent, delivered, opens, "
            "clicks, bounces, unsubscriptions, complaints).", path="emailCampaigns",
            params={"status": "sent", "statistics": "globalStats", "excludeHtmlContent": "true"},
            window=WindowParams("startDate", "endDate", format=BREVO_INSTANT), paginator=pages(CAMPAIGNS_PER_PAGE),
            records=Records("campaigns", flatten=("statistics.globalStats",), rename=RENAME,
                            formats={RENAME[t]: ISO_DATETIME for t in ("createdAt", "modifiedAt", "scheduledAt", "sentDate")}),
            contract=EmailCampaign, primary_key=("id",),
            cursor=Cursor("sent_date", kind="datetime", lookback=timedelta(days=7)),
            unified=Maps(
                "email_campaign_performance", date=DayOf("sent_date"), campaign_id="id", campaign_name="name",
                campaign_type=Const("campaign"), channel=Const("email"), sends="sent", deliveries="delivered", opens="viewed",
                unique_opens="unique_views", clicks="clickers", unique_clicks="unique_clicks",
                bounces=Expr("hard_bounces + soft_bounces"), unsubscribes="unsubscriptions", spam_reports="complaints",
                meanings={
                    "date": "the UTC day of sentDate: Brevo reports each campaign's totals to date and its API names no "
                            "account time zone",
                    "opens": "viewed: openings, machine (Apple Mail Privacy) opens included",
                    "unique_opens": "uniqueViews: unique openings",
                    "clicks": "clickers: 'number of total clicks for the campaign'",
                    "unique_clicks": "uniqueClicks: unique clicks",
                    "bounces": "hardBounces + softBounces",
                    "spam_reports": "complaints",
                },
            ),
        ),
    ]


connector = declare(
    "brevo", title="Brevo", api=API, config=BrevoConfig, streams=streams, api_version="v3",
    docs_url="https://developers.brevo.com/reference", category="email",
    support_policy="https://developers.brevo.com/reference (v3 is current; no sunset announced)",
    description="Brevo (ex-Sendinblue): contact lists and sent email campaigns with their statistics.",
    # Brevo's ErrorModel answer to an unknown API key (HTTP 401).
    error_example={"code": "unauthorized", "message": "Key not found"},
)
source = source_function(connector)

__all__ = ["connector", "source", "BrevoConfig"]
