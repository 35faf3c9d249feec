"""Pardot (Marketing Cloud Account Engagement): prospects, campaigns, opportunities and list emails with
their statistics, API v5, declared.

Reference: https://developer.salesforce.com/docs/marketing/pardot/guide/version5overview.html
(API v5, the preferred version; v3/v4 have no published end date). Request shapes cross-checked
with Airbyte's Pardot connector (airbytehq/airbyte ``source-pardot/manifest.yaml``: v5 paths,
``fields``, ``deleted=all``, ``orderBy``, ``updatedAtAfterOrEqualTo``/``updatedAtBeforeOrEqualTo``,
``values``, ``nextPageUrl``, the ``Pardot-Business-Unit-Id`` header).

- Host: ``https://pi.pardot.com/api/`` (``https://pi.demo.pardot.com/api/`` for demo and
  sandbox business units). Auth: a Salesforce connected app's OAuth token (refresh-token grant
  at ``login.salesforce.com``) and, on every request, the business unit id
  (``Pardot-Business-Unit-Id: 0Uv...``).
- Prospects and campaigns by change: ``GET v5/objects/{prospects,campaigns}?fields=...&deleted=all&orderBy=updatedAt
  ASC&updatedAtAfterOrEqualTo=..&updatedAtBeforeOrEqualTo=..&limit=``; ``values`` holds the page,
  ``nextPageUrl`` the next one (absolute, its token alone), absent or null on the last.
  ``deleted=all`` answers deleted records too (``isDeleted: true``), so a deleted prospect leaves
  the tables (`SoftDelete`). Changes are written at once: each run re-reads one hour.
- Errors: ``{"code": <number>, "message": ...}``; 184 (invalid access token) and 181 (invalid
  business unit id) are credential problems, 66 (more than five concurrent requests) is
  retried, 122 (the business unit's daily API limit) fails with one line until the quota resets.

List emails and their statistics (https://developer.salesforce.com/docs/marketing/pardot/guide/list-email-v5.html):
``list_emails`` is ``GET v5/objects/list-emails?fields=...`` read whole every run (the overview
leaves filters to each object's reference, and no updated-since filter of list emails could be
checked; a few thousand list emails are a few pages of 1,000). ``list_email_stats`` asks
``GET v5/objects/list-emails/{id}/stats`` for every list email that has a ``sentAt`` (an unsent
draft is not asked): one request per sent list email per run, which counts against the business
unit's daily API calls. The stats are the email's totals to date (sent, delivered, opens, unique
opens, total and unique clicks, soft and hard bounces, opt-outs, spam complaints), no day in them;
their names follow API v4's documented Email Statistics in v5's camelCase (the v5 page's stats
table could not be read here; see ``cassettes/pardot/SOURCES.md``); the rates beside them are not
declared in the contract (derivable from the counts; their v5 JSON type is not confirmed). ``deleted`` is left at its default
(records outside the recycle bin), so a list email moved to the recycle bin is no longer asked
for, and its rows already loaded stay: its mail was sent.

Opportunities (https://developer.salesforce.com/docs/marketing/pardot/guide/opportunity-v5.html):
``GET v5/objects/opportunities`` read whole every run (no updated-since filter of this object
checked). In an org with the Salesforce connector these are read-only copies of Salesforce
opportunities that have a contact role on a prospect; ``status`` is won, lost or open (API v4's
field reference; compared in lower case); ``value`` carries no currency (the org's);
``closedAt`` may be blank even for a won opportunity (the reference says so): such a win is not
dated, so it is not counted won. Recycle-bin opportunities are not asked for and rows already
loaded stay (no deletion is applied).

Unified:
- prospects created (by ``source``) into ``crm_funnel_daily`` on UTC days;
- opportunities into ``crm_funnel_daily``: created on the UTC day of ``createdAt`` (when Account
  Engagement created its copy), won (and ``value`` as won_amount, currency NULL) on the UTC day of
  ``closedAt``. Not to count twice: where the ``salesforce`` source reads the same org, its
  ``Opportunity`` rows are the same deals; ``fct_crm_funnel_daily.platform`` says which source a row
  came from, so count opportunities from one platform (``salesforce``, the system of record) and
  keep ``pardot``'s for an org without it.
- each sent list email's stats into ``email_campaign_performance``, one row on the UTC day of its
  ``sentAt``: the stats are totals to date of one send with no day in them, ``sentAt`` is the
  documented moment that send happened (``createdAt`` is the draft, ``updatedAt`` any edit), as
  Mailchimp and Customer.io reports land on their send day. Days are UTC like the prospects':
  v5 times carry the API user's offset, not the account's zone.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from pydantic import Field, SecretStr

from ...framework import Contract, Id, SourceConfig
from ...framework.auth import RefreshToken
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.deletions import SoftDelete
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import COUNT, Const, DayOf, Expr, Maps
from ...framework.paginators import NextUrlInBody, SinglePage
from ...framework.params import FromParent, WindowParams
from ...framework.records import ISO_DATETIME, Records, snake_case
from ...framework.spec import Cursor, FullRefresh, RestStream, Stream
from ...framework.unified import Lookup

MAX_PAGE = 1000
#: Pardot's business units go back to 2007: a first run reads every record changed since.
BEGINNING = datetime(2007, 1, 1, tzinfo=timezone.utc)
TIME = "%Y-%m-%dT%H:%M:%S+00:00"
PROSPECT_FIELDS = ("id", "isDeleted", "source", "campaignId", "prospectAccountId", "score", "grade", "optedOut",
                   "lastActivityAt", "createdAt", "updatedAt")
CAMPAIGN_FIELDS = ("id", "name", "isDeleted", "folderId", "cost", "parentCampaignId", "salesforceId", "createdAt", "updatedAt")
LIST_EMAIL_FIELDS = ("id", "name", "campaignId", "subject", "isPaused", "isSent", "sentAt", "createdAt", "updatedAt")
#: The counts of a list email's stats (API v4's Email Statistics, in v5's camelCase); the rates are not declared.
STATS_FIELDS = ("sent", "delivered", "opens", "uniqueOpens", "totalClicks", "uniqueClicks", "softBounced", "hardBounced",
                "optOuts", "spamComplaints")
OPPORTUNITY_FIELDS = ("id", "name", "campaignId", "value", "probability", "stage", "status", "closedAt", "createdAt", "updatedAt")
TIMES = ("last_activity_at", "created_at", "updated_at", "sent_at", "closed_at")


class PardotConfig(SourceConfig):
    """Config of the ``pardot`` source (plus the fields every source accepts)."""

    business_unit_id: str = Field(description="The Account Engagement business unit id (18 characters, starts with 0Uv).")
    client_id: str = Field(description="The Salesforce connected app's consumer key.")
    client_secret: SecretStr = Field(description="The connected app's consumer secret.")
    refresh_token: SecretStr = Field(description="A refresh token of a user with Account Engagement access (scope pardot_api).")
    token_url: str | None = Field(default=None, description="OAuth token endpoint (default: login.salesforce.com's).")
    page_size: int = Field(default=MAX_PAGE, ge=1, le=MAX_PAGE, description="Records per page (at most 1,000).")
    requests_per_second: float = Field(default=2.0, gt=0, description="Pace; at most five requests at once per business unit.")


class Prospect(Contract):
    """One prospect, without name, e-mail, phone or address."""

    id: Id
    is_deleted: bool | None = None
    source: str | None = Field(default=None, description="The prospect's source (how it was first created).")
    campaign_id: Id | None = None
    prospect_account_id: Id | None = None
    score: int | None = None
    grade: str | None = None
    opted_out: bool | None = None
    last_activity_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime = Field(description="Last change: the cursor.")


class Campaign(Contract):
    id: Id
    name: str | None = None
    is_deleted: bool | None = None
    folder_id: Id | None = None
    cost: Decimal | None = Field(default=None, description="The campaign's cost, as entered.")
    parent_campaign_id: Id | None = None
    salesforce_id: Id | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime = Field(description="Last change: the cursor.")


class ListEmail(Contract):
    """One list email (a single send to recipient lists), without its content."""

    id: Id
    name: str | None = None
    campaign_id: Id | None = None
    subject: str | None = None
    is_paused: bool | None = None
    is_sent: bool | None = None
    sent_at: dt.datetime | None = Field(default=None, description="When it was sent; empty for a draft.")
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class ListEmailStats(Contract):
    """One sent list email's statistics to date."""

    list_email_id: Id
    sent_at: dt.datetime | None = Field(default=None, description="The list email's sentAt (from the list email).")
    sent: int | None = Field(default=None, description="Emails sent.")
    delivered: int | None = Field(default=None, description="Emails delivered.")
    opens: int | None = Field(default=None, description="Opens.")
    unique_opens: int | None = Field(default=None, description="Unique opens.")
    total_clicks: int | None = Field(default=None, description="Total clicks.")
    unique_clicks: int | None = Field(default=None, description="Unique clicks.")
    soft_bounced: int | None = Field(default=None, description="Soft bounces.")
    hard_bounced: int | None = Field(default=None, description="Hard bounces.")
    opt_outs: int | None = Field(default=None, description="Opt-outs.")
    spam_complaints: int | None = Field(default=None, description="Spam complaints.")


