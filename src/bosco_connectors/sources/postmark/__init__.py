"""Postmark: the Stats API (outbound counts by day, per message stream), declared.

Reference: https://postmarkapp.com/developer/api/stats-api (Stats API; the REST API has no
version in its URL: https://postmarkapp.com/developer/api/overview) and
https://postmarkapp.com/developer/api/message-streams-api. Field names and types follow the
reference and Postmark's own SDKs (github.com/ActiveCampaign/postmark-dotnet
``src/Postmark/Model/PostmarkOutbound{Sent,Open,Bounce,SpamComplaint}Stats.cs`` and
``MessageStreams/PostmarkMessageStream.cs``; github.com/ActiveCampaign/postmark-php
``src/Postmark/Models/Stats/PostmarkOutboundClickStats.php``).

- Auth: the server token in ``X-Postmark-Server-Token`` (server-level privileges).
- Every stats endpoint takes ``fromdate``/``todate`` (``YYYY-MM-DD``, both inclusive) and
  ``messagestream``, and answers the period's totals with ``Days``: one object per day with
  its ``Date``. "All stats use EST timezone": days are US Eastern days. Stats "are stored
  permanently and do not expire". No paging.
- Errors: ``{"ErrorCode": <int>, "Message": "..."}``; 401 a missing or wrong token (API
  error code 10), 422 a bad request, 429 too many requests and 5xx retried (the overview's
  HTTP response codes).

Streams: ``message_streams`` (in full: GET /message-streams takes no date filter; archived
streams included) and, per outbound message stream (inbound streams send nothing), the
daily counts of ``sends_daily``, ``opens_daily``, ``clicks_daily``, ``bounces_daily`` and
``spam_complaints_daily``. Incremental on ``date`` with a 3-day look-back: opens, clicks,
bounces and complaints count on the day they happen and keep arriving after a send;
Postmark documents no freshness window (our choice). A month a request.

Unified model: each daily stream maps into ``email_campaign_performance`` with the message
stream as the campaign (``outbound``, ``broadcast``...; its name by lookup), channel email;
the rows of one stream and day are summed into one fact row. Postmark reports no revenue
and no unsubscribe counts in its Stats API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Mapping

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Const, Expr, Maps
from bosco_connectors.framework.http import RetryPolicy
from bosco_connectors.framework.paginators import SinglePage
from bosco_connectors.framework.params import FromParent, WindowParams
from bosco_connectors.framework.records import DATE_PREFIX, ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream
from bosco_connectors.framework.unified import Lookup
from bosco_connectors.sandbox.documented_days import DocumentedDays

#: Days a request asks for (Postmark documents no cap).
WINDOW = timedelta(days=31)
LOOKBACK = timedelta(days=3)


class PostmarkConfig(SourceConfig):
    """Config of the ``postmark`` source (plus the fields every source accepts)."""

    server_token: SecretStr = Field(description="The server's API token (Servers > API Tokens), sent as X-Postmark-Server-Token.")


# -- contracts ------------------------------------------------------------------------------


class MessageStream(Contract):
    """One message stream of the server, from GET /message-streams."""

    id: Id = Field(description="The stream's id, unique on the server ('outbound', 'broadcast', or user-defined).")
    server_id: int | None = None
    name: str | None = None
    description: str | None = None
    message_stream_type: str | None = Field(default=None, description="Transactional, Broadcasts or Inbound.")
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    archived_at: dt.datetime | None = None


class StreamDay(Contract):
    """One message stream and day (US Eastern: 'All stats use EST timezone')."""

    message_stream: Id = Field(description="The message stream asked for (messagestream); the answer does not repeat it.")
    date: dt.date


class SendsDaily(StreamDay):
    sent: int | None = Field(default=None, description="Emails sent.")


class OpensDaily(StreamDay):
    opens: int | None = Field(default=None, description="Open events (machine opens included).")
    unique: int | None = Field(default=None, description="Unique opens.")


class ClicksDaily(StreamDay):
    clicks: int | None = Field(default=None, description="Clicks on tracked links.")
    unique: int | None = Field(default=None, description="Unique clicks.")


class BouncesDaily(StreamDay):
    hard_bounce: int | None = None
    soft_bounce: int | None = None
    smtp_api_error: int | None = None
    transient: int | None = None


class SpamComplaintsDaily(StreamDay):
    spam_complaint: int | None = None


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://api.postmarkapp.com/",
    auth=ApiKey("server_token", header="X-Postmark-Server-Token"),
    errors=ErrorMap("Postmark", code="ErrorCode", message=("Message",), codes={10: Action.AUTH},
                    hints={Action.AUTH: "check the server token (a server's API token, not the account token)"}),
    headers={"Accept": "application/json"},
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)


MEANINGS = {
    "date": "the day in US Eastern time ('All stats use EST timezone')",
    "campaign_id": "the message stream (Postmark's separation of transactional and broadcast mail)",
}


@dataclass(frozen=True)
class OutboundStreams(FromParent):
    """The server's message streams that send (Transactional and Broadcasts): inbound ones have no outbound stats."""

    def for_read(self, config: Any, client: Any = None) -> list[Mapping[str, Any]]:
        return [{k: v for k, v in part.items() if k != "type"} for part in super().for_read(config, client)
                if part.get("type") != "Inbound"]


