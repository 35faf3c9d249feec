"""Omnisend: the Omnisend REST API v3 campaigns, declared.

Reference: https://api-docs.omnisend.com/v3/reference/campaigns (API v3; base
``https://api.omnisend.com/v3/``, the key in the ``X-API-KEY`` header). Field names and
types follow that reference's parameter table; the list's envelope (``campaign``, ``paging``)
and paging follow Airbyte's tested Omnisend connector (airbytehq/airbyte
``airbyte-integrations/connectors/source-omnisend/manifest.yaml``), whose campaign schema
agrees with the reference field by field.

- Paging: ``limit`` (100 here); ``paging.next`` is the next page's full URL, null on the last.
- Rate limit (https://api-docs.omnisend.com/v3/reference/rate-limit-timeouts-errors): 400
  requests a minute; a 429 waits the ``X-Rate-Limit-Reset`` seconds left in the period.
- Errors: Omnisend documents RFC 9457 problem details (``type``, ``title``, ``status``,
  ``detail``, ``instance``; https://api-docs.omnisend.com/reference/responses) for its
  current dated API; the body's ``status`` decides where it is present, else the HTTP
  status: 401/403 are credential problems, 429 and 5xx are retried.

Streams: ``campaigns``, in full on every run: each campaign carries its totals to date
(sent, opened, clicked, bounced, complaints, unsubscribes), which keep changing after the
send, and the list takes no updated-since filter. Omnisend's newer dated API
(v2026-03-15) documents no campaign reports in the reference stored here: v3 is what its
campaign reference describes (see the report).

Unified model: each campaign is one row of ``email_campaign_performance`` on the UTC day of
its ``startDate``. Omnisend reports no revenue on campaigns in v3. A deleted campaign leaves
the list; no deleted flag or list is documented.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from ...framework import SourceConfig
from ...framework.auth import ApiKey
from ...framework.declare import Api, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import Const, DayOf, Maps
from ...framework.http import RetryPolicy
from ...framework.paginators import NextUrlInBody
from ...framework.records import ISO_DATETIME, Records, snake_case
from ...framework.spec import FullRefresh, RestStream, Stream
from .contracts import Campaign

PAGE_SIZE = 100
RENAME = {**snake_case("fromName", "createdAt", "updatedAt", "startDate", "endDate", "allSubscribers"),
          "campaignID": "campaign_id"}


class OmnisendConfig(SourceConfig):
    """Config of the ``omnisend`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="An Omnisend API key (Store settings > API keys), sent as X-API-KEY.")


API = Api(
    base_url="https://api.omnisend.com/v3/",
    auth=ApiKey("api_key", header="X-API-KEY"),
    errors=ErrorMap(
        # A problem document carries its HTTP status: the body decides, even under HTTP 200.
        "Omnisend", code="status", message=("detail", "title", "error"), request_id="instance",
        retry_after_header="X-Rate-Limit-Reset",
        codes={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY, range(500, 600): Action.RETRY},
        hints={Action.AUTH: "check the API key (Store settings > API keys)"},
    ),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)


def streams(config: OmnisendConfig | None) -> list[Stream]:
    return [
        RestStream(
            name="campaigns", description="Campaigns with their totals to date: sent, opened, clicked, bounced, "
            "complaints, unsubscribes.", path="campaigns", params={"limit": PAGE_SIZE},
            paginator=lambda: NextUrlInBody("paging.next"),
            records=Records("campaign", rename=RENAME, drop=("lists", "listID", "segmentID", "abTest", "abTestWinner",
                                                              "byDevices", "excludedSegments", "allContacts"),
                            formats={c: ISO_DATETIME for c in ("created_at", "updated_at", "start_date", "end_date")}),
            contract=Campaign, primary_key=("campaign_id",),
            cursor=FullRefresh("a campaign's totals keep changing after the send; GET /v3/campaigns has no updated-since filter"),
            unified=Maps(
                "email_campaign_performance", date=DayOf("start_date"), campaign_id="campaign_id", campaign_name="name",
                campaign_type=Const("campaign"), channel=Const("email"), sends="sent", unique_opens="opened",
                clicks="clicked", bounces="bounced", unsubscribes="unsubscribed", spam_reports="complained",
                meanings={
                    "date": "the UTC day the campaign's emails started sending (startDate): its totals are to date",
                    "unique_opens": "opened: 'Open emails count', each email once",
                    "clicks": "clicked: 'Clicked links in emails count'",
                    "spam_reports": "complained: complaints",
                },
            ),
        ),
    ]


connector = declare(
    "omnisend", title="Omnisend", api=API, config=OmnisendConfig, streams=streams, api_version="v3",
    docs_url="https://api-docs.omnisend.com/v3/reference/campaigns", category="email",
    support_policy="https://api-docs.omnisend.com/ (v3 campaigns; a dated API, v2026-03-15, is documented beside it)",
    description="Omnisend: email campaigns with their totals (sent, opened, clicked, bounced, complaints, unsubscribes).",
    # Omnisend's documented problem-details error (https://api-docs.omnisend.com/reference/responses).
    error_example={"type": "https://problems.omnisend.com/not-found", "title": "Not found", "status": 404,
                   "detail": "Segment '000000000000000000000001' not found.",
                   "instance": "urn:omnisend:request:550e8400-e29b-41d4-a716-446655440000"},
)
source = source_function(connector)

__all__ = ["connector", "source", "OmnisendConfig"]
