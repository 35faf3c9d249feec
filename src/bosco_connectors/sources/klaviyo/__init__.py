"""Klaviyo: the Klaviyo REST API (JSON:API, revision 2026-10-15), declared.

Reference: https://developers.klaviyo.com/en/reference/api_overview ; the OpenAPI description
is public (github.com/klaviyo/openapi, ``openapi/stable.json``; shapes checked against its
revision 2026-07-15, the newest stored here). Base ``https://a.klaviyo.com/api/``; a private
key in ``Authorization: Klaviyo-API-Key <key>``; every request names the ``revision``
header (each revision is supported two years:
https://developers.klaviyo.com/en/docs/api_versioning_and_deprecation_policy).

- Paging: ``page[cursor]``; the body's ``links.next`` is the next page's URL, absent on the
  last page (reports take ``page_cursor`` the same way, the query staying in the POST body).
- Errors: JSON:API ``{"errors": [{id, status, code, title, detail, source}]}``;
  ``throttled`` (429) is retried after ``Retry-After``, ``not_authenticated``,
  ``authentication_failed`` and ``permission_denied`` are credential problems
  (https://developers.klaviyo.com/en/docs/rate_limits_and_error_handling).
- Rate limits are per endpoint and account (burst per second, steady per minute): each
  endpoint is paced by its own steady limit (`reporting.KlaviyoClient`); the Reporting API
  allows 2 a minute and 225 a day.

Streams: ``accounts`` (time zone, currency), ``campaigns`` per channel (the API requires a
channel filter; read in full: ``campaign_messages``, one request per campaign, needs them
all), ``flows``, ``lists`` and ``profiles`` (non-personal fields only) read by their
``updated`` filters with a one-day look-back, ``metrics`` in full (no date filter); and two
Reporting API reports for the
``conversion_metric_id`` (the metric whose conversions and value are attributed, usually
Placed Order):

- ``campaign_values`` (POST /api/campaign-values-reports): each campaign message's
  statistics to date for campaigns *sent* within the timeframe ("performance in the Klaviyo
  UI is calculated based on send date", https://developers.klaviyo.com/en/reference/reporting_api_overview;
  a timeframe is read in the account's time zone and is at most a year, the window);
- ``flow_series`` (POST /api/flow-series-reports, ``interval: daily``): each flow message's
  statistics per send day (a daily series spans at most 60 days, the window).

Both are re-read with a 7-day look-back: Klaviyo attributes a conversion to a message for 5
days after its open or click by default (https://help.klaviyo.com/hc/en-us/articles/28413442705435),
and opens and clicks of a send keep arriving in the days after it. Both map into
``email_campaign_performance``; a campaign's row is on its send day in the account's zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr

from ...framework import SourceConfig, comma_list
from ...framework.auth import ApiKey
from ...framework.declare import Api, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import Const, DayOf, Expr, Maps
from ...framework.http import RetryPolicy
from ...framework.paginators import NextUrlInBody, SinglePage
from ...framework.params import DATETIME, FromParent, WindowParams
from ...framework.records import DATE_PREFIX, ISO_DATETIME, Records
from ...framework.spec import Cursor, FullRefresh, ReadContext, RestStream, Stream
from ...framework.unified import Lookup
from .contracts import Account, AudienceList, Campaign, CampaignMessage, CampaignValues, Flow, FlowDaily, Metric, Profile
from .reporting import KlaviyoClient, ReportStream

REVISION = "2026-10-15"
Channel = Literal["email", "sms", "mobile_push"]
#: The Reporting API's ``send_channel`` for each campaign channel filter.
SEND_CHANNEL = {"email": "email", "sms": "sms", "mobile_push": "push-notification"}
#: Klaviyo was founded in 2012: entity tables are read from then on a first run.
BEGINNING = datetime(2012, 1, 1, tzinfo=timezone.utc)
#: Statistics asked of both reports (the OpenAPI description's enum); rates are derived from these.
STATISTICS = ("recipients", "delivered", "opens", "opens_unique", "clicks", "clicks_unique", "bounced", "unsubscribes",
              "unsubscribe_uniques", "spam_complaints", "conversions", "conversion_uniques", "conversion_value")
#: Sparse fieldsets: what the tables keep (profiles without personal data, messages without their content).
PROFILE_FIELDS = "created,updated,last_event_date,external_id,locale,location.country,location.region,location.timezone"
CAMPAIGN_FIELDS = "name,status,archived,created_at,scheduled_at,updated_at,send_time,send_strategy.method"
MESSAGE_FIELDS = "definition.channel,definition.label,definition.content.subject,send_times,created_at,updated_at"
METRIC_FIELDS = "name,created,updated"
TIMES = ("created", "updated", "created_at", "updated_at", "scheduled_at", "send_time", "last_event_date")


class KlaviyoConfig(SourceConfig):
    """Config of the ``klaviyo`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="A private API key (pk_...) with read scopes: accounts, campaigns, flows, lists, metrics, profiles.")
    conversion_metric_id: str = Field(
        min_length=1, description="The metric whose conversions and value the reports attribute (usually Placed Order; see the metrics stream).")
    channels: Annotated[list[Channel], BeforeValidator(comma_list)] = Field(
        default=["email", "sms"], min_length=1, description="Campaign channels to read: email, sms, mobile_push.")
    revision: str = Field(default=REVISION, pattern=r"^\d{4}-\d{2}-\d{2}(\.pre)?$", description="The API revision header.")
    report_requests_per_minute: float = Field(
        default=2.0, gt=0, le=2.0, description="Reporting API pace (Klaviyo allows 2 a minute and 225 a day).")


API = Api(
    base_url="https://a.klaviyo.com/api/",
    auth=ApiKey("api_key", header="Authorization", prefix="Klaviyo-API-Key "),
    headers=lambda config: {"revision": config.revision if config is not None else REVISION, "Accept": "application/vnd.api+json",
                            "Content-Type": "application/vnd.api+json"},
    errors=ErrorMap(
        "Klaviyo", code="errors.0.code", message=("errors.0.detail", "errors.0.title"), request_id="errors.0.id",
        codes={"throttled": Action.RETRY, "not_authenticated": Action.AUTH, "authentication_failed": Action.AUTH,
               "permission_denied": Action.AUTH},
        hints={Action.AUTH: "check the private key and its read scopes"},
    ),
    client_class=KlaviyoClient,
    client_options=lambda config: {"report_requests_per_minute": config.report_requests_per_minute},
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)

NEXT = lambda: NextUrlInBody("links.next")  # noqa: E731 - a paginator factory
ACCOUNT = dict(on=())  # the account of the key: one per tenant
CURRENCY = Lookup("accounts", (), "preferred_currency", **ACCOUNT)


def resources(from_partition: tuple[str, ...] = ()) -> Records:
    """JSON:API ``data`` resources, their ``attributes`` beside their ``id``."""
    return Records("data", flatten=("attributes",), formats={t: ISO_DATETIME for t in TIMES}, from_partition=from_partition)


def instant(value: date | datetime) -> str:
    moment = value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time(), tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def updated_since(field: str, operator: str = "greater-or-equal"):
    """``filter=<operator>(<field>,<window start>)``: only what changed since the cursor (minus its look-back)."""
    def params(ctx: ReadContext) -> dict[str, Any]:
        return {"filter": f"{operator}({field},{instant(ctx.window.start)})"} if ctx.window.start is not None else {}
    return params


def channel_filter(ctx: ReadContext) -> dict[str, Any]:
    """GET /api/campaigns requires a channel filter: one partition per configured channel."""
    return {"filter": f"equals(messages.channel,'{ctx.partition['channel']}')", "fields[campaign]": CAMPAIGN_FIELDS}


def report_body(kind: str, group_by: tuple[str, ...], **attributes: Any):
    """The JSON:API body of a report query; the timeframe is the window (`WindowParams`)."""
    def body(ctx: ReadContext) -> dict[str, Any]:
        channels = ",".join(f'"{SEND_CHANNEL[c]}"' for c in ctx.config.channels)
        return {"data": {"type": kind, "attributes": {
            "statistics": list(STATISTICS), "conversion_metric_id": ctx.partition["conversion_metric_id"],
            "group_by": list(group_by), "filter": f"contains-any(send_channel,[{channels}])", **attributes}}}
    return body


def per_channel(config: KlaviyoConfig) -> list[dict[str, str]]:
    return [{"channel": channel} for channel in config.channels]


def per_metric(config: KlaviyoConfig) -> list[dict[str, str]]:
    return [{"conversion_metric_id": config.conversion_metric_id}]


TIMEFRAME = WindowParams("data.attributes.timeframe.start", "data.attributes.timeframe.end", format=DATETIME, in_body=True)
CHANGED = dict(kind="datetime", lookback=timedelta(days=1), initial=BEGINNING)
#: What both reports' statistics mean in the unified fact.
MEANINGS = {
    "sends": "recipients: profiles the message was sent to",
    "opens": "opens, machine opens (Apple Mail Privacy) included unless the account excludes them",
    "unique_opens": "opens_unique: recipients who opened",
    "unique_clicks": "clicks_unique: recipients who clicked",
    "bounces": "bounced",
    "spam_reports": "spam_complaints",
    "attributed_orders": "conversions: events of the configured conversion metric (Placed Order: orders) attributed to the "
                         "message (last touch; 5 days after an email open or click by default)",
    "attributed_revenue": "conversion_value: the value of those conversions, in the account's preferred currency",
    "channel": "send_channel, with push-notification as push",
}
CHANNEL = Expr("case when send_channel = 'push-notification' then 'push' else send_channel end")
STATISTIC_COLUMNS = dict(
    sends="recipients", deliveries="delivered", opens="opens", unique_opens="opens_unique", clicks="clicks",
    unique_clicks="clicks_unique", bounces="bounced", unsubscribes="unsubscribes", spam_reports="spam_complaints",
    attributed_orders="conversions", attributed_revenue="conversion_value", currency=CURRENCY, channel=CHANNEL,
)


def streams(config: KlaviyoConfig | None) -> list[Stream]:
    campaigns = RestStream(
        name="campaigns", description="Campaigns of each configured channel: name, status, send time.", path="campaigns",
        partitions=per_channel, path_only=("channel",), params=channel_filter, paginator=NEXT,
        records=resources(from_partition=("channel",)), contract=Campaign, primary_key=("id",),
        cursor=FullRefresh("campaign_messages reads every campaign (its parent) on every run anyway, and the fact's "
                           "send days need every campaign's send_time; one request per 100 campaigns"),
    )
    return [
        RestStream(
            name="accounts", description="The key's account: time zone and preferred currency.", path="accounts",
            paginator=SinglePage, records=resources(), contract=Account, primary_key=("id",),
            cursor=FullRefresh("one account per private key, current settings only"),
        ),
        campaigns,
        RestStream(
            name="campaign_messages", description="Each campaign's messages: channel, label, subject, send times.",
            path="campaigns/{campaign_id}/campaign-messages", partitions=FromParent(campaigns, {"campaign_id": "id"}),
            params={"fields[campaign-message]": MESSAGE_FIELDS},
            paginator=SinglePage, records=resources(from_partition=("campaign_id",)), contract=CampaignMessage,
            primary_key=("id",), cursor=FullRefresh("the endpoint takes no filter and answers one page per campaign"),
        ),
        RestStream(
            name="flows", arrow=True, description="Flows (automations): name, status, trigger.", path="flows",
            params=updated_since("updated"), paginator=NEXT, records=resources(), contract=Flow, primary_key=("id",),
            cursor=Cursor("updated", **CHANGED),  # type: ignore[arg-type]
        ),
        RestStream(
            name="metrics", description="Metrics (event types): Placed Order, Opened Email...", path="metrics",
            params={"fields[metric]": METRIC_FIELDS}, paginator=NEXT,
            records=resources(), contract=Metric, primary_key=("id",),
            cursor=FullRefresh("GET /api/metrics filters by integration only; an account has few metrics"),
        ),
        RestStream(
            name="lists", description="Lists: name, opt-in process.", path="lists", params=updated_since("updated", "greater-than"),
            paginator=NEXT, records=resources(), contract=AudienceList, primary_key=("id",),
            cursor=Cursor("updated", **CHANGED),  # type: ignore[arg-type]
        ),
        RestStream(
            name="profiles", description="Profiles without personal data (no name, email or phone): ids, locale, country, dates.",
            path="profiles", params=lambda ctx: {**updated_since("updated", "greater-than")(ctx), "fields[profile]": PROFILE_FIELDS,
                                                 "page[size]": 100},
            paginator=NEXT, records=resources(), contract=Profile, primary_key=("id",),
            cursor=Cursor("updated", **CHANGED),  # type: ignore[arg-type]
        ),
        ReportStream(
            name="campaign_values", description="Each campaign message's statistics to date, for campaigns sent in the "
            "timeframe; its send day is the campaign's send time in the account's zone.", path="campaign-values-reports",
            method="POST", partitions=per_metric, path_only=("conversion_metric_id",),
            params=report_body("campaign-values-report", ("campaign_id", "campaign_message_id", "send_channel")),
            window=TIMEFRAME, paginator=NEXT,
            records=Records("data.attributes.results", flatten=("groupings", "statistics"), formats={"timeframe_end": DATE_PREFIX},
                            from_partition=("conversion_metric_id",)),
            contract=CampaignValues, primary_key=("campaign_id", "campaign_message_id", "send_channel", "conversion_metric_id"),
            cursor=Cursor("timeframe_end", lookback=timedelta(days=7), window=timedelta(days=365)),
            unified=Maps(
                "email_campaign_performance",
                date=DayOf(Lookup("campaigns", "id", "send_time", on="campaign_id"), Lookup("accounts", (), "timezone", **ACCOUNT)),
                campaign_id="campaign_id", campaign_name=Lookup("campaigns", "id", "name", on="campaign_id"),
                campaign_type=Const("campaign"), **STATISTIC_COLUMNS,
                meanings={**MEANINGS, "date": "the campaign's send day in the account's time zone: Klaviyo reports a "
                                              "campaign's statistics to date, not per day"},
            ),
        ),
        ReportStream(
            name="flow_series", description="Each flow message's statistics per send day.", path="flow-series-reports",
            method="POST", series=True, partitions=per_metric, path_only=("conversion_metric_id",),
            params=report_body("flow-series-report", ("flow_id", "flow_message_id", "send_channel"), interval="daily"),
            window=TIMEFRAME, paginator=NEXT,
            records=Records("data.attributes.results", flatten=("groupings", "statistics"), formats={"date": DATE_PREFIX},
                            from_partition=("conversion_metric_id",)),
            contract=FlowDaily, primary_key=("flow_id", "flow_message_id", "send_channel", "conversion_metric_id", "date"),
            cursor=Cursor("date", lookback=timedelta(days=7), window=timedelta(days=60)),
            unified=Maps(
                "email_campaign_performance", date="date", campaign_id="flow_id",
                campaign_name=Lookup("flows", "id", "name", on="campaign_id"), campaign_type=Const("flow"),
                **STATISTIC_COLUMNS, meanings={**MEANINGS, "date": "the send day in the account's time zone"},
            ),
        ),
    ]


connector = declare(
    "klaviyo", title="Klaviyo", api=API, config=KlaviyoConfig, streams=streams, api_version=REVISION,
    docs_url="https://developers.klaviyo.com/en/reference/api_overview", category="email",
    support_policy="https://developers.klaviyo.com/en/docs/api_versioning_and_deprecation_policy (each revision: two years)",
    supported_until=date(2028, 10, 15),
    description="Klaviyo: account, campaigns, flows, lists, metrics, profiles, and campaign and flow performance reports.",
    # Klaviyo's JSON:API error answer to a wrong private key (401 authentication_failed).
    error_example={"errors": [{"id": "7d9b6f5e-3c1a-4e8b-9f20-1a2b3c4d5e6f", "status": 401, "code": "authentication_failed",
                               "title": "Incorrect authentication credentials.", "detail": "Incorrect authentication credentials.",
                               "source": {"pointer": "/data/"}}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "KlaviyoConfig", "REVISION"]
