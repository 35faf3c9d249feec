"""MailerLite: the MailerLite API (the new one, ``connect.mailerlite.com``) campaigns, declared.

Reference: https://developers.mailerlite.com/docs/campaigns.html (campaign list) and
https://developers.mailerlite.com/docs/ (getting started: base ``https://connect.mailerlite.com/api``,
``Authorization: Bearer <API key>``, the 401 answer, versioning by ``X-Version``; without it
every request uses the latest version). Field names and types follow that page's response
example and MailerLite's own SDK typings (github.com/mailerlite/mailerlite-nodejs
``src/modules/campaigns/campaigns.types.ts``: ``CampaignObject``, ``CampaignStats``;
``src/utils/types.ts``: ``Stats``, ``Links``, ``Meta``).

- Paging: ``limit`` (default 25) and ``page`` (from 1); ``meta.last_page`` is the last page.
- Rate limit: 120 requests a minute (getting started); a 429 is retried with back-off.
- Errors: ``{"message": ...}`` with the HTTP status (401 ``"Unauthenticated."``; 422 adds
  ``errors``): a body with a ``message`` is an error whatever its status.

Streams: ``campaigns`` (``filter[status]=sent``), in full on every run: each sent campaign
carries its totals to date in ``stats`` (sent, opens, unique opens, clicks, unique clicks,
unsubscribes, spam complaints, hard and soft bounces, forwards), which keep changing after
the send; the list has no updated-since filter. The rates (``open_rate``... as ``{float,
string}``) are derived from the counts and not loaded; ``emails`` and ``filter`` neither.

Unified model: each sent campaign is one row of ``email_campaign_performance`` on the day of
its ``started_at`` as MailerLite writes it ("2022-07-26 15:12:04": the API states no zone).
MailerLite reports no revenue on campaigns. A deleted campaign leaves the list; no deleted
flag or list is documented.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from ...framework import SourceConfig
from ...framework.auth import ApiKey
from ...framework.declare import Api, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import Const, DayOf, Expr, Maps
from ...framework.http import RetryPolicy
from ...framework.paginators import PageNumber
from ...framework.records import Records
from ...framework.spec import FullRefresh, RestStream, Stream
from .contracts import Campaign

DEFAULT_PAGE_SIZE = 25
#: "2022-07-26 15:12:04": MailerLite's timestamps (no zone).
ML_TIME = "%Y-%m-%d %H:%M:%S"
COUNTS = ("sent", "opens_count", "unique_opens_count", "clicks_count", "unique_clicks_count", "unsubscribes_count",
          "spam_count", "hard_bounces_count", "soft_bounces_count", "forwards_count")
#: The counts of ``stats`` picked beside the campaign (the rates, derived, are left out).
STATS = {f"stats.{name}": name for name in COUNTS}
TIMES = ("created_at", "updated_at", "scheduled_for", "queued_at", "started_at", "finished_at", "stopped_at",
         "winner_selected_manually_at", "initial_created_at")


class MailerLiteConfig(SourceConfig):
    """Config of the ``mailerlite`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A MailerLite API token (Integrations > MailerLite API).")
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=100, description="Campaigns per page (`limit`; 25 by default).")


API = Api(
    base_url="https://connect.mailerlite.com/api/",
    auth=ApiKey("api_key", header="Authorization", prefix="Bearer "),
    errors=ErrorMap(
        # Answers carry data/links/meta; an error carries only a message (the HTTP status decides its action).
        "MailerLite", code="message", message=("message",),
        codes={"Unauthenticated.": Action.AUTH},
        hints={Action.AUTH: "check the API token (Integrations > MailerLite API)"},
    ),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)


def streams(config: MailerLiteConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else DEFAULT_PAGE_SIZE
    return [
        RestStream(
            name="campaigns", description="Sent campaigns with their totals to date: sent, opens, clicks, unsubscribes, "
            "spam complaints, bounces, forwards.", path="campaigns", params={"filter[status]": "sent"},
            paginator=lambda: PageNumber(page_size=size, page_param="page", size_param="limit", total_pages_path="meta.last_page"),
            records=Records("data", rename=STATS, drop=("emails", "filter", "filter_for_humans", "settings", "missing_data",
                                                         "warnings"),
                            formats={t: ML_TIME for t in TIMES}),
            contract=Campaign, primary_key=("id",),
            cursor=FullRefresh("a campaign's totals keep changing after the send; the list has no updated-since filter"),
            unified=Maps(
                "email_campaign_performance", date=DayOf("started_at"), campaign_id="id", campaign_name="name",
                campaign_type=Const("campaign"), channel=Const("email"), sends="sent", opens="opens_count",
                unique_opens="unique_opens_count", clicks="clicks_count", unique_clicks="unique_clicks_count",
                bounces=Expr("hard_bounces_count + soft_bounces_count"), unsubscribes="unsubscribes_count",
                spam_reports="spam_count",
                meanings={
                    "date": "the day of started_at as MailerLite writes it (no zone stated); totals are to date",
                    "bounces": "hard + soft bounces",
                    "spam_reports": "spam_count: spam complaints",
                },
            ),
        ),
    ]


connector = declare(
    "mailerlite", title="MailerLite", api=API, config=MailerLiteConfig, streams=streams, api_version="latest (X-Version unset)",
    docs_url="https://developers.mailerlite.com/docs/", category="email",
    support_policy="https://developers.mailerlite.com/docs/ (the new API; requests use the latest version unless X-Version pins one)",
    description="MailerLite: sent campaigns with their totals (sent, opens, clicks, unsubscribes, spam, bounces).",
    # The documented answer to a missing or invalid token (HTTP 401).
    error_example={"message": "Unauthenticated."},
)
source = source_function(connector)

__all__ = ["connector", "source", "MailerLiteConfig"]
