"""Pardot (Marketing Cloud Account Engagement): prospects and campaigns of API v5, declared.

Reference: https://developer.salesforce.com/docs/marketing/pardot/guide/version5overview.html
(API v5, the preferred version; v3/v4 have no published end date). Request shapes cross-checked
with Airbyte's Pardot connector (airbytehq/airbyte ``source-pardot/manifest.yaml``: v5 paths,
``fields``, ``deleted=all``, ``orderBy``, ``updatedAtAfterOrEqualTo``/``updatedAtBeforeOrEqualTo``,
``values``, ``nextPageUrl``, the ``Pardot-Business-Unit-Id`` header).

- Host: ``https://pi.pardot.com/api/`` (``https://pi.demo.pardot.com/api/`` for demo and
  sandbox business units). Auth: a Salesforce connected app's OAuth token (refresh-token grant
  at ``login.salesforce.com``) and, on every request, the business unit id
  (``Pardot-Business-Unit-Id: 0Uv...``).
- Records by change: ``GET v5/objects/{prospects,campaigns}?fields=...&deleted=all&orderBy=updatedAt
  ASC&updatedAtAfterOrEqualTo=..&updatedAtBeforeOrEqualTo=..&limit=``; ``values`` holds the page,
  ``nextPageUrl`` the next one (absolute, its token alone), absent or null on the last.
  ``deleted=all`` answers deleted records too (``isDeleted: true``), so a deleted prospect leaves
  the tables (`SoftDelete`). Changes are written at once: each run re-reads one hour.
- Errors: ``{"code": <number>, "message": ...}``; 184 (invalid access token) and 181 (invalid
  business unit id) are credential problems, 66 (more than five concurrent requests) is
  retried, 122 (the business unit's daily API limit) fails with one line until the quota resets.
- Not declared: opportunities (in a connected org they are Salesforce's, read by the
  ``salesforce`` source) and e-mail statistics (a per-email request of API v4/v5 not checked
  here): see the source's notes.

Unified: prospects created (by ``source``) into ``crm_funnel_daily`` on UTC days.
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
from ...framework.facts import COUNT, DayOf, Maps
from ...framework.paginators import NextUrlInBody
from ...framework.params import WindowParams
from ...framework.records import ISO_DATETIME, Records, snake_case
from ...framework.spec import Cursor, RestStream, Stream

MAX_PAGE = 1000
#: Pardot's business units go back to 2007: a first run reads every record changed since.
BEGINNING = datetime(2007, 1, 1, tzinfo=timezone.utc)
TIME = "%Y-%m-%dT%H:%M:%S+00:00"
PROSPECT_FIELDS = ("id", "isDeleted", "source", "campaignId", "prospectAccountId", "score", "grade", "optedOut",
                   "lastActivityAt", "createdAt", "updatedAt")
CAMPAIGN_FIELDS = ("id", "name", "isDeleted", "folderId", "cost", "parentCampaignId", "salesforceId", "createdAt", "updatedAt")
TIMES = ("last_activity_at", "created_at", "updated_at")


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


def streams(config: PardotConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE
    return [
        v5_objects("prospects", "prospects", PROSPECT_FIELDS, Prospect, size, "Prospects: source, campaign, score, grade; no contact data.",
                   unified=Maps("crm_funnel_daily", date=DayOf("created_at"), lead_source="source", leads_created=COUNT,
                                meanings={"date": "the UTC day the prospect was created", "lead_source": "the prospect's source",
                                          "leads_created": "prospects created"})),
        v5_objects("campaigns", "campaigns", CAMPAIGN_FIELDS, Campaign, size, "Campaigns: name, cost, parent, Salesforce id."),
    ]


connector = declare(
    "pardot", title="Pardot (Account Engagement)", api=API, config=PardotConfig, streams=streams, api_version="v5",
    docs_url="https://developer.salesforce.com/docs/marketing/pardot/guide/version5overview.html", category="crm",
    description="Account Engagement prospects and campaigns by last change (API v5, deletions applied).",
    error_example={"code": 184, "message": "access_token is invalid, unknown, or malformed: Inactive token"},
)
source = source_function(connector)

__all__ = ["connector", "source", "PardotConfig"]
