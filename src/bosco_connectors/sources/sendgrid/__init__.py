"""SendGrid: the Twilio SendGrid Web API v3 (Stats API and Marketing Campaigns stats), declared.

Reference: https://www.twilio.com/docs/sendgrid/api-reference (Web API v3, the current one;
base ``https://api.sendgrid.com``, ``https://api.eu.sendgrid.com`` for EU regional subusers:
``base_url``). Shapes, parameters and types follow Twilio's own OpenAPI definitions,
github.com/twilio/sendgrid-oai (commit dbe0e0d, 2026-01-22): ``spec/yaml/tsg_stats_v3.yaml``
(GET /v3/stats, /v3/categories, /v3/categories/stats), ``tsg_mc_stats_v3.yaml``
(GET /v3/marketing/stats/singlesends/{id}) and ``tsg_mc_singlesends_v3.yaml``
(GET /v3/marketing/singlesends).

- Auth: the API key as a bearer token (``Authorization: Bearer SG.…``); a parent account
  reads a subuser with the ``on-behalf-of`` header (config ``on_behalf_of``).
- Paging: categories by ``limit``/``offset`` (a short page is the last); Single Sends and
  their stats by ``page_token``: ``_metadata.next`` is the next page's full URL, absent on
  the last page. Stats pages hold at most 50 (``page_size``).
- Errors (https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/errors):
  ``{"errors": [{"field", "message"}]}`` with the HTTP status and no code of its own:
  401 (authorization required) and 403 (a key without the stats scope; "too many bad
  requests, temporary block") are credential problems, 429 (rate limits:
  .../how-to-use-the-sendgrid-v3-api/rate-limits) and 5xx are retried with back-off.
  ``X-RateLimit-Reset`` is a Unix time, not a wait, so it is not read as one.

Streams: ``categories`` (in full: no date filter); ``global_stats_daily`` (GET /v3/stats) and
``category_stats_daily`` (GET /v3/categories/stats, one category a request) per UTC day;
``singlesends`` (in full) and ``singlesend_stats_daily`` (per Single Send and day, in the
configured ``timezone``). Stats are by the day of the event (an open two days after the
send counts on its own day); SendGrid documents no freshness window, so days are read again
for 7 days (our choice). Category statistics are kept 13 months (the Stats API overview).

Unified model: ``singlesend_stats_daily`` rows are rows of ``email_campaign_performance``
(campaign = Single Send, channel email). Global and category stats stay raw tables: they
count the same messages again (all mail, and mail by category), so adding them would count
twice. SendGrid reports no revenue.

Deletions: a deleted Single Send disappears from GET /v3/marketing/singlesends (DELETE
removes it; no deleted flag and no list of deleted ones is documented), so nothing can tell
the tables; its rows stay.
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
from ...framework.paginators import NextUrlInBody, OffsetLimit, SinglePage
from ...framework.params import DATE, FromParent, WindowParams
from ...framework.records import DATE_PREFIX, ISO_DATETIME, Records
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
from ...framework.unified import Lookup
from .contracts import Category, CategoryStatsDaily, GlobalStatsDaily, SingleSend, SingleSendStatsDaily

#: Stats pages of Marketing Campaigns hold at most 50 (PaginationPageSize).
STATS_PAGE_SIZE = 50
#: GET /v3/categories: ``limit`` defaults to 50.
CATEGORIES_PAGE_SIZE = 50
#: Days of stats a request asks for (SendGrid documents no cap; a month a request).
WINDOW = timedelta(days=31)
#: Stats change while events of a day arrive: days read again (SendGrid documents no window).
LOOKBACK = timedelta(days=7)
DAILY_STATS = {"aggregated_by": "day"}


class SendgridConfig(SourceConfig):
    """Config of the ``sendgrid`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A SendGrid API key (Settings > API Keys) with stats and Marketing read access.")
    timezone: str = Field(default="UTC", description="IANA time zone of the Single Sends' days (the stats' `timezone`).")
    on_behalf_of: str | None = Field(default=None, description="A subuser's name (or 'account-id <id>') a parent key reads.")
    page_size: int = Field(default=CATEGORIES_PAGE_SIZE, ge=1, le=500, description="Categories per page (`limit`).")


API = Api(
    base_url="https://api.sendgrid.com/",
    auth=ApiKey("api_key", header="Authorization", prefix="Bearer "),
    errors=ErrorMap(
        # No error code of its own: the message is the code (an error list under HTTP 200 is an
        # error too); other messages go by the HTTP status (401/403 auth, 429/5xx retried).
        "SendGrid", code="errors.0.message", message=("errors.0.message",),
        codes={"authorization required": Action.AUTH, "too many requests": Action.RETRY},
        hints={Action.AUTH: "check the API key and its scopes (stats.read, marketing.read)"},
    ),
    headers=lambda config: {"on-behalf-of": config.on_behalf_of} if getattr(config, "on_behalf_of", None) else {},
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)

STATS_RECORDS = Records(explode="stats", flatten=("metrics",), formats={"date": DATE_PREFIX})


def streams(config: SendgridConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else CATEGORIES_PAGE_SIZE
    categories = RestStream(
        name="categories", description="Categories the account's email is tagged with.", path="v3/categories",
        paginator=lambda: OffsetLimit(limit=size), records=Records(), contract=Category, primary_key=("category",),
        cursor=FullRefresh("GET /v3/categories takes no date filter"),
    )
    singlesends = RestStream(
        name="singlesends", description="Single Sends (Marketing Campaigns): name, status, categories, send time.",
        path="v3/marketing/singlesends", paginator=lambda: NextUrlInBody("_metadata.next"),
        records=Records("result", drop=("abtest",), formats={t: ISO_DATETIME for t in ("send_at", "created_at", "updated_at")}),
        contract=SingleSend, primary_key=("id",),
        cursor=FullRefresh("GET /v3/marketing/singlesends takes no updated-since filter"),
    )
    return [
        categories,
        RestStream(
            name="global_stats_daily", description="The account's email activity per UTC day (requests, deliveries, "
            "opens, clicks, bounces, spam reports, unsubscribes).", path="v3/stats", params=DAILY_STATS,
            window=WindowParams("start_date", "end_date", format=DATE), paginator=SinglePage, records=STATS_RECORDS,
            contract=GlobalStatsDaily, primary_key=("date",), arrow=True,
            cursor=Cursor("date", lookback=LOOKBACK, window=WINDOW),
        ),
        RestStream(
            name="category_stats_daily", description="Each category's email activity per UTC day.", path="v3/categories/stats",
            params=DAILY_STATS, partitions=FromParent(categories, {"categories": "category"}),
            window=WindowParams("start_date", "end_date", format=DATE), paginator=SinglePage, records=STATS_RECORDS,
            contract=CategoryStatsDaily, primary_key=("name", "date"), arrow=True,
            cursor=Cursor("date", lookback=LOOKBACK, window=WINDOW),
            history=timedelta(days=395),  # "Category statistics are available for the previous thirteen months only."
        ),
        singlesends,
        RestStream(
            name="singlesend_stats_daily", description="Each Single Send's activity per day in the configured time zone.",
            path="v3/marketing/stats/singlesends/{id}",
            params={**DAILY_STATS, "timezone": "{timezone}", "page_size": STATS_PAGE_SIZE},
            partitions=FromParent(singlesends, {"id": "id"}), window=WindowParams("start_date", "end_date", format=DATE),
            paginator=lambda: NextUrlInBody("_metadata.next"),
            records=Records("results", flatten=("stats",), rename={"aggregation": "date"}, formats={"date": DATE_PREFIX}),
            contract=SingleSendStatsDaily, primary_key=("id", "date", "ab_variation", "ab_phase"), arrow=True,
            cursor=Cursor("date", lookback=LOOKBACK, window=WINDOW),
            unified=Maps(
                "email_campaign_performance", date="date", campaign_id="id",
                campaign_name=Lookup("singlesends", "id", "name", on="campaign_id"), campaign_type=Const("campaign"),
                channel=Const("email"), sends="requests", deliveries="delivered", opens="opens", unique_opens="unique_opens",
                clicks="clicks", unique_clicks="unique_clicks", bounces="bounces", unsubscribes="unsubscribes",
                spam_reports="spam_reports",
                meanings={
                    "date": "the day of the events in the configured time zone (the stats' timezone parameter)",
                    "sends": "requests: emails requested to be delivered",
                    "opens": "every open, machine (Apple Mail Privacy) opens included",
                    "bounces": "bounces (drops of bounced addresses are bounce_drops, not mapped)",
                },
            ),
        ),
    ]


connector = declare(
    "sendgrid", title="SendGrid", api=API, config=SendgridConfig, streams=streams, api_version="v3",
    docs_url="https://www.twilio.com/docs/sendgrid/api-reference", category="email",
    support_policy="https://www.twilio.com/docs/sendgrid/api-reference (Web API v3 is current; no sunset announced)",
    description="Twilio SendGrid: global and category email stats per day, Single Sends and their daily stats.",
    # SendGrid's 401 (tsg_lmc_campaigns_v3.yaml: "authorization required").
    error_example={"errors": [{"field": None, "message": "authorization required"}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "SendgridConfig"]
