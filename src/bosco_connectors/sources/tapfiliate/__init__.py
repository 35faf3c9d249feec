"""Tapfiliate: the REST API v1.6, declared.

Reference: https://tapfiliate.com/docs/rest/ (version 1.6, "the current version of the API";
base ``https://api.tapfiliate.com/1.6/``). Authentication: the account's API key in the
``X-Api-Key`` header. Lists answer 25 items a page; further pages are asked with ``?page``
(from 1) and named in the ``Link`` header (``rel="next"``, ``rel="last"``): the read follows
``next`` until there is none. Every answer is JSON, errors too (``{"message": "..."}``, the
HTTP status telling the kind); rate limits are reported in ``X-Ratelimit-*`` headers, a 429
is retried.

Streams:

- ``programs``: the account's affiliate programs (``GET programs/``): id (the slug),
  title and currency.
- ``commissions``: conversions (``GET conversions/?date_from&date_to``, days as
  ``YYYY-MM-DD``) read one row per commission they earned (``Records(explode="commissions")``):
  a conversion's commissions (one per level in a multi-level program) carry the earning
  affiliate, the amount, the currency and whether it is approved; the conversion's own
  fields come along prefixed ``conversion_``. A conversion whose commissions list is empty
  earns nothing and loads no row. Personal data (the customer object, the click's referrer)
  are not loaded.

Incremental on the conversion's ``created_at`` (``date_from``), windows of 31 days, with a
30-day look-back: commissions are approved (or disapproved, on a refund) after the
conversion; Tapfiliate documents no deadline for that, so the look-back is a choice (a
``lookback_days`` override lengthens it). Each re-read commission replaces its row (key: the
commission id).

Money: JSON numbers in currency units, ``currency`` an ISO 4217 code on each commission (the
program's currency on the conversion's ``program``).

Unified: ``affiliate_performance_daily``, per UTC day of the conversion (Tapfiliate's
timestamps carry ``+0000``), program (the conversion's program), partner (the affiliate who
earned the commission): the commission amount; and, from the first-level commissions only
(``kind = 'regular'``, one per conversion), the actions and their sale amount
(``conversion_sub_amount``: the conversion amount the commission is computed on). Tapfiliate
reports no clicks with the conversions: NULL. Not mapped into the campaign facts: the generated
fake cannot yet render world rows into a list nested in each record (see the report).
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, Id, SourceConfig
from bosco_connectors.framework.auth import ApiKey
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import COUNT, Const, DayOf, Maps
from bosco_connectors.framework.paginators import LinkHeader
from bosco_connectors.framework.params import WindowParams
from bosco_connectors.framework.records import ISO_DATETIME, Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream


class TapfiliateConfig(SourceConfig):
    """Config of the ``tapfiliate`` source (plus the fields every source accepts)."""

    api_key: SecretStr = Field(description="The account's API key (Settings > API key).")
    requests_per_second: float = Field(default=2.0, gt=0, description="Pace of requests (Tapfiliate reports its limit in X-Ratelimit-* headers).")


# -- contracts: the columns of each raw table, as Tapfiliate names them -----------------------


class Program(Contract):
    """An affiliate program (GET programs/)."""

    id: Id = Field(description="The program's slug ('johns-affiliate-program').")
    title: str | None = None
    currency: str | None = Field(default=None, description="ISO 4217 code of the program's money.")


class Commission(Contract):
    """One commission of a conversion, with its conversion's fields (GET conversions/)."""

    id: Id = Field(description="The commission id.")
    conversion_id: Id
    conversion_external_id: str | None = Field(default=None, description="The merchant's id of the conversion (an order id).")
    conversion_amount: Decimal | None = Field(default=None, description="The conversion's amount, in the program's currency.")
    conversion_created_at: dt.datetime = Field(description="When the conversion was tracked (UTC).")
    program_id: Id | None = None
    program_title: str | None = None
    program_currency: str | None = None
    conversion_affiliate_id: Id | None = Field(default=None, description="The affiliate the conversion is attributed to.")
    conversion_meta_data: dict[str, Any] | None = None
    conversion_affiliate_meta_data: dict[str, Any] | None = None
    conversion_warnings: list[Any] | None = None
    conversion_sub_amount: Decimal | None = Field(default=None, description="The part of the conversion amount the commission is computed on.")
    amount: Decimal | None = Field(default=None, description="The commission, in `currency` units.")
    currency: str | None = None
    commission_type: str | None = None
    commission_name: str | None = None
    kind: str | None = Field(default=None, description="regular (the converting affiliate) or a level of a multi-level program.")
    approved: bool | None = Field(default=None, description="null while pending, then true or false.")
    affiliate_id: Id | None = Field(default=None, description="The affiliate who earns this commission.")
    affiliate_firstname: str | None = None
    affiliate_lastname: str | None = None
    created_at: dt.datetime | None = None
    payout: dict[str, Any] | None = Field(default=None, description="The payout the commission was paid in, once paid.")
    comment: str | None = None
    final: bool | None = None


