"""Mailgun: the Metrics API (``POST /v1/analytics/metrics``), declared.

Reference: https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/metrics/post-v1-analytics-metrics
(Mailgun API 3.0.0, OpenAPI 3.1; the Metrics API replaces the legacy Stats API ``/v3/stats``).
Hosts: ``https://api.mailgun.net/`` (US) and ``https://api.eu.mailgun.net/`` (EU): ``base_url``.
Response shapes and the pagination object follow Mailgun's own Go SDK, github.com/mailgun/mailgun-go
(``mtypes`` / ``analytics_response.go``: ``MetricsResponse``, ``MetricsItem``, ``MetricsDimension``,
``Metrics``, ``MetricsPagination``; ``analytics.go``: ``ListMetrics``), which agree with the
reference's response sample. Metric names: https://documentation.mailgun.com/docs/mailgun/user-manual/reporting/metric-definitions.

- Auth: HTTP basic, user ``api``, the private API key as the password.
- One query per day range and page: ``resolution: "day"``, ``dimensions``, ``metrics``, ``start``
  and ``end`` as RFC 2822 instants (``Mon, 16 Nov 2026 00:00:00 +0000``), and
  ``pagination: {"skip", "limit"}``; the answer's ``pagination.total`` counts the result set
  (the last page is the one that reaches it). Each item's ``dimensions`` is a list of
  ``{"dimension", "value", "display_value"}``; ``time`` values are the bucket's start as an RFC
  2822 instant in UTC (``+0000``): the days are UTC days. Counts are JSON integers; rates are
  text (``"0.8300"``) and are not loaded.
- Errors: ``{"message": "..."}`` with the HTTP status: 401 (a wrong key: ``Invalid private
  key``), 403, 429 (too many requests) and 5xx retried, 400 a bad query.

Streams:

- ``domain_stats_daily``: per UTC day and sending domain (``time`` x ``domain``).
- ``tag_stats_daily``: per UTC day, sending domain and tag (``time`` x ``domain`` x ``tag``);
  a message with several tags counts under each (Mailgun's tag dimension).

Incremental on ``date`` with a 3-day look-back: events (opens, clicks, late bounces) count on
the day they happen, so a day's counters grow while its events arrive; Mailgun documents no
freshness window (our choice). A month a request.

Unified model: ``tag_stats_daily`` rows are rows of ``email_campaign_performance``: a tag
is the campaign (Mailgun has no campaign object in its current API; tags are how senders
group mail), channel email. Domain stats stay raw: they count the same messages again.
Mailgun reports no revenue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Iterator

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, SourceConfig
from bosco_connectors.framework.auth import Basic
from bosco_connectors.framework.declare import Api, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.errors import ResponseFormatError
from bosco_connectors.framework.facts import Const, Maps
from bosco_connectors.framework.http import RetryPolicy
from bosco_connectors.framework.paginators import OffsetLimit
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream, Stream

#: Items a page (``pagination.limit``; the SDK's default is 10, Mailgun documents no maximum).
PAGE_SIZE = 300
#: ``start``/``end`` as RFC 2822 instants in UTC (the reference: "Must be in RFC 2822 format").
RFC2822_UTC = "%a, %d %b %Y %H:%M:%S +0000"
#: The counters loaded (the SDK's ``Metrics`` fields; rates are text and left out).
METRICS = (
    "accepted_count", "processed_count", "sent_count", "delivered_count", "opened_count", "unique_opened_count",
    "clicked_count", "unique_clicked_count", "unsubscribed_count", "complained_count", "failed_count",
    "temporary_failed_count", "permanent_failed_count", "bounced_count", "hard_bounces_count", "soft_bounces_count",
)


class MailgunConfig(SourceConfig):
    """Config of the ``mailgun`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="The account's private API key (sent as the basic-auth password of user 'api').")
    include_subaccounts: bool = Field(default=False, description="Also count the subaccounts' mail (include_subaccounts).")
    page_size: int = Field(default=PAGE_SIZE, ge=1, le=1000, description="Items a page (pagination.limit).")


# -- contracts ------------------------------------------------------------------------------


class Counters(Contract):
    """The counters of one item (the SDK's ``Metrics``; JSON integers)."""

    accepted_count: int | None = Field(default=None, description="Messages Mailgun accepted (incoming and outgoing).")
    processed_count: int | None = None
    sent_count: int | None = Field(default=None, description="Messages Mailgun attempted to deliver.")
    delivered_count: int | None = None
    opened_count: int | None = Field(default=None, description="Every open, machine opens included.")
    unique_opened_count: int | None = None
    clicked_count: int | None = None
    unique_clicked_count: int | None = None
    unsubscribed_count: int | None = None
    complained_count: int | None = Field(default=None, description="Spam complaints.")
    failed_count: int | None = None
    temporary_failed_count: int | None = None
    permanent_failed_count: int | None = None
    bounced_count: int | None = None
    hard_bounces_count: int | None = None
    soft_bounces_count: int | None = None


class DomainStatsDaily(Counters):
    """One UTC day and sending domain."""

    date: dt.date = Field(description="The UTC day (the time dimension's bucket start, +0000).")
    domain: str = Field(description="The sending domain.")


class TagStatsDaily(Counters):
    """One UTC day, sending domain and tag."""

    date: dt.date = Field(description="The UTC day (the time dimension's bucket start, +0000).")
    domain: str
    tag: str = Field(description="The message tag (o:tag); a message with several tags counts under each.")


# -- the API ---------------------------------------------------------------------------------

API = Api(
    base_url="https://api.mailgun.net/",
    auth=Basic("api", "api_key", fixed_username=True),
    # {"message": "..."} and no code of its own: the HTTP status decides (401/403 auth, 429 and 5xx retried).
    errors=ErrorMap("Mailgun", code="message", message=("message",), statuses={403: Action.AUTH, 400: Action.FAIL},
                    hints={Action.AUTH: "check the private API key and the region (api.mailgun.net or api.eu.mailgun.net)"}),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)


def flat_item(item: dict[str, Any], ctx: ReadContext | None = None) -> dict[str, Any]:
    """An item's dimension values beside its counters; the time bucket as its UTC day."""
    dimensions, metrics = item.get("dimensions"), item.get("metrics")
    if not isinstance(dimensions, list) or not isinstance(metrics, dict):
        raise ResponseFormatError(f"a metrics item without dimensions and metrics: {item!r:.120}")
    record: dict[str, Any] = {d["dimension"]: d.get("value") for d in dimensions}
    if "time" not in record:
        raise ResponseFormatError(f"a metrics item without its time dimension: {dimensions!r:.120}")
    record["date"] = parsedate_to_datetime(record.pop("time")).astimezone(dt.timezone.utc).date()
    record.update({name: metrics.get(name) for name in METRICS})
    return record


@dataclass(kw_only=True)
class MetricsQuery(RestStream):
    """One ``POST v1/analytics/metrics`` by day; its fake serves the documented items on the asked days."""

    method: str = "POST"

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        by_day: dict[dt.date, list[dict[str, Any]]] = {}
        for record in app._documented_records(self):
            day = next(d["value"] for d in record["dimensions"] if d["dimension"] == "time")
            by_day.setdefault(parsedate_to_datetime(day).date(), []).append(record)
        documented = [by_day[d] for d in sorted(by_day)]
        for day in app._days(route) if documented else []:
            text = dt.datetime.combine(day, dt.time(), dt.timezone.utc).strftime(RFC2822_UTC)
            for record in documented[day.toordinal() % len(documented)]:
                yield {**record, "dimensions": [{**d, "value": text, "display_value": text} if d["dimension"] == "time" else d
                                                for d in record["dimensions"]]}

    @staticmethod
    def fake_encode(app: Any, route: Any, body: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
        page = route.params.get("pagination") or {}
        return {**body, "items": records, "pagination": {**body.get("pagination", {}), "skip": page.get("skip", 0),
                                                          "limit": page.get("limit", len(records))}}


def query(name: str, description: str, dimensions: tuple[str, ...], contract: type[Contract], size: int,
          unified: Maps | None = None) -> MetricsQuery:
    return MetricsQuery(
        name=name, description=description, path="v1/analytics/metrics",
        params={"resolution": "day", "dimensions": list(dimensions), "metrics": list(METRICS),
                "include_subaccounts": "{include_subaccounts}"},
        window=WindowParams("start", "end", format=RFC2822_UTC, in_body=True),
        paginator=lambda: OffsetLimit(limit=size, offset_param="pagination.skip", limit_param="pagination.limit",
                                      total_path="pagination.total"),
        records=Records("items"), transform=flat_item, contract=contract,
        primary_key=("date", *(d for d in dimensions if d != "time")), arrow=True,
        cursor=Cursor("date", lookback=timedelta(days=3), window=timedelta(days=31)), unified=unified,
    )


def streams(config: MailgunConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else PAGE_SIZE
    return [
        query("domain_stats_daily", "Accepted, delivered, opened, clicked, bounced and failed messages per UTC day and "
              "sending domain.", ("time", "domain"), DomainStatsDaily, size),
        query("tag_stats_daily", "The same counters per UTC day, sending domain and tag.", ("time", "domain", "tag"),
              TagStatsDaily, size, Maps(
                  "email_campaign_performance", date="date", campaign_id="tag", campaign_name="tag",
                  campaign_type=Const("campaign"), channel=Const("email"), sends="sent_count", deliveries="delivered_count",
                  opens="opened_count", unique_opens="unique_opened_count", clicks="clicked_count",
                  unique_clicks="unique_clicked_count", bounces="bounced_count", unsubscribes="unsubscribed_count",
                  spam_reports="complained_count",
                  meanings={
                      "date": "the UTC day of the events (Mailgun's day buckets are UTC)",
                      "campaign_id": "the message tag (o:tag): Mailgun's own grouping of mail; a message with several "
                                     "tags counts under each, and a tag's sending domains are summed",
                      "sends": "sent_count: messages Mailgun attempted to deliver",
                      "opens": "opened_count: every open, machine (Apple Mail Privacy) opens included",
                      "bounces": "bounced_count: hard and soft bounces",
                      "spam_reports": "complained_count: spam complaints",
                  })),
    ]


connector = declare(
    "mailgun", title="Mailgun", api=API, config=MailgunConfig, streams=streams, api_version="3.0.0 (Metrics API v1)",
    docs_url="https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/metrics/post-v1-analytics-metrics",
    category="email",
    support_policy="https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/metrics (the Metrics API "
                   "is current; the /v3 Stats API is legacy)",
    description="Mailgun: email counters (sent, delivered, opens, clicks, bounces, complaints) per UTC day by domain and tag.",
    # Mailgun's answer to a wrong private key (HTTP 401).
    error_example={"message": "Invalid private key"},
)
source = source_function(connector)

__all__ = ["connector", "source", "MailgunConfig"]
