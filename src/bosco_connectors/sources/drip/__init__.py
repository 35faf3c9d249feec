"""Drip: the Drip REST API v2 broadcasts and email metrics, declared.

Reference: https://developer.drip.com/ (REST API v2, base ``https://api.getdrip.com/v2/``);
its source, github.com/DripEmail/api-docs: ``source/includes/rest/_email_metrics.md``
(GET /v2/:account_id/metrics/email), ``_broadcasts.md`` (GET /v2/:account_id/broadcasts) and
``_errors.md``.

- Auth: HTTP basic, the API token as user name and an empty password.
- Broadcasts: ``page``/``per_page`` (at most 100), ``meta.total_pages``; ``status=all``
  includes deleted ones (``status`` "deleted"), which then leave the table.
- Email metrics: ``start_date``/``end_date`` (YYYY-MM-DD, inclusive); the answer's
  ``emails`` holds "up to the 10 most recent sends in the date range", each with its
  ``email_metric``; the ``summary`` covers all sends of the range (account-wide, not loaded).
  The source asks one day at a time, so each email's row carries its send day and the
  10-email cap applies per day. Rate limit: 20 requests an hour per account; a 429 waits the
  ``Retry-After`` seconds. Money is in cents (``revenue_in_cents``...): converted exactly.
- Errors: ``{"errors": [{"code", "message"}]}``: 401 (anonymous), 403 ``authorization_error``
  (credential problems), 404 ``not_found_error``, 422 validation codes.

Streams: ``broadcasts`` (in full: the list has no updated-since filter) and
``email_metrics``, one day per request, read again 7 days back (opens, clicks and attributed
orders of an email keep arriving after its send day; Drip documents no window).

Unified model: each email is one row of ``email_campaign_performance`` on its send day (the
day asked for), with its metrics to date; ``opens`` and ``clicks`` are unique (Drip: "open
rate and click rate are unique"); orders and revenue are email-attributed. An email sent
outside a broadcast (a workflow or email series) is a ``flow``. Drip's API names no account
currency here: the revenue's currency stays NULL.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr

from ...framework import SourceConfig
from ...framework.auth import Basic
from ...framework.declare import Api, declare, source_function
from ...framework.deletions import SoftDelete
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import Const, Expr, Maps
from ...framework.http import RetryPolicy
from ...framework.paginators import PageNumber, SinglePage
from ...framework.params import DATE, WindowParams
from ...framework.records import CENTS, ISO_DATETIME, Records
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
from .contracts import Broadcast, EmailMetrics

PAGE_SIZE = 100
CENT_FIELDS = {"revenue_in_cents": "revenue", "revenue_per_person_in_cents": "revenue_per_person",
               "average_order_value_in_cents": "average_order_value"}


class DripConfig(SourceConfig):
    """Config of the ``drip`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A Drip API token (User settings), the basic-auth user name.")
    account_id: str = Field(description="The Drip account id (the number in the app's URLs).")


API = Api(
    base_url="https://api.getdrip.com/v2/",
    auth=Basic("api_key", None),
    errors=ErrorMap(
        "Drip", code="errors.0.code", message=("errors.0.message", "errors.0.code"),
        codes={"authorization_error": Action.AUTH},
        hints={Action.AUTH: "check the API token and that it can read this account"},
    ),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)


def streams(config: DripConfig | None) -> list[Stream]:
    return [
        RestStream(
            name="broadcasts", description="Single-email campaigns: status, name, subject, send time (deleted ones "
            "leave the table).", path="{account_id}/broadcasts", params={"status": "all"},
            paginator=lambda: PageNumber(page_size=PAGE_SIZE, page_param="page", size_param="per_page",
                                         total_pages_path="meta.total_pages"),
            records=Records("broadcasts", drop=("html_body", "text_body", "postal_address", "bcc", "links"),
                            formats={"send_at": ISO_DATETIME, "created_at": ISO_DATETIME}),
            contract=Broadcast, primary_key=("id",),
            cursor=FullRefresh("GET /broadcasts has no updated-since filter"),
            deleted=SoftDelete("status", values=("deleted",)),
        ),
        RestStream(  # an answer about the day asked for (start_date = end_date): each email gets that day
            name="email_metrics", description="Each email's metrics to date on its send day: sends, deliveries, "
            "unique opens and clicks, unsubscribes, hard bounces, complaints, attributed orders and revenue.",
            path="{account_id}/metrics/email", window=WindowParams("start_date", "end_date", format=DATE),
            paginator=SinglePage,
            records=Records("emails", flatten=("email_metric",), rename=CENT_FIELDS,
                            units={v: CENTS for v in CENT_FIELDS.values()}, window_day="send_day"),
            contract=EmailMetrics, primary_key=("email_id",),
            cursor=Cursor("send_day", lookback=timedelta(days=7), window=timedelta(days=1)),
            unified=Maps(
                "email_campaign_performance", date="send_day", campaign_id="email_id", campaign_name="title",
                campaign_type=Expr("case when broadcast_id is null then 'flow' else 'campaign' end"),
                channel=Const("email"), sends="sends", deliveries="deliveries", unique_opens="opens",
                unique_clicks="clicks", bounces="hard_bounces", unsubscribes="unsubscribes", spam_reports="complaints",
                attributed_orders="orders", attributed_revenue="revenue",
                meanings={
                    "date": "the email's send day (the day asked for); its metrics are to date",
                    "unique_opens": "opens: unique opens",
                    "unique_clicks": "clicks: unique clicks (bot clicks are counted apart)",
                    "bounces": "hard bounces",
                    "spam_reports": "complaints",
                    "attributed_orders": "email-attributed orders",
                    "attributed_revenue": "email-attributed revenue (cents in Drip's answer)",
                },
            ),
        ),
    ]


connector = declare(
    "drip", title="Drip", api=API, config=DripConfig, streams=streams, api_version="v2",
    docs_url="https://developer.drip.com/", category="email",
    support_policy="https://developer.drip.com/ (REST API v2 is current; no sunset announced)",
    description="Drip: single-email campaigns and each email's daily-sent metrics (opens, clicks, attributed revenue).",
    # Drip's documented 403 (errors page).
    error_example={"errors": [{"code": "authorization_error", "message": "You are not authorized to access this resource"}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "DripConfig"]
