"""Customer.io: the Customer.io App API v1 (newsletters and their metrics), declared.

Reference: https://docs.customer.io/integrations/api/app/ (App API v1; Customer.io's own
OpenAPI 3.1 description, https://docs.customer.io/files/journeys-app.json). Field names and
types follow that description as reproduced operation by operation in
github.com/voxgig-sdk/customerio-app-sdk (``.sdk/model/entity/newsletter.aon``,
``newsletter_metric.aon``: ``getNewsletterMetrics``, the ``newsletter`` schema and its example,
the error schema and the 429 example), cross-checked with the paths, paging and region hosts
of bruin-data/ingestr's Customer.io source (``ingestr/src/customer_io/helpers.py``).

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

Unified model: each newsletter's totals are one row of ``email_campaign_performance`` on
the UTC day of its ``sent_at`` (the last time it was sent), on its channel (``twilio`` is
SMS). ``opened`` and ``clicked`` count messages, each once: they are the unique opens and
clicks; Customer.io reports no revenue on these endpoints.

Not read: campaigns (automations) and their metrics: the list's record schema and the
metrics' current ``version=2`` answer (``res``/``start``/``end``) could not be checked
field by field from a published description here, and the older ``period``/``steps`` mode
is deprecated for campaigns (see the report). Deleted newsletters disappear from the list;
no deleted flag or list is documented.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator

from ...framework import SourceConfig
from ...framework.auth import ApiKey
from ...framework.declare import Api, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import Const, DayOf, Expr, Maps
from ...framework.http import RetryPolicy
from ...framework.paginators import CursorInBody, SinglePage
from ...framework.params import FromParent
from ...framework.records import EPOCH_SECONDS, Records
from ...framework.spec import FullRefresh, ReadContext, RestStream, Stream
from ...framework.unified import Lookup
from .contracts import Newsletter, NewsletterMetrics

HOSTS = {"us": "https://api.customer.io/v1/", "eu": "https://api-eu.customer.io/v1/"}
PAGE_SIZE = 100
#: getNewsletterMetrics: "Maximums are 24 hours, 45 days, 12 weeks, or 121 months."
LIFETIME = {"period": "months", "steps": 121}


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


def streams(config: CustomerIoConfig | None) -> list[Stream]:
    newsletters = RestStream(
        name="newsletters", description="Newsletters (one-time sends): name, channel, send time, tags.",
        path="newsletters", params={"limit": PAGE_SIZE}, paginator=lambda: CursorInBody("next", "start"),
        records=Records("newsletters", formats={t: EPOCH_SECONDS for t in ("created", "updated", "sent_at")}),
        contract=Newsletter, primary_key=("id",),
        cursor=FullRefresh("GET /v1/newsletters has no updated-since filter"),
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
            unified=Maps(
                "email_campaign_performance",
                date=DayOf(Lookup("newsletters", "id", "sent_at", on="campaign_id")), campaign_id="newsletter_id",
                campaign_name=Lookup("newsletters", "id", "name", on="campaign_id"), campaign_type=Const("campaign"),
                channel=Expr("case type when 'twilio' then 'sms' else type end"),
                sends="sent", deliveries="delivered", unique_opens="opened", unique_clicks="clicked", bounces="bounced",
                unsubscribes="unsubscribed", spam_reports="spammed",
                meanings={
                    "date": "the UTC day of the newsletter's sent_at (its last send): its metrics are totals to date",
                    "channel": "the metrics' type; Customer.io's twilio is SMS",
                    "unique_opens": "opened: messages opened, each once, machine opens included (human_opened: without)",
                    "unique_clicks": "clicked: messages clicked, each once",
                    "spam_reports": "spammed: spam complaints",
                },
            ),
        ),
    ]


connector = declare(
    "customer_io", title="Customer.io", api=API, config=CustomerIoConfig, streams=streams, api_version="v1",
    docs_url="https://docs.customer.io/integrations/api/app/", category="email",
    support_policy="https://docs.customer.io/integrations/api/app/ (App API v1 is current; no sunset announced)",
    description="Customer.io App API: newsletters (one-time sends) and their metrics to date.",
    # The App API's error schema with its documented code for a bad key (invalid_credentials).
    error_example={"errors": [{"code": "invalid_credentials", "detail": "invalid credentials (reference a1b2c3)",
                               "status": "401"}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "CustomerIoConfig"]
