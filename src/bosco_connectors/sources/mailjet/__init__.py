"""Mailjet: the Mailjet Email API v3 (REST resources ``campaign`` and ``statcounters``), declared.

Reference: https://dev.mailjet.com/email/reference/ (Email API v3, ``/v3/REST/``; statistics:
https://dev.mailjet.com/email/reference/statistics/#v3_get_statcounters, guide
https://dev.mailjet.com/email/guides/statistics/). Field names and types follow Mailjet's
own SDK typings (github.com/mailjet/mailjet-apiv3-nodejs ``lib/types/api/Campaign.ts``,
``Statistic.ts``, ``Common.ts``) and the documented ``statcounters`` answer
(github.com/mailjet/api-documentation ``guides/_statistics.md``).

- Auth: HTTP basic, the API key as user name and the secret key as password.
- Paging: ``Limit`` (default 10, at most 1000) and ``Offset``; ``Count`` is the page's
  records, ``Total`` all of them (guides/_api-overview.md).
- Errors (https://dev.mailjet.com/email/reference/overview/errors/): 400 (a parameter
  missing or misspelled), 401 (a wrong API key / secret pair), 403, 404, 405, 429 (the
  calls allowed per minute) and 500; "error responses will usually include an Error
  Identifier, Error Message and Status Code" (``ErrorIdentifier``, ``ErrorMessage``,
  ``StatusCode``; Mailjet's .NET SDK also reads ``ErrorInfo``), so the body's ``StatusCode``
  decides, under HTTP 200 too: 401/403 are credential problems, 429 and 5xx are retried.

Streams: ``campaigns`` (in full: every run, since a campaign's deletion and its send times
change; deleted ones flagged ``IsDeleted`` and also listed with ``IsDeleted=true``, so they
leave the table) and ``campaign_stats``: each campaign's lifetime counters by message
(``CounterSource=Campaign``, ``CounterTiming=Message``, ``CounterResolution=Lifetime``: "the
campaign statistics as displayed in your Mailjet account"), read again in full on every run
because opens and clicks keep arriving after the send and the lifetime counters carry no
date to filter on.

Per-day counters (``CounterResolution=Day``) exist, but the published documentation shows
their ``Timeslice`` only as placeholders ("123", "456"): its format cannot be checked, so
they are not read (see the report).

Unified model: each campaign's lifetime counters are one row of ``email_campaign_performance``
on the UTC day of its ``SendStartAt`` (Mailjet's API names no account time zone here).
Mailjet reports no revenue.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from ...framework import SourceConfig
from ...framework.auth import Basic
from ...framework.declare import Api, declare, source_function
from ...framework.deletions import DeletedRecords, SoftDelete
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import Const, DayOf, Expr, Maps
from ...framework.http import RetryPolicy
from ...framework.paginators import OffsetLimit, SinglePage
from ...framework.params import FromParent
from ...framework.records import ISO_DATETIME, Records, snake_case
from ...framework.spec import FullRefresh, RestStream, Stream
from ...framework.unified import Lookup
from .contracts import Campaign, CampaignStats

MAX_PAGE_SIZE = 1000
CAMPAIGN_FIELDS = ("ID", "IsDeleted", "IsStarred", "CampaignType", "CreatedAt", "CustomValue", "FirstMessageID", "FromEmail",
                   "FromID", "FromName", "HasHtmlCount", "HasTxtCount", "ListID", "NewsLetterID", "SegmentationID", "SendEndAt",
                   "SendStartAt", "SpamassScore", "Subject", "WorkflowID")
STAT_FIELDS = ("APIKeyID", "EventClickDelay", "EventClickedCount", "EventOpenDelay", "EventOpenedCount", "EventSpamCount",
               "EventUnsubscribedCount", "EventWorkflowExitedCount", "MessageBlockedCount", "MessageClickedCount",
               "MessageDeferredCount", "MessageHardBouncedCount", "MessageOpenedCount", "MessageQueuedCount", "MessageSentCount",
               "MessageSoftBouncedCount", "MessageSpamCount", "MessageUnsubscribedCount", "MessageWorkFlowExitedCount", "SourceID",
               "Timeslice", "Total")
RENAME = {**snake_case(*CAMPAIGN_FIELDS, *STAT_FIELDS), "FirstMessageID": "first_message_id", "NewsLetterID": "news_letter_id",
          "SegmentationID": "segmentation_id", "WorkflowID": "workflow_id", "ListID": "list_id", "FromID": "from_id"}
#: Lifetime counters per message, as the Mailjet app shows a campaign (guides/_statistics.md).
LIFETIME = {"CounterSource": "Campaign", "CounterTiming": "Message", "CounterResolution": "Lifetime"}


class MailjetConfig(SourceConfig):
    """Config of the ``mailjet`` source (plus the fields every source accepts)."""

    api_key: str = Field(description="The Mailjet API key (the basic-auth user name).")
    secret_key: SecretStr = Field(description="The Mailjet secret key (the basic-auth password).")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Records per page (`Limit`, at most 1000).")


API = Api(
    base_url="https://api.mailjet.com/v3/REST/",
    auth=Basic("api_key", "secret_key"),
    errors=ErrorMap(
        # The error body carries its HTTP status in StatusCode: the body decides, even under HTTP 200.
        "Mailjet", code="StatusCode", message=("ErrorMessage", "ErrorInfo"), request_id="ErrorIdentifier",
        codes={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY, range(500, 600): Action.RETRY},
        hints={Action.AUTH: "check the API key and secret key pair (Account settings > REST API keys)"},
    ),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)


def pages(size: int):
    return lambda: OffsetLimit(limit=size, offset_param="Offset", limit_param="Limit", total_path="Total")


def streams(config: MailjetConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    campaigns = RestStream(
        name="campaigns", description="Sent campaigns: subject, sender, list, send start and end, deleted flag.",
        path="campaign", paginator=pages(size),
        records=Records("Data", rename=RENAME, formats={c: ISO_DATETIME for c in ("created_at", "send_start_at", "send_end_at")}),
        contract=Campaign, primary_key=("id",),
        cursor=FullRefresh("a campaign is deleted or starred long after it was sent; GET /campaign filters by send time only"),
        deleted=(SoftDelete("is_deleted"),
                 DeletedRecords(params={"IsDeleted": "true"}, description="campaigns marked deleted at Mailjet")),
    )
    return [
        campaigns,
        RestStream(
            name="campaign_stats", description="Each campaign's lifetime counters by message: processed, delivered, "
            "opened, clicked, bounced, spam, unsubscribed.", path="statcounters",
            # one campaign's lifetime counters are one row: no pages
            params=LIFETIME, partitions=FromParent(campaigns, {"SourceID": "id"}), paginator=SinglePage,
            records=Records("Data", rename=RENAME), contract=CampaignStats, primary_key=("source_id",),
            cursor=FullRefresh("lifetime counters carry no date and keep growing after the send"),
            unified=Maps(
                "email_campaign_performance", date=DayOf(Lookup("campaigns", "id", "send_start_at", on="campaign_id")),
                campaign_id="source_id", campaign_name=Lookup("campaigns", "id", "subject", on="campaign_id"),
                campaign_type=Const("campaign"), channel=Const("email"), sends="total", deliveries="message_sent_count",
                opens="event_opened_count", unique_opens="message_opened_count", clicks="event_clicked_count",
                unique_clicks="message_clicked_count",
                bounces=Expr("message_hard_bounced_count + message_soft_bounced_count"),
                unsubscribes="message_unsubscribed_count", spam_reports="message_spam_count",
                meanings={
                    "date": "the UTC day the campaign started sending: Mailjet's lifetime counters are the campaign's "
                            "totals to date, not per day",
                    "sends": "Total: processed emails",
                    "deliveries": "MessageSentCount: accepted by the recipient's server",
                    "opens": "EventOpenedCount: every open, repeated ones included",
                    "unique_opens": "MessageOpenedCount: messages opened",
                    "clicks": "EventClickedCount: every click",
                    "unique_clicks": "MessageClickedCount: messages with at least one click (unsubscribe clicks excluded)",
                    "bounces": "hard + soft bounced messages",
                    "spam_reports": "MessageSpamCount: messages marked as spam",
                },
            ),
        ),
    ]


connector = declare(
    "mailjet", title="Mailjet", api=API, config=MailjetConfig, streams=streams, api_version="v3",
    docs_url="https://dev.mailjet.com/email/reference/", category="email",
    support_policy="https://dev.mailjet.com/email/reference/ (Email API v3 REST resources are current; v3.1 is the Send API only)",
    description="Mailjet: sent campaigns and their lifetime statistics (processed, delivered, opens, clicks, bounces).",
    # The documented 401 (status codes page: its description, with the fields error responses carry).
    error_example={"ErrorIdentifier": "3f1c2d4e-8a9b-4c7d-9e0f-1a2b3c4d5e6f",
                   "ErrorMessage": "You have specified an incorrect API Key / API Secret Key pair.", "StatusCode": 401},
)
source = source_function(connector)

__all__ = ["connector", "source", "MailjetConfig"]
