"""Braze: the Braze REST API export endpoints for campaign and Canvas analytics, declared.

Reference: https://www.braze.com/docs/api/endpoints/export/ (the REST API; Braze versions it
by endpoint, not by number). Shapes follow Braze's own documentation source,
github.com/braze-inc/braze-docs: ``_docs/_api/endpoints/export/campaigns/get_campaigns.md``
(GET /campaigns/list), ``.../campaigns/get_campaign_analytics.md`` (GET /campaigns/data_series),
``.../canvas/get_canvases.md`` (GET /canvas/list), ``.../canvas/get_canvas_analytics.md``
(GET /canvas/data_series), ``_docs/_api/errors.md`` and ``_docs/_api/api_limits.md``.

- Host: the workspace's REST endpoint (``https://rest.iad-01.braze.com`` and its siblings,
  ``rest.fra-01.braze.eu``...): set ``base_url`` to yours.
- Auth: ``Authorization: Bearer <REST API key>`` with the ``campaigns.list``,
  ``campaigns.data_series``, ``canvas.list`` and ``canvas.data_series`` permissions.
- Paging: the lists come 100 a page, ``page`` from 0; a short page is the last.
- Errors: ``{"message": <fatal error message>, "errors": [...]}`` with the HTTP status
  (``"message": "success"`` when all went well, whatever the status): 401 "Unknown or
  missing REST API Key", 403 (rate plan or account inactive), 404 "Unknown REST API Key"
  are credential problems; 429 (rate limits per workspace: /campaigns/data_series 50,000
  a minute, others 250,000 an hour) and 5xx are retried.

Streams: ``campaigns`` and ``canvases`` (in full, archived ones included: the lists filter by
last edit only, and an archived campaign's analytics stay); ``campaign_email_daily``: each
campaign's daily series, one row per day and email variation (``messages.email``); the
endpoint takes a ``length`` of at most 100 days before ``ending_at`` and no start, so every
run reads the last 100 days (``ending_at`` defaults to the request time): older days keep
what was loaded. ``canvas_daily``: each Canvas' daily totals (entries, conversions, revenue),
``starting_at``/``ending_at`` at most 14 days a request, read again 7 days back (opens,
clicks and conversions of a day keep arriving; Braze documents no freshness window).

Unified model: ``campaign_email_daily`` rows are ``email_campaign_performance`` rows
(channel email). Braze reports conversions and revenue per campaign and day across all
channels and variations, not per email variation, so they are kept (``day_*``) but not
mapped; other channels (``sms``, ``*_push``, ``webhook``, ``content_cards``) sit beside
``email`` in one object per day, which a declaration cannot explode as one list, so they are
not read (see the report). Canvas totals name no channel and stay a raw table.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr

from ...framework import SourceConfig
from ...framework.auth import ApiKey
from ...framework.declare import Api, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import Const, Maps
from ...framework.http import RetryPolicy
from ...framework.paginators import PageNumber, PageRequest, SinglePage
from ...framework.params import DATETIME, FromParent, WindowParams
from ...framework.records import DATE_PREFIX, ISO_DATETIME, Records
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
from ...framework.unified import Lookup
from .contracts import Campaign, CampaignEmailDaily, Canvas, CanvasDaily

LIST_PAGE = 100
#: /campaigns/data_series: "length ... must be between 1 and 100 (inclusive)".
CAMPAIGN_SERIES_DAYS = 100
#: /canvas/data_series: "length ... between 1 and 14"; the same span for starting_at..ending_at.
CANVAS_WINDOW = timedelta(days=14)


class BrazeConfig(SourceConfig):
    """Config of the ``braze`` source (plus the fields every source accepts; ``base_url`` is the
    workspace's REST endpoint)."""

    api_key: SecretStr = Field(description="A Braze REST API key with the campaigns.* and canvas.* export permissions.")


class PageOnly(PageNumber):
    """``page`` from 0 and no size parameter: Braze's lists are 100 a page, always."""

    def first(self) -> PageRequest:
        request = super().first()
        request.params.pop(self.size_param, None)
        return request

    def next(self, response, body, records):  # type: ignore[no-untyped-def]
        request = super().next(response, body, records)
        if request is not None:
            request.params.pop(self.size_param, None)
        return request


API = Api(
    base_url="https://rest.iad-01.braze.com/",
    auth=ApiKey("api_key", header="Authorization", prefix="Bearer "),
    errors=ErrorMap(
        # "message" is "success" unless the request failed: the body decides, under HTTP 200 too.
        "Braze", code="message", ok=("success",), message=("message", "errors.0"),
        codes={"Unknown or missing REST API Key": Action.AUTH, "Unknown REST API Key": Action.AUTH, "Over rate limit": Action.RETRY},
        statuses={404: Action.AUTH},
        hints={Action.AUTH: "check the REST API key, its permissions and that base_url is your workspace's REST endpoint"},
    ),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)

LIST_PARAMS = {"include_archived": "true"}


def pages():
    return PageOnly(page_size=LIST_PAGE, page_param="page", first_page=0)


def streams(config: BrazeConfig | None) -> list[Stream]:
    campaigns = RestStream(
        name="campaigns", description="Campaigns (archived ones too): name, last edit, API campaign, tags.",
        path="campaigns/list", params=LIST_PARAMS, paginator=pages,
        records=Records("campaigns", formats={"last_edited": ISO_DATETIME}), contract=Campaign, primary_key=("id",),
        cursor=FullRefresh("the list filters by last edit only; a campaign's name is needed for every day it reports"),
    )
    canvases = RestStream(
        name="canvases", description="Canvases (archived ones too): name, last edit, tags.",
        path="canvas/list", params=LIST_PARAMS, paginator=pages,
        records=Records("canvases", formats={"last_edited": ISO_DATETIME}), contract=Canvas, primary_key=("id",),
        cursor=FullRefresh("the list filters by last edit only"),
    )
    return [
        campaigns,
        canvases,
        RestStream(
            name="campaign_email_daily", description="Each campaign's email figures per day and variation: sent, "
            "delivered, opens, clicks, unsubscribes, bounces, spam reports.", path="campaigns/data_series",
            params={"length": CAMPAIGN_SERIES_DAYS}, partitions=FromParent(campaigns, {"campaign_id": "id"}),
            paginator=SinglePage,
            records=Records("data", explode="messages.email", parent_prefix="day_", rename={"day_time": "date"},
                            formats={"date": DATE_PREFIX}, from_partition=("campaign_id",)),
            contract=CampaignEmailDaily, primary_key=("campaign_id", "date", "variation_api_id"),
            cursor=FullRefresh("/campaigns/data_series takes a length (at most 100 days) before ending_at and no "
                               "start: every run reads the last 100 days"),
            unified=Maps(
                "email_campaign_performance", date="date", campaign_id="campaign_id",
                campaign_name=Lookup("campaigns", "id", "name", on="campaign_id"), campaign_type=Const("campaign"),
                channel=Const("email"), sends="sent", deliveries="delivered", opens="opens", unique_opens="unique_opens",
                clicks="clicks", unique_clicks="unique_clicks", bounces="bounces", unsubscribes="unsubscribes",
                spam_reports="reported_spam",
                meanings={
                    "date": "the series' day ('time') as Braze reports it",
                    "unique_opens": "unique opens, summed over the campaign's email variations",
                    "spam_reports": "reported_spam",
                },
            ),
        ),
        RestStream(
            name="canvas_daily", description="Each Canvas' totals per day: entries, conversions, revenue (USD).",
            path="canvas/data_series", partitions=FromParent(canvases, {"canvas_id": "id"}),
            window=WindowParams("starting_at", "ending_at", format=DATETIME), paginator=SinglePage,
            records=Records("data.stats", flatten=("total_stats",), drop=("variant_stats", "step_stats"),
                            formats={"time": DATE_PREFIX}, from_partition=("canvas_id",)),
            contract=CanvasDaily, primary_key=("canvas_id", "time"),
            cursor=Cursor("time", lookback=timedelta(days=7), window=CANVAS_WINDOW),
        ),
    ]


connector = declare(
    "braze", title="Braze", api=API, config=BrazeConfig, streams=streams, api_version="REST (unversioned)",
    docs_url="https://www.braze.com/docs/api/endpoints/export/", category="email",
    support_policy="https://www.braze.com/docs/api/basics/ (the REST API evolves per endpoint; no version sunset)",
    description="Braze: campaigns and Canvases, daily campaign email analytics and daily Canvas totals.",
    # Braze's documented 401 ("Unknown or missing REST API Key"), in its error envelope.
    error_example={"message": "Unknown or missing REST API Key", "errors": []},
)
source = source_function(connector)

__all__ = ["connector", "source", "BrazeConfig"]
