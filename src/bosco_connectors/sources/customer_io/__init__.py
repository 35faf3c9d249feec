"""Customer.io: the Customer.io App API v1 (newsletters, automations and their metrics), declared.

Reference: https://docs.customer.io/integrations/api/app/ (App API v1; Customer.io's own
OpenAPI 3.1 description, https://docs.customer.io/files/journeys-app.json). Field names and
types follow that description as reproduced operation by operation in
github.com/voxgig-sdk/customerio-app-sdk (``.sdk/model/entity/newsletter.aon``,
``newsletter_metric.aon``: ``getNewsletterMetrics``, the ``newsletter`` schema and its example,
the error schema and the 429 example; ``automation.aon``: ``listCampaigns`` and
``campaignMetrics``), cross-checked with the paths, paging and region hosts of
bruin-data/ingestr's Customer.io source (``ingestr/src/customer_io/helpers.py``).

- Host: ``https://api.customer.io/v1/`` (US) or ``https://api-eu.customer.io/v1/`` (EU): ``region``.
- Auth: ``Authorization: Bearer <App API key>``.
- Paging: ``limit`` and ``start``; an answer's ``next`` is the next page's ``start`` (none, or
  an empty one, on the last page).
- Errors: ``{"errors": [{"code"?, "detail", "status"}]}``; 401 (``invalid_credentials``) and
  403 are credential problems; 429 ("rate limited to 10 requests per 1s") waits the
  ``Retry-After`` seconds; 5xx are retried.

Streams: ``newsletters`` (in full: the list has no date filter) and ``newsletter_metrics``:
each newsletter's metrics to date. The metrics endpoint answers series without dates
("an array of results from oldest to newest"; "days start at 00:00 EST", ending at the
request), so the source asks for months (``period=months&steps=121``, the maximum) and
sums each series into the newsletter's totals: no day is guessed.

``campaigns``: the automations (GET /v1/campaigns, in full: the list takes no parameter at all,
so neither paging nor a date filter), with each automation's ``actions`` (id and type, a JSON
column). ``campaign_metrics``: each automation's
metrics per UTC day and channel, from GET /v1/campaigns/{id}/metrics in its recommended
``version=2`` mode: ``res=days`` and an explicit window, ``start`` and ``end`` unix timestamps
(00:00 UTC of the first day and of the day after the last), ``tz`` left at its documented
default, UTC. The answer (``{"start", "end", "res", "metric": {"series": {<metric>: [..]}}}``)
has one entry a period, oldest first, from the window's start (the answer's ``start``, the
one asked), so entry *i* is that day plus *i* days; an entry past the last day asked for
(were ``end`` inclusive: the description does not say) is left out. Whether a day counts the
messages sent that day or the opens and clicks that happened that day, the description does
not say either. The answer names no channel (``type``: "When empty, the response contains
metrics for all possible types"), so the metrics are asked per ``type``, one request for each
channel among the automation's action types that the parameter documents (`FromParent` with
``each="actions"``). Incremental on the day, 90-day windows (``end`` may
be up to 10 years after ``start``), read again 7 days back: opens and clicks keep arriving
after a send and Customer.io documents no freshness window, so the look-back is our choice.

Unified model: each newsletter's totals are one row of ``email_campaign_performance`` on
the UTC day of its ``sent_at`` (the last time it was sent), on its channel (``twilio`` is
SMS). Each automation's day and channel is one row too (``campaign_type`` flow), its id
written ``automation:<id>``: newsletters and automations have ids of their own (nothing says
the two cannot be equal), and a newsletter and an automation of one id, day and channel
would otherwise be summed into one row. ``opened`` and ``clicked`` count messages, each once: they are the unique opens and
clicks; Customer.io reports no revenue on these endpoints. Every channel the API reports
reaches the fact as it names it (``webhook``, ``slack`` and ``in_app`` too), as for newsletters.

Not read: per-action metrics (GET /v1/campaigns/{id}/actions/{action_id}/metrics): the
automation's series already hold its actions' messages. Deleted newsletters and automations
disappear from their lists; no deleted flag or list is documented.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterator, Literal

from pydantic import Field, SecretStr, model_validator

from ...framework import SourceConfig
from ...framework.auth import ApiKey
from ...framework.declare import Api, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.errors import ResponseFormatError
from ...framework.facts import Const, DayOf, Expr, Maps
from ...framework.http import RetryPolicy
from ...framework.paginators import CursorInBody, PageRequest, SinglePage
from ...framework.params import EPOCH, FromParent, WindowParams
from ...framework.records import DATE_PREFIX, EPOCH_SECONDS, Records
from ...framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from ...framework.unified import Lookup
from .contracts import Campaign, CampaignMetricsDaily, Newsletter, NewsletterMetrics

HOSTS = {"us": "https://api.customer.io/v1/", "eu": "https://api-eu.customer.io/v1/"}
PAGE_SIZE = 100
#: getNewsletterMetrics: "Maximums are 24 hours, 45 days, 12 weeks, or 121 months."
LIFETIME = {"period": "months", "steps": 121}
#: campaignMetrics: "Send `2`. We recommend version 2"; ``res`` "Required when you send version=2".
DAILY_V2 = {"version": "2", "res": "days"}
#: campaignMetrics' ``type`` parameter: its documented values (an action of another type is not asked for).
METRIC_TYPES = ("email", "webhook", "twilio", "whatsapp", "slack", "push", "in_app", "live_notification")
#: The series campaignMetrics documents (``metric.series``), each an array of integers, one per period.
SERIES = ("attempted", "bounced", "clicked", "converted", "created", "deferred", "delivered", "drafted", "failed",
          "human_clicked", "human_opened", "link_untracked", "machine_clicked", "open_untracked", "opened",
          "prefetch_opened", "replied", "sent", "spammed", "suppressed", "topic_unsubscribed", "tracking_consent_denied",
          "tracking_consent_granted", "undeliverable", "unsubscribed", "untracked")
#: The answer's ``start``/``end``: "2025-01-01 00:00:00 +0000 UTC" (the documented example).
_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})\b")


class CustomerIoConfig(SourceConfig):
    """Config of the ``customer_io`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="An App API key (Account settings > API credentials > App API keys).")
    region: Literal["us", "eu"] = Field(default="us", description="The workspace's data centre: us or eu.")

    @model_validator(mode="after")
    def _host_from_the_region(self) -> "CustomerIoConfig":
        if self.base_url is None:
            self.base_url = HOSTS[self.region]
        return self


API = Api(
    base_url=HOSTS["us"],
    auth=ApiKey("api_key", header="Authorization", prefix="Bearer "),
    errors=ErrorMap(
        # errors[].status is the HTTP status as text: the body decides, even under HTTP 200.
        "Customer.io", code="errors.0.status", message=("errors.0.detail",),
        codes={"401": Action.AUTH, "403": Action.AUTH, "429": Action.RETRY, range(500, 600): Action.RETRY},
        hints={Action.AUTH: "check the App API key and the region (us or eu) of its workspace"},
    ),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)


def totals(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """A newsletter's monthly series summed into its totals to date (an absent series stays NULL)."""
    return {k: (sum(v or ()) if isinstance(v, list) else v) for k, v in record.items()}


def _answer_day(value: Any) -> dt.date | None:
    match = _DAY.match(value) if isinstance(value, str) else None
    return dt.date.fromisoformat(match.group(1)) if match else None


@dataclass(kw_only=True)
class CampaignMetrics(RestStream):
    """GET /v1/campaigns/{id}/metrics (version 2, by day): each series entry becomes its day's row.

    ``{"start", "end", "res": "days", "metric": {"series": {"sent": [3, 5, ...], ...}}}`` ->
    ``{"metric": [{"date": <start + i days>, "series": {"sent": 3, ...}}, ...]}``, so `Records`
    reads the rows where the answer keeps its one ``metric`` object.
    """

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        metric = body.get("metric") if isinstance(body, dict) else None
        series = metric.get("series") if isinstance(metric, dict) else None
        if not isinstance(series, dict):
            return response, body  # an error body, or nothing: the error policy and Records say so
        if body.get("res") not in (None, "days", "daily"):
            raise ResponseFormatError(f"metrics asked by day answered at res={body.get('res')!r}", stream=self.name)
        asked = ctx.window.start.date() if isinstance(ctx.window.start, dt.datetime) else ctx.window.start
        first = _answer_day(body.get("start")) or asked
        if first is None:
            raise ResponseFormatError("the metrics answer names no start and none was asked", stream=self.name)
        last = ctx.window.end.date() if isinstance(ctx.window.end, dt.datetime) else ctx.window.end
        entries = max((len(v) for v in series.values() if isinstance(v, list)), default=0)
        rows = []
        for i in range(entries):
            day = first + timedelta(days=i)
            if last is not None and day > last:
                break  # past the last day asked for (an inclusive ``end``): another window's, or today's
            rows.append({"date": day.isoformat(), "series": {
                name: (values[i] if isinstance(values, list) and i < len(values) else None) for name, values in series.items()}})
        return response, {**body, "metric": rows}

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        """The fake's days: every day the request's window holds, each series' documented values in turn."""
        documented: dict[str, list[int]] = {name: [] for name in SERIES}
        for exchange in app.fixtures.data(self.name):
            for name, values in (app.fixtures.body(exchange)["metric"]["series"] or {}).items():
                documented.setdefault(name, []).extend(values)
        first = dt.datetime.fromtimestamp(int(route.params["start"]), dt.timezone.utc).date()
        end = dt.datetime.fromtimestamp(int(route.params["end"]), dt.timezone.utc).date()
        for n in range((end - first).days):
            day = first + timedelta(days=n)
            yield {"day": day, **{name: (values[day.toordinal() % len(values)] if values else 0)
                                  for name, values in documented.items()}}

    @staticmethod
    def fake_encode(app: Any, route: Any, body: Any, records: list[dict[str, Any]]) -> dict[str, Any]:
        start = dt.datetime.fromtimestamp(int(route.params["start"]), dt.timezone.utc)
        end = dt.datetime.fromtimestamp(int(route.params["end"]), dt.timezone.utc)
        names = [k for k in (records[0] if records else dict.fromkeys(SERIES)) if k != "day"]
        return {"end": f"{end:%Y-%m-%d %H:%M:%S} +0000 UTC",
                "metric": {"series": {name: [r[name] for r in records] for name in names}},
                "res": "days", "start": f"{start:%Y-%m-%d %H:%M:%S} +0000 UTC"}


def message_metrics(*, meanings: dict[str, str], **columns: Any) -> Maps:
    """A metrics answer's counts in ``email_campaign_performance`` (newsletters' and automations'
    alike), on its channel (Customer.io's ``twilio`` is SMS); `columns` place the row."""
    return Maps(
        "email_campaign_performance", **columns, channel=Expr("case type when 'twilio' then 'sms' else type end"),
        sends="sent", deliveries="delivered", unique_opens="opened", unique_clicks="clicked", bounces="bounced",
        unsubscribes="unsubscribed", spam_reports="spammed",
        meanings={
            "unique_opens": "opened: messages opened, each once, machine opens included (human_opened: without)",
            "unique_clicks": "clicked: messages clicked, each once",
            "spam_reports": "spammed: spam complaints",
            **meanings,
        },
    )


def streams(config: CustomerIoConfig | None) -> list[Stream]:
    newsletters = RestStream(
        name="newsletters", description="Newsletters (one-time sends): name, channel, send time, tags.",
        path="newsletters", params={"limit": PAGE_SIZE}, paginator=lambda: CursorInBody("next", "start"),
        records=Records("newsletters", formats={t: EPOCH_SECONDS for t in ("created", "updated", "sent_at")}),
        contract=Newsletter, primary_key=("id",),
        cursor=FullRefresh("GET /v1/newsletters has no updated-since filter"),
    )
    campaigns = RestStream(
        name="campaigns", description="Automations (campaigns): name, state, trigger, tags, and their actions' ids and types.",
        path="campaigns", paginator=SinglePage,
        records=Records("campaigns", formats={t: EPOCH_SECONDS for t in ("created", "updated", "first_started")}),
        contract=Campaign, primary_key=("id",),
        cursor=FullRefresh("GET /v1/campaigns takes no parameter: no paging, no date filter"),
    )
    campaign_metrics = CampaignMetrics(
        name="campaign_metrics", description="Each automation's messages per UTC day and channel: sent, delivered, "
        "opened, clicked, bounced, spam complaints, unsubscribes, conversions.", path="campaigns/{campaign_id}/metrics",
        params=DAILY_V2, window=WindowParams("start", "end", format=EPOCH, end_exclusive=True),
        partitions=FromParent(campaigns, {"campaign_id": "id", "type": "actions.type"}, each="actions",
                              only={"type": METRIC_TYPES}),
        paginator=SinglePage,
        records=Records("metric", flatten=("series",), formats={"date": DATE_PREFIX}, from_partition=("campaign_id", "type")),
        contract=CampaignMetricsDaily, primary_key=("campaign_id", "type", "date"),
        cursor=Cursor("date", lookback=timedelta(days=7), window=timedelta(days=90)),
        unified=message_metrics(
            date="date", campaign_id=Expr("'automation:' || campaign_id"),
            campaign_name=Lookup("campaigns", "id", "name", on="campaign_id", row="campaign_id"), campaign_type=Const("flow"),
            meanings={
                "date": "the UTC day of the series entry (version 2 metrics by day, tz UTC)",
                "campaign_id": "automation:<the automation's id>, apart from the newsletters' own ids",
                "channel": "the type the metrics were asked for; Customer.io's twilio is SMS",
            },
        ),
    )
    return [
        newsletters,
        RestStream(
            name="newsletter_metrics", description="Each newsletter's totals to date: sent, delivered, opened, "
            "clicked, bounced, spam complaints, unsubscribes, conversions.", path="newsletters/{newsletter_id}/metrics",
            params=LIFETIME, partitions=FromParent(newsletters, {"newsletter_id": "id"}), paginator=SinglePage,
            records=Records("metric", flatten=("series",), from_partition=("newsletter_id",)), transform=totals,
            contract=NewsletterMetrics, primary_key=("newsletter_id",),
            cursor=FullRefresh("a newsletter's metrics keep growing after the send and carry no date to filter on"),
            unified=message_metrics(
                date=DayOf(Lookup("newsletters", "id", "sent_at", on="campaign_id")), campaign_id="newsletter_id",
                campaign_name=Lookup("newsletters", "id", "name", on="campaign_id"), campaign_type=Const("campaign"),
                meanings={
                    "date": "the UTC day of the newsletter's sent_at (its last send): its metrics are totals to date",
                    "channel": "the metrics' type; Customer.io's twilio is SMS",
                },
            ),
        ),
        campaigns,
        campaign_metrics,
    ]


connector = declare(
    "customer_io", title="Customer.io", api=API, config=CustomerIoConfig, streams=streams, api_version="v1",
    docs_url="https://docs.customer.io/integrations/api/app/", category="email",
    support_policy="https://docs.customer.io/integrations/api/app/ (App API v1 is current; no sunset announced)",
    description="Customer.io App API: newsletters (one-time sends) and their metrics to date, automations and "
                "their metrics per day and channel.",
    # The App API's error schema with its documented code for a bad key (invalid_credentials).
    error_example={"errors": [{"code": "invalid_credentials", "detail": "invalid credentials (reference a1b2c3)",
                               "status": "401"}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "CustomerIoConfig"]