class Opportunity(Contract):
    """One opportunity (in a connected org, Account Engagement's copy of a Salesforce opportunity)."""

    id: Id
    name: str | None = None
    campaign_id: Id | None = None
    value: Decimal | None = Field(default=None, description="The opportunity's value; no currency is given (the org's).")
    probability: int | None = Field(default=None, description="0 to 100.")
    stage: str | None = None
    status: str | None = Field(default=None, description="won, lost or open.")
    closed_at: dt.datetime | None = Field(default=None, description="Closed date; may be blank even when closed.")
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


API = Api(
    base_url="https://pi.pardot.com/api/",
    auth=RefreshToken("https://login.salesforce.com/services/oauth2/token"),
    headers=lambda config: {"Pardot-Business-Unit-Id": config.business_unit_id},
    errors=ErrorMap(
        "Account Engagement", code="code", message=("message",),
        codes={184: Action.AUTH, 181: Action.AUTH, 66: Action.RETRY, 122: Action.FAIL},
        statuses={401: Action.AUTH, 429: Action.RETRY},
        hints={Action.AUTH: "check the refresh token and the business unit id (Setup > Account Engagement > Business Unit Setup)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)


def v5_objects(name: str, path: str, fields: tuple[str, ...], contract: type, size: int, description: str, unified=None) -> RestStream:
    return RestStream(
        name=name, description=description, path=f"v5/objects/{path}",
        params={"fields": ",".join(fields), "deleted": "all", "orderBy": "updatedAt ASC", "limit": size},
        window=WindowParams("updatedAtAfterOrEqualTo", "updatedAtBeforeOrEqualTo", format=TIME),
        paginator=lambda: NextUrlInBody("nextPageUrl"),
        records=Records("values", rename=snake_case(*fields), formats={t: ISO_DATETIME for t in TIMES}),
        contract=contract, primary_key=("id",),
        cursor=Cursor("updated_at", kind="datetime", lookback=timedelta(hours=1), initial=BEGINNING),
        deleted=SoftDelete("is_deleted"), unified=unified,
    )


def v5_whole(name: str, path: str, fields: tuple[str, ...], contract: type, size: int, description: str, why: str,
             unified=None) -> RestStream:
    """An object read whole every run: no updated-since filter of it could be checked."""
    return RestStream(
        name=name, description=description, path=f"v5/objects/{path}", params={"fields": ",".join(fields), "limit": size},
        paginator=lambda: NextUrlInBody("nextPageUrl"),
        records=Records("values", rename=snake_case(*fields), formats={t: ISO_DATETIME for t in TIMES}),
        contract=contract, primary_key=("id",), cursor=FullRefresh(why), unified=unified,
    )


def streams(config: PardotConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE
    list_emails = v5_whole("list_emails", "list-emails", LIST_EMAIL_FIELDS, ListEmail, size,
                           "List emails: name, campaign, subject, sent or not, when sent; no content.",
                           "no updated-since filter of list emails could be checked; their stats are read again anyway")
    return [
        v5_objects("prospects", "prospects", PROSPECT_FIELDS, Prospect, size, "Prospects: source, campaign, score, grade; no contact data.",
                   unified=Maps("crm_funnel_daily", date=DayOf("created_at"), lead_source="source", leads_created=COUNT,
                                meanings={"date": "the UTC day the prospect was created", "lead_source": "the prospect's source",
                                          "leads_created": "prospects created"})),
        v5_objects("campaigns", "campaigns", CAMPAIGN_FIELDS, Campaign, size, "Campaigns: name, cost, parent, Salesforce id."),
        list_emails,
        RestStream(
            name="list_email_stats", description="Each sent list email's statistics to date: sent, delivered, opens, "
            "clicks, bounces, opt-outs, spam complaints.", path="v5/objects/list-emails/{list_email_id}/stats",
            partitions=FromParent(list_emails, {"list_email_id": "id", "sent_at": "sent_at"}), path_only=("sent_at",),
            paginator=SinglePage, records=Records(rename=snake_case(*STATS_FIELDS), from_partition=("list_email_id", "sent_at")),
            contract=ListEmailStats, primary_key=("list_email_id",),
            cursor=FullRefresh("a list email's stats keep growing after the send and carry no date to filter on"),
            unified=Maps(
                "email_campaign_performance", date=DayOf("sent_at"), campaign_id="list_email_id",
                campaign_name=Lookup("list_emails", "id", "name", on="campaign_id"), campaign_type=Const("campaign"),
                channel=Const("email"), sends="sent", deliveries="delivered", opens="opens", unique_opens="unique_opens",
                clicks="total_clicks", unique_clicks="unique_clicks", bounces=Expr("soft_bounced + hard_bounced"),
                unsubscribes="opt_outs", spam_reports="spam_complaints",
                meanings={
                    "date": "the UTC day of the list email's sentAt: its stats are totals to date of that one send",
                    "campaign_id": "the list email (one send to lists)",
                    "opens": "opens (every open)", "clicks": "totalClicks", "bounces": "softBounced + hardBounced",
                    "unsubscribes": "optOuts", "spam_reports": "spamComplaints",
                },
            ),
        ),
        v5_whole("opportunities", "opportunities", OPPORTUNITY_FIELDS, Opportunity, size,
                 "Opportunities: value, probability, stage, status, closed date, campaign.",
                 "no updated-since filter of opportunities could be checked", unified=(
            Maps("crm_funnel_daily", date=DayOf("created_at"), opportunities_created=COUNT,
                 meanings={"date": "the UTC day Account Engagement created the opportunity",
                           "opportunities_created": "opportunities created (in a connected org, copies of Salesforce's)"}),
            Maps("crm_funnel_daily", date=DayOf("closed_at"), won=COUNT, won_amount="value",
                 where="lower(status) = 'won' and closed_at is not null",
                 meanings={"date": "the UTC day of closedAt of a won opportunity",
                           "won": "opportunities whose status is won and whose closed date is set",
                           "won_amount": "value, in the org's currency (Account Engagement names none: currency is NULL)"}),
        )),
    ]


connector = declare(
    "pardot", title="Pardot (Account Engagement)", api=API, config=PardotConfig, streams=streams, api_version="v5",
    docs_url="https://developer.salesforce.com/docs/marketing/pardot/guide/version5overview.html", category="crm",
    description="Account Engagement prospects and campaigns by last change (deletions applied), opportunities, "
                "list emails and their statistics (API v5).",
    error_example={"code": 184, "message": "access_token is invalid, unknown, or malformed: Inactive token"},
)
source = source_function(connector)

__all__ = ["connector", "source", "PardotConfig"]
