"""CJ Affiliate: the Commission Detail API (GraphQL, advertiser side), declared.

Reference: https://docs.cj.com/docs/graphql-api (overview and sample requests) and
https://docs.cj.com/docs/commissiondetail-api-advertiser (the ``advertiserCommissions`` query,
its arguments and the ``AdvertiserCommission`` fields); the schema is unversioned and changes
additively. Field names and GraphQL types follow the schema CJ's endpoint publishes by
introspection, as rendered in github.com/api-evangelist/cj-affiliate
``graphql/cj-affiliate-commissions-schema.graphql`` (2026-08-13), which agrees with the
reference pages. One endpoint, ``POST https://commissions.api.cj.com/query``, with a personal
access token as ``Authorization: Bearer <token>``
(https://developers.cj.com/account/personal-access-tokens).

Stream ``commissions``: every commission of each configured advertiser (CID), read by posting
date (``sincePostingDate`` inclusive, ``beforePostingDate`` exclusive, UTC instants). An answer
holds at most ``limit`` commissions; while ``payloadComplete`` is false the next call asks for
those after ``maxCommissionId`` (``sinceCommissionId``): the framework's `CursorUntilComplete`.
A correction or restatement is not an edit: CJ posts it as new commissions with ids of their
own (``original`` false, ``originalActionId`` the original's), so posting-date windows see it
when it is posted. What changes on a commission already read is its ``actionStatus``
(new, extended, locked, closed) and ``validationStatus``: a new commission locks at 2am PST on
the 11th of the month after it is posted, an extended one a month later (the ``ActionStatus``
description in the schema). Look-back 72 days, the longest such path (posted on the 1st,
extended, locked on the 11th two months on); windows of 30 days (CJ publishes no range cap).

Money: the schema's ``DecimalNumber`` (a JSON string such as ``"7.781"``), loaded as exact
decimals. Each amount comes in USD and in the advertiser's, the publisher's or the original
currency, but no field names the advertiser's currency code, so the unified facts use the USD
amounts (``advCommissionAmountUsd``, ``saleAmountUsd``) with ``USD``; the raw table keeps the
advertiser-currency amounts beside them.

Unified: ``commissions`` maps into ``affiliate_performance_daily`` (program = the advertiser
CID, partner = the publisher CID, one action per commission, day = the event's UTC day) and
into the campaign-performance facts as a paid platform whose spend is the commission: the
account is the advertiser, the campaign the publisher, as for impact.com and Awin. Clicks and
impressions are not in this API (CJ reports them elsewhere): NULL in the affiliate fact, 0 in
the campaign facts. Commissions of every action type and status are counted, corrections
(negative amounts) included, so a day's totals are net of its corrections.

Errors: GraphQL ``errors[]`` with CJ's message strings (no code vocabulary, often with HTTP 200):
``Missing Token``, ``Invalid Token`` and ``Unauthorized`` stop with one line; 401 and 403 too;
429 and 5xx are retried. CJ publishes no rate limit for this API: we keep to the 25 calls a
minute it documents for its REST APIs.
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Iterator

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import COUNT, Const, Maps
from bosco_connectors.framework.paginators import CursorUntilComplete
from bosco_connectors.framework.params import DATETIME, ForEach, WindowParams
from bosco_connectors.framework.records import DATE_PREFIX, ISO_DATETIME, Records, snake_case
from bosco_connectors.framework.spec import Cursor, RestStream, Stream
from bosco_connectors.framework.unified import Performance, ad_spec

#: Status changes until the lock: posted on the 1st, extended one cycle, locked on the 11th two months on.
LOOKBACK = timedelta(days=72)
ROOT = "data.advertiserCommissions"


class CjConfig(SourceConfig):
    """Config of the ``cj`` source (plus the fields every source accepts)."""

    personal_access_token: SecretStr = Field(description="A personal access token (https://developers.cj.com/account/personal-access-tokens).")
    advertiser_ids: IdList = Field(min_length=1, description="Advertiser company ids (CIDs) to read; a list, or one comma-separated string.")
    requests_per_minute: float = Field(default=25.0, gt=0, le=25, description="CJ documents 25 calls a minute for its REST APIs; none for this one.")


class Commission(Contract):
    """One commission (``advertiserCommissions.records``); amounts exact, ids as text."""

    commission_id: Id
    original_action_id: Id | None = Field(default=None, description="Ties a correction to the original action.")
    original: bool | None = Field(default=None, description="False for a correction or restatement.")
    advertiser_id: Id
    advertiser_name: str | None = None
    publisher_id: Id
    publisher_name: str | None = None
    website_id: Id | None = None
    website_name: str | None = None
    action_tracker_id: Id | None = None
    action_tracker_name: str | None = None
    action_type: str | None = Field(default=None, description="sim_sale, item_sale, sim_lead, item_lead, bonus, click, imp, perf_inc.")
    action_status: str | None = Field(default=None, description="new, extended, locked or closed.")
    validation_status: str | None = Field(default=None, description="PENDING, ACCEPTED, DECLINED or AUTOMATED.")
    locking_method: str | None = None
    correction_reason: str | None = None
    aid: Id | None = Field(default=None, description="The ad (link) id.")
    order_id: str | None = None
    coupon: str | None = None
    country: str | None = None
    new_to_file: bool | None = None
    is_cross_device: bool | None = None
    event_date: dt.date = Field(description="The event's day in UTC (eventDate is a UTC instant).")
    posting_date: dt.datetime = Field(description="When CJ posted the commission (UTC): the read's cursor.")
    locking_date: dt.datetime | None = None
    click_date: dt.datetime | None = None
    sale_amount_usd: Decimal | None = None
    sale_amount_adv_currency: Decimal | None = None
    adv_commission_amount_usd: Decimal | None = Field(default=None, description="The advertiser's commission, in USD.")
    adv_commission_amount_adv_currency: Decimal | None = None
    pub_commission_amount_usd: Decimal | None = None
    cj_fee_usd: Decimal | None = Field(default=None, description="CJ's fee, in USD, apart from the commission.")
    cj_fee_adv_currency: Decimal | None = None
    order_discount_usd: Decimal | None = None
    items: list[dict[str, Any]] | None = Field(default=None, description="Item-level detail of item sales and leads, as sent.")


RECORD_FIELDS = ("commissionId", "originalActionId", "original", "advertiserId", "advertiserName", "publisherId", "publisherName",
                 "websiteId", "websiteName", "actionTrackerId", "actionTrackerName", "actionType", "actionStatus",
                 "validationStatus", "lockingMethod", "correctionReason", "aid", "orderId", "coupon", "country", "newToFile",
                 "isCrossDevice", "eventDate", "postingDate", "lockingDate", "clickDate", "saleAmountUsd",
                 "saleAmountAdvCurrency", "advCommissionAmountUsd", "advCommissionAmountAdvCurrency", "pubCommissionAmountUsd",
                 "cjFeeUsd", "cjFeeAdvCurrency", "orderDiscountUsd")
ITEM_FIELDS = "commissionItemId sku quantity perItemSaleAmountUsd perItemSaleAmountAdvCurrency totalCommissionUsd totalCommissionAdvCurrency"
QUERY = " ".join(f"""
query AdvertiserCommissions($forAdvertisers: [String!]!, $sincePostingDate: String, $beforePostingDate: String,
                            $sinceCommissionId: String) {{
  advertiserCommissions(forAdvertisers: $forAdvertisers, sincePostingDate: $sincePostingDate,
                        beforePostingDate: $beforePostingDate, sinceCommissionId: $sinceCommissionId) {{
    count limit payloadComplete maxCommissionId
    records {{ {" ".join(RECORD_FIELDS)} items {{ {ITEM_FIELDS} }} }}
  }}
}}""".split())

API = Api(
    base_url="https://commissions.api.cj.com/",
    auth=ApiKey("personal_access_token", header="Authorization", prefix="Bearer "),
    errors=ErrorMap(
        # GraphQL errors[] with CJ's message strings, often in an HTTP 200: any entry is an error.
        "CJ", code=("errors.0.extensions.code", "errors.0.message"), message=("errors.0.message", "message"),
        codes={"Missing Token": Action.AUTH, "Invalid Token": Action.AUTH, "Unauthorized": Action.AUTH},
        statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY, 400: Action.FAIL},
        hints={Action.AUTH: "check the personal access token and that its user is a member of each advertiser CID"},
    ),
    rate=RateBudget(per_minute="requests_per_minute"),
)


@dataclass(kw_only=True)
class AdvertiserCommissions(RestStream):
    """The ``advertiserCommissions`` query. For the generated fake only: one commission per
    advertiser, publisher and day of the demo world, each with an id of its own, posted on
    its event's day (the request's window is one of posting dates)."""

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        spec = ad_spec(self)
        for number, row in enumerate(app._performance(spec, route), 1):
            day = row[spec.date]
            yield {**row, "commission_id": f"{row[spec.account]}{day:%Y%m%d}{number:06d}",
                   "posting_date": dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone.utc)}


def streams(config: CjConfig | None) -> list[Stream]:
    return [
        AdvertiserCommissions(
            name="commissions", description="Every commission of each advertiser, by posting date.",
            path="query", method="POST",
            params={"query": QUERY, "variables": {"forAdvertisers": ["{advertiser_id}"]}},
            partitions=ForEach("advertiser_ids", "advertiser_id"),
            window=WindowParams("variables.sincePostingDate", "variables.beforePostingDate", format=DATETIME,
                                end_exclusive=True, in_body=True),
            paginator=lambda: CursorUntilComplete(token_path=f"{ROOT}.maxCommissionId", complete_path=f"{ROOT}.payloadComplete",
                                                  param="variables.sinceCommissionId"),
            records=Records(f"{ROOT}.records", rename=snake_case(*RECORD_FIELDS),
                            formats={"event_date": DATE_PREFIX, **{f: ISO_DATETIME for f in (
                                "posting_date", "locking_date", "click_date")}}),
            contract=Commission, primary_key=("commission_id",),
            cursor=Cursor("posting_date", kind="datetime", lookback=LOOKBACK, window=timedelta(days=30)),
            unified=(
                Maps("affiliate_performance_daily", date="event_date", program_id="advertiser_id",
                     partner_id="publisher_id", partner_name="publisher_name", actions=COUNT,
                     sale_amount="sale_amount_usd", commission="adv_commission_amount_usd", currency=Const("USD"),
                     meanings={"date": "the commission's eventDate, a UTC day",
                               "actions": "commissions of every action type and status, corrections included",
                               "sale_amount": "saleAmountUsd: the sale amount in USD (corrections negative)",
                               "commission": "advCommissionAmountUsd: the advertiser's commission in USD, CJ's fee apart"}),
                Performance(
                    "campaign", date="event_date", account="advertiser_id", account_name="advertiser_name",
                    campaign="publisher_id", campaign_name="publisher_name",
                    spend="adv_commission_amount_usd", impressions="null", clicks="null", conversions="1",
                    conversion_value="sale_amount_usd", currency="'USD'",
                    clicks_are="not reported by the Commission Detail API: 0",
                    conversions_are="commissions credited to the publisher (every action type and status), one per commission",
                    conversion_value_is="their sale amount in USD (saleAmountUsd)",
                    date_is="the commission's event day in UTC",
                ),
            ),
        ),
    ]


connector = declare(
    "cj", title="CJ Affiliate", api=API, config=CjConfig, streams=streams,
    api_version="Commission Detail GraphQL (unversioned schema, 2026-08 introspection)",
    docs_url="https://docs.cj.com/docs/commissiondetail-api-advertiser", category="affiliate",
    support_policy="https://docs.cj.com/docs/graphql-api (one GraphQL schema changed additively, deprecations marked @deprecated)",
    description="CJ Affiliate Commission Detail API: every commission per advertiser and publisher, with sale amount and commission.",
    # A GraphQL error as CJ's GraphQL APIs answer it (cassettes/cj/SOURCES.md).
    error_example={"errors": [{"message": "Invalid Token"}], "data": None},
)
source = source_function(connector)

__all__ = ["connector", "source", "CjConfig"]
