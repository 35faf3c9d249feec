"""Mailchimp: the Mailchimp Marketing API 3.0, declared.

Reference: https://mailchimp.com/developer/marketing/api/ (version 3.0, the current one:
https://mailchimp.com/developer/marketing/docs/fundamentals/). Field names and types follow
Mailchimp's own SDK generated from its API schema (github.com/mailchimp/mailchimp-marketing-csharp-sdk).

- Host: ``https://<dc>.api.mailchimp.com/3.0/``; the data centre is the API key's suffix
  (``…-us21``), so the key picks the host unless ``base_url`` is given.
- Auth: HTTP basic, any user name, the API key as the password.
- Paging: ``count`` (at most 1000) and ``offset``; ``total_items`` gives the total.
- Errors: RFC 7807 problem documents ``{type, title, status, detail, instance}``
  (https://mailchimp.com/developer/marketing/docs/errors/): 401/403 (API Key Invalid, Wrong
  Datacenter, User Disabled) are credential problems; 429 (TooManyRequests: more than 10
  simultaneous connections per user) and 5xx are retried.

Streams: ``account`` (GET /, its time zone), ``lists`` and ``campaigns`` in full (no
updated-since filter: ``since_create_time`` and ``since_send_time`` filter creation and
sending, and a campaign created long ago changes when it is sent), and ``campaign_reports``
(GET /reports), read by ``since_send_time``/``before_send_time`` with a 30-day look-back:
a report is the campaign's totals to date, and orders keep being attributed to a campaign
for 30 days after a click (Mailchimp attribution, default window: 5 days after an open, 30
days after a click, https://mailchimp.com/help/about-mailchimp-attribution/).

Unified model: each report is one row of ``email_campaign_performance`` on its send day in
the account's time zone (Mailchimp reports per campaign, not per day).
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import Field, SecretStr, model_validator

from ...framework import SourceConfig
from ...framework.auth import Basic
from ...framework.declare import Api, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import Const, DayOf, Expr, Maps
from ...framework.http import RetryPolicy
from ...framework.paginators import OffsetLimit, SinglePage
from ...framework.params import DATETIME, WindowParams
from ...framework.records import Records
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
from ...framework.unified import Lookup
from .contracts import Account, AudienceList, Campaign, CampaignReport

MAX_PAGE_SIZE = 1000
#: ``<key>-<dc>``: the data centre is the part after the last dash (us21, us6...).
_DATA_CENTRE = re.compile(r"-([a-z]{2,4}[0-9]{1,3})$")
ISO = "%Y-%m-%dT%H:%M:%S%z"  # 2015-10-21T15:41:36+00:00


def data_centre(api_key: str) -> str | None:
    """The data centre an API key belongs to (``us21``), or None when the key has no suffix."""
    match = _DATA_CENTRE.search(api_key.strip())
    return match.group(1) if match else None


class MailchimpConfig(SourceConfig):
    """Config of the ``mailchimp`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="Marketing API key, with its data-centre suffix (…-us21): it picks the host.")
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Records per page (`count`, at most 1000).")

    @model_validator(mode="after")
    def _host_from_the_key(self) -> "MailchimpConfig":
        if self.base_url is None:
            dc = data_centre(self.api_key.get_secret_value())
            if dc is None:
                raise ValueError("api_key must end with its data centre (for example -us21): copy the whole key "
                                 "from Account & billing > Extras > API keys, or set base_url")
            self.base_url = f"https://{dc}.api.mailchimp.com/3.0/"
        return self


API = Api(
    base_url="https://us1.api.mailchimp.com/3.0/",  # the key's data centre replaces us1 (see MailchimpConfig)
    auth=Basic("anystring", "api_key", fixed_username=True),
    errors=ErrorMap(
        # A problem document carries its HTTP status in `status`: the body decides, even under HTTP 200.
        "Mailchimp", code="status", message=("detail", "title"), request_id="instance",
        codes={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY, range(500, 600): Action.RETRY},
        hints={Action.AUTH: "check the API key and that its data-centre suffix matches the account"},
    ),
    retry=RetryPolicy(max_attempts=6, initial_wait=2.0, max_wait=60.0),
)

ACCOUNT_FIELDS = ("account_id", "account_name", "account_industry", "account_timezone", "member_since",
                  "pricing_plan_type", "pro_enabled", "total_subscribers")
#: Per-hour series and HAL links: not needed for the tables, and large.
REPORT_EXCLUDES = "_links,reports._links,reports.timeseries,reports.timewarp"
ACCOUNT_TIMEZONE = Lookup("account", (), "account_timezone", on=())


def pages(size: int):
    return lambda: OffsetLimit(limit=size, offset_param="offset", limit_param="count", total_path="total_items")


def streams(config: MailchimpConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE_SIZE
    return [
        RestStream(
            name="account", description="The account behind the key: name, industry, time zone, plan.", path="",
            params={"fields": ",".join(ACCOUNT_FIELDS)}, records=Records(formats={"member_since": ISO}),
            paginator=SinglePage, contract=Account, primary_key=("account_id",),
            cursor=FullRefresh("the API root is one record of current settings"),
        ),
        RestStream(
            name="lists", description="Lists (audiences), with their stats.", path="lists",
            params={"exclude_fields": "_links,lists._links"}, paginator=pages(size),
            records=Records("lists", formats={"date_created": ISO}), contract=AudienceList, primary_key=("id",),
            cursor=FullRefresh("GET /lists filters creation and last-campaign times only; lists are few"),
        ),
        RestStream(
            name="campaigns", description="Campaigns: type, status, send time, list and subject.", path="campaigns",
            params={"exclude_fields": "_links,campaigns._links"}, paginator=pages(size),
            records=Records("campaigns", flatten=("recipients", "settings"), formats={"create_time": ISO, "send_time": ISO}),
            contract=Campaign, primary_key=("id",),
            cursor=FullRefresh("since_create_time/since_send_time filter creation and sending, not edits: a draft "
                               "created long ago is sent later, so every run reads every campaign"),
        ),
        RestStream(
            name="campaign_reports", description="Each sent campaign's totals to date: sends, opens, clicks, bounces, "
            "unsubscribes, abuse reports, e-commerce orders and revenue.", path="reports",
            params={"exclude_fields": REPORT_EXCLUDES}, paginator=pages(size),
            window=WindowParams("since_send_time", "before_send_time", format=DATETIME, end_exclusive=True),
            records=Records("reports", flatten=("bounces", "opens", "clicks", "ecommerce"),
                            formats={t: ISO for t in ("send_time", "rss_last_send", "last_open", "last_click")}),
            contract=CampaignReport, primary_key=("id",),
            cursor=Cursor("send_time", kind="datetime", lookback=timedelta(days=30)),
            unified=Maps(
                "email_campaign_performance",
                date=DayOf("send_time", ACCOUNT_TIMEZONE), campaign_id="id", campaign_name="campaign_title",
                campaign_type=Const("campaign"), channel=Const("email"), sends="emails_sent", opens="opens_total",
                unique_opens="unique_opens", clicks="clicks_total", unique_clicks="unique_subscriber_clicks",
                bounces=Expr("hard_bounces + soft_bounces + syntax_errors"), unsubscribes="unsubscribed",
                spam_reports="abuse_reports", attributed_orders="total_orders", attributed_revenue="total_revenue",
                currency="currency_code",
                meanings={
                    "date": "the campaign's send day in the account's time zone: Mailchimp reports each campaign's "
                            "totals to date, not per day",
                    "opens": "opens_total: every open, machine (proxy) opens included",
                    "unique_opens": "unique_opens: recipients who opened, proxy opens included",
                    "unique_clicks": "unique_subscriber_clicks: subscribers who clicked",
                    "bounces": "hard + soft + syntax-error bounces",
                    "spam_reports": "abuse_reports",
                    "attributed_orders": "e-commerce orders attributed to the campaign (last touch: 5 days after "
                                         "an open, 30 after a click by default)",
                    "attributed_revenue": "total_revenue: order totals minus shipping and tax",
                },
            ),
        ),
    ]


connector = declare(
    "mailchimp", title="Mailchimp", api=API, config=MailchimpConfig, streams=streams, api_version="3.0",
    docs_url="https://mailchimp.com/developer/marketing/api/", category="email",
    support_policy="https://mailchimp.com/developer/marketing/docs/fundamentals/ (3.0 is current; no sunset announced)",
    description="Mailchimp Marketing API: account, lists, campaigns and campaign reports (sends, opens, clicks, revenue).",
    # Mailchimp's documented 401 (error glossary: APIKeyInvalid).
    error_example={"type": "https://mailchimp.com/developer/marketing/docs/errors/", "title": "API Key Invalid",
                   "status": 401, "detail": "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
                   "instance": "d5e5b2a1-3c0f-4c53-9a77-0e4b5f7c2a10"},
)
source = source_function(connector)

__all__ = ["connector", "source", "MailchimpConfig", "data_centre"]
