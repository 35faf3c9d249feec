"""Kit (formerly ConvertKit): the Kit API v4 broadcast stats, declared.

Reference: https://developers.kit.com/api-reference/broadcasts/get-stats-for-a-list-of-broadcasts
(Kit API v4, OpenAPI 3.0.3 ``api-reference/v4.json``; base ``https://api.kit.com``, the key in
the ``X-Kit-Api-Key`` header). Shapes follow that page's OpenAPI schema and example.

- Paging: cursors: ``?after=<pagination.end_cursor>`` while ``pagination.has_next_page``.
- Errors: ``{"errors": [<text>]}`` with the HTTP status: 401 "The access token is invalid"
  (credential), 403 when the account is not on a plan with broadcast stats (the account must
  change: a credential-like stop), 429 and 5xx are retried.

Streams: ``broadcasts`` (GET /v4/broadcasts/stats): every broadcast with its stats to date
(recipients, emails opened, total clicks, unsubscribes, and Kit's rates), in full on every run:
the stats keep changing after the send and the endpoint takes no date filter.

Unified model: each broadcast with a ``send_at`` is one row of ``email_campaign_performance``
on the UTC day of ``send_at`` (drafts have none). Kit reports no bounces, spam complaints nor
revenue on broadcasts: those columns stay NULL. A deleted broadcast leaves the list; no
deleted flag or list is documented.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from ...framework import SourceConfig
from ...framework.auth import ApiKey
from ...framework.declare import Api, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import Const, DayOf, Maps
from ...framework.http import RetryPolicy
from ...framework.paginators import CursorInBody
from ...framework.records import ISO_DATETIME, Records
from ...framework.spec import FullRefresh, RestStream, Stream
from .contracts import BroadcastStats


class KitConfig(SourceConfig):
    """Config of the ``kit`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A Kit v4 API key (Settings > Developer), sent as X-Kit-Api-Key.")


API = Api(
    base_url="https://api.kit.com/v4/",
    auth=ApiKey("api_key", header="X-Kit-Api-Key"),
    errors=ErrorMap(
        # Answers carry broadcasts/pagination; an error carries only errors[] (the HTTP status decides its action).
        "Kit", code="errors.0", message=("errors.0",),
        codes={"The access token is invalid": Action.AUTH},
        hints={Action.AUTH: "check the v4 API key; broadcast stats need a Kit plan that includes them"},
    ),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)


def streams(config: KitConfig | None) -> list[Stream]:
    return [
        RestStream(
            name="broadcasts", arrow=True, description="Broadcasts with their stats to date: recipients, emails opened, clicks, "
            "unsubscribes.", path="broadcasts/stats",
            paginator=lambda: CursorInBody("pagination.end_cursor", "after", has_more_path="pagination.has_next_page"),
            records=Records("broadcasts", flatten=("stats",), formats={"send_at": ISO_DATETIME}),
            contract=BroadcastStats, primary_key=("id",),
            cursor=FullRefresh("broadcast stats keep changing after the send; the endpoint takes no date filter"),
            unified=Maps(
                "email_campaign_performance", where="send_at is not null", date=DayOf("send_at"), campaign_id="id",
                campaign_name="subject", campaign_type=Const("campaign"), channel=Const("email"), sends="recipients",
                unique_opens="emails_opened", clicks="total_clicks", unsubscribes="unsubscribes",
                meanings={
                    "date": "the UTC day of send_at; stats are the broadcast's totals to date",
                    "sends": "recipients",
                    "unique_opens": "emails_opened: emails opened, each once",
                    "clicks": "total_clicks",
                },
            ),
        ),
    ]


connector = declare(
    "kit", title="Kit", api=API, config=KitConfig, streams=streams, api_version="v4",
    docs_url="https://developers.kit.com/api-reference/", category="email",
    support_policy="https://developers.kit.com/ (API v4 is current; v3 is the legacy API)",
    description="Kit (formerly ConvertKit): broadcasts with their stats (recipients, opens, clicks, unsubscribes).",
    # The documented 401 answer of every v4 operation.
    error_example={"errors": ["The access token is invalid"]},
)
source = source_function(connector)

__all__ = ["connector", "source", "KitConfig"]