# -- the API: what every request shares -----------------------------------------------------

API = Api(
    base_url="https://api.tapfiliate.com/1.6/",
    auth=ApiKey("api_key", header="X-Api-Key"),
    # {"message": "..."}: no code, the HTTP status decides (401 bad key, 404, 422, 429, 5xx); a
    # message in a 200 is an error too (a list answer has none).
    errors=ErrorMap("Tapfiliate", code="message", message=("message",), statuses={401: Action.AUTH, 403: Action.AUTH, 429: Action.RETRY},
                    hints={Action.AUTH: "check the API key (Settings > API key)"}),
    rate=RateBudget(per_second="requests_per_second"),
)


def streams(config: TapfiliateConfig | None) -> list[Stream]:
    return [
        RestStream(
            name="programs", description="The account's affiliate programs.", path="programs/",
            paginator=LinkHeader, records=Records(), contract=Program, primary_key=("id",),
            cursor=FullRefresh("the programs list has no change filter; an account has few programs"),
        ),
        RestStream(
            name="commissions", description="Commissions of the conversions tracked in the window, with their conversion.",
            path="conversions/", window=WindowParams("date_from", "date_to"), paginator=LinkHeader,
            records=Records(explode="commissions", parent_prefix="conversion_",
                            rename={"conversion_program.id": "program_id", "conversion_program.title": "program_title",
                                    "conversion_program.currency": "program_currency",
                                    "conversion_affiliate.id": "conversion_affiliate_id",
                                    "affiliate.id": "affiliate_id", "affiliate.firstname": "affiliate_firstname",
                                    "affiliate.lastname": "affiliate_lastname"},
                            drop=("conversion_customer", "conversion_click"),
                            formats={"conversion_created_at": ISO_DATETIME, "created_at": ISO_DATETIME}),
            contract=Commission, primary_key=("id",),
            cursor=Cursor("conversion_created_at", kind="datetime", lookback=timedelta(days=30), window=timedelta(days=31)),
            unified=(
                Maps("affiliate_performance_daily", date=DayOf("conversion_created_at", Const("UTC")),
                     program_id="program_id", partner_id="affiliate_id", commission="amount", currency="currency",
                     meanings={"commission": "every commission the affiliate earned (each level of a multi-level program), "
                                             "pending, approved and disapproved alike (see `approved`)",
                               "date": "the UTC day the conversion was tracked"}),
                Maps("affiliate_performance_daily", where="kind = 'regular'", date=DayOf("conversion_created_at", Const("UTC")),
                     program_id="program_id", partner_id="affiliate_id", actions=COUNT,
                     sale_amount="conversion_sub_amount", currency="currency",
                     meanings={"actions": "conversions: the first-level (regular) commission of each",
                               "sale_amount": "the conversion amount that commission is computed on"}),
            ),
        ),
    ]


connector = declare(
    "tapfiliate", title="Tapfiliate", api=API, config=TapfiliateConfig, streams=streams, api_version="1.6",
    docs_url="https://tapfiliate.com/docs/rest/", category="affiliate",
    support_policy="https://tapfiliate.com/docs/rest/ (1.6 is the current version)",
    description="Tapfiliate REST API 1.6: programs, and the commissions of each conversion with the conversion.",
    error_example={"message": "Unauthorized"},
)
source = source_function(connector)

__all__ = ["connector", "source", "TapfiliateConfig"]