def streams(config: PostmarkConfig | None) -> list[Stream]:
    message_streams = RestStream(
        name="message_streams", description="The server's message streams (transactional, broadcast, inbound).",
        path="message-streams", params={"MessageStreamType": "All", "IncludeArchivedStreams": "true"}, paginator=SinglePage,
        records=Records("MessageStreams", rename={"ID": "id", "ServerID": "server_id", "Name": "name",
                                                  "Description": "description", "MessageStreamType": "message_stream_type",
                                                  "CreatedAt": "created_at", "UpdatedAt": "updated_at",
                                                  "ArchivedAt": "archived_at"},
                        drop=("SubscriptionManagementConfiguration", "ExpectedPurgeDate"),
                        formats={t: ISO_DATETIME for t in ("created_at", "updated_at", "archived_at")}),
        contract=MessageStream, primary_key=("id",), cursor=FullRefresh("GET /message-streams takes no date filter; streams are few"),
    )
    per_stream = OutboundStreams(message_streams, {"messagestream": "id", "type": "message_stream_type"})

    def daily(name: str, path: str, description: str, contract: type[Contract], rename: dict[str, str], **measures: Any) -> RestStream:
        return DocumentedDays(
            name=name, fake_days={"Date": "%Y-%m-%d"}, description=description, path=path, partitions=per_stream,
            window=WindowParams("fromdate", "todate"), paginator=SinglePage,
            records=Records("Days", rename={"Date": "date", "messagestream": "message_stream", **rename},
                            formats={"date": DATE_PREFIX}, from_partition=("messagestream",)),
            contract=contract, primary_key=("message_stream", "date"), arrow=True,
            cursor=Cursor("date", lookback=LOOKBACK, window=WINDOW),
            unified=Maps("email_campaign_performance", date="date", campaign_id="message_stream",
                         campaign_name=Lookup("message_streams", "id", "name", on="campaign_id"),
                         channel=Const("email"), meanings={**MEANINGS, **measures.pop("meanings", {})}, **measures),
        )

    return [
        message_streams,
        daily("sends_daily", "stats/outbound/sends", "Emails sent per day (US Eastern) and message stream.", SendsDaily,
              {"Sent": "sent"}, sends="sent", meanings={"sends": "Sent: emails sent"}),
        daily("opens_daily", "stats/outbound/opens", "Opens and unique opens per day and message stream.", OpensDaily,
              {"Opens": "opens", "Unique": "unique"}, opens="opens", unique_opens="unique",
              meanings={"opens": "Opens: open events of emails sent with open tracking, machine opens included"}),
        daily("clicks_daily", "stats/outbound/clicks", "Clicks and unique clicks on tracked links per day and message stream.",
              ClicksDaily, {"Clicks": "clicks", "Unique": "unique"}, clicks="clicks", unique_clicks="unique",
              meanings={"clicks": "Clicks: clicks on tracked links (link tracking on)"}),
        daily("bounces_daily", "stats/outbound/bounces", "Hard and soft bounces, SMTP API errors and transient bounces per day "
              "and message stream.", BouncesDaily, {"HardBounce": "hard_bounce", "SoftBounce": "soft_bounce",
                                                    "SMTPApiError": "smtp_api_error", "Transient": "transient"},
              bounces=Expr("coalesce(hard_bounce, 0) + coalesce(soft_bounce, 0)"), meanings={"bounces": "HardBounce + SoftBounce (SMTP API errors and transient "
                                                              "bounces are not bounces of a delivered address)"}),
        daily("spam_complaints_daily", "stats/outbound/spam", "Spam complaints per day and message stream.",
              SpamComplaintsDaily, {"SpamComplaint": "spam_complaint"}, spam_reports="spam_complaint",
              meanings={"spam_reports": "SpamComplaint: spam complaints"}),
    ]


connector = declare(
    "postmark", title="Postmark", api=API, config=PostmarkConfig, streams=streams, api_version="REST (unversioned)",
    docs_url="https://postmarkapp.com/developer/api/stats-api", category="email",
    support_policy="https://postmarkapp.com/developer/api/overview (one current API; no versions or sunsets announced)",
    description="Postmark: message streams and their outbound sends, opens, clicks, bounces and spam complaints per day.",
    # The overview's 401 for a wrong or missing token (API error code 10).
    error_example={"ErrorCode": 10, "Message": "Bad or missing Server API token."},
)
source = source_function(connector)

__all__ = ["connector", "source", "PostmarkConfig"]
