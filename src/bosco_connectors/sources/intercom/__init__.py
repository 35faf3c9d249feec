"""Intercom: contacts (users and leads) and conversations of Intercom's REST API 2.16, declared.

Reference: https://developers.intercom.com/docs/references/2.16/rest-api/api.intercom.io (version
2.16, sent in the ``Intercom-Version`` header); shapes checked against Intercom's published OpenAPI
description (github.com/intercom/Intercom-OpenAPI ``descriptions/2.16/api.intercom.io.yaml``:
``POST /contacts/search``, ``POST /conversations/search``, schemas ``contact``, ``conversation``,
``cursor_pages``, ``error``).

- Hosts per region: ``https://api.intercom.io`` (US), ``api.eu.intercom.io``, ``api.au.intercom.io``
  (``region``). Auth: a bearer access token (an app's, or OAuth).
- Records by change: the search endpoints, ``{"query": {"operator": "AND", "value":
  [updated_at > from, updated_at < to]}, "sort": {"field": "updated_at", "order": "ascending"},
  "pagination": {"per_page": 150, "starting_after": ...}}`` (Unix seconds); the next page's
  cursor is ``pages.next.starting_after``, absent on the last page. The search index follows
  changes within a minute or so: each run re-reads one hour.
- Personal data: contacts are loaded without name, e-mail, phone, avatar, location, social
  profiles, device details or custom attributes; conversations without their message source
  (body, author) and parts.
- Deletions: Intercom lists no deleted contacts or conversations; a deleted one stays until a
  full resync.
- Errors: ``{"type": "error.list", "request_id", "errors": [{"code", "message"}]}``;
  ``unauthorized``, ``token_revoked``, ``forbidden`` are credential problems, ``rate_limit_exceeded``
  (429) is retried after its reset.

Unified: contacts whose role is ``lead`` count as leads created (their ``created_at``, UTC days)
in ``crm_funnel_daily``.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta, timezone
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from ...framework import Contract, Id, SourceConfig
from ...framework.auth import Bearer
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.facts import COUNT, DayOf, Maps
from ...framework.paginators import CursorInBody
from ...framework.params import EPOCH, WindowParams
from ...framework.records import EPOCH_SECONDS, Records
from ...framework.spec import Cursor, RestStream, Stream

VERSION = "2.16"
MAX_PAGE = 150
#: Intercom opened in 2011: a first run searches every record changed since.
BEGINNING = datetime(2011, 1, 1, tzinfo=timezone.utc)
HOSTS = {"us": "https://api.intercom.io/", "eu": "https://api.eu.intercom.io/", "au": "https://api.au.intercom.io/"}
CONTACT_PERSONAL = ("email", "email_domain", "phone", "name", "avatar", "location", "social_profiles", "custom_attributes",
                    "notes", "tags", "companies", "browser", "browser_version", "browser_language", "os", "android_app_name",
                    "android_app_version", "android_device", "android_os_version", "android_sdk_version", "android_last_seen_at",
                    "ios_app_name", "ios_app_version", "ios_device", "ios_os_version", "ios_sdk_version", "ios_last_seen_at",
                    "language_override", "merge_history", "external_id", "opted_out_subscription_types",
                    "opted_in_subscription_types", "referrer", "enabled_push_messaging")
CONVERSATION_CONTENT = ("source", "contacts", "teammates", "conversation_parts", "custom_attributes", "tags", "linked_objects",
                        "statistics", "conversation_rating", "first_contact_reply", "sla_applied", "topics", "ticket", "ai_agent",
                        "company", "sales_agent", "external_references", "monitor_evaluations", "scorecards", "channel", "title")
CONTACT_TIMES = ("created_at", "updated_at", "signed_up_at", "last_seen_at", "last_replied_at", "last_contacted_at",
                 "last_email_opened_at", "last_email_clicked_at")
CONVERSATION_TIMES = ("created_at", "updated_at", "waiting_since", "snoozed_until")


class IntercomConfig(SourceConfig):
    """Config of the ``intercom`` source (plus the fields every source accepts)."""

    access_token: SecretStr = Field(description="An access token of the workspace (Developer Hub app, or OAuth).")
    region: Literal["us", "eu", "au"] = Field(default="us", description="Where the workspace is hosted: us, eu or au.")
    page_size: int = Field(default=MAX_PAGE, ge=1, le=MAX_PAGE, description="Records per page (at most 150).")
    requests_per_second: float = Field(default=10.0, gt=0, description="Pace; Intercom allows about 1,000 calls a minute per app.")

    @model_validator(mode="after")
    def _host(self) -> "IntercomConfig":
        if self.base_url is None:
            self.base_url = HOSTS[self.region]
        return self


class Contact(Contract):
    """One contact (user or lead), without personal data."""

    id: Id
    workspace_id: str | None = None
    role: str | None = Field(default=None, description="user or lead.")
    owner_id: Id | None = None
    has_hard_bounced: bool | None = None
    marked_email_as_spam: bool | None = None
    unsubscribed_from_emails: bool | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime = Field(description="Last change: the cursor.")
    signed_up_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None
    last_replied_at: dt.datetime | None = None
    last_contacted_at: dt.datetime | None = None
    last_email_opened_at: dt.datetime | None = None
    last_email_clicked_at: dt.datetime | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_content: str | None = None
    utm_term: str | None = None


class Conversation(Contract):
    """One conversation's state and assignment, without its messages."""

    id: Id
    created_at: dt.datetime | None = None
    updated_at: dt.datetime = Field(description="Last change: the cursor.")
    waiting_since: dt.datetime | None = None
    snoozed_until: dt.datetime | None = None
    open: bool | None = None
    state: str | None = Field(default=None, description="open, closed or snoozed.")
    read: bool | None = None
    priority: str | None = None
    admin_assignee_id: Id | None = None
    team_assignee_id: Id | None = None
    ai_agent_participated: bool | None = None


API = Api(
    base_url=HOSTS["us"],
    auth=Bearer("access_token"),
    headers={"Intercom-Version": VERSION},
    errors=ErrorMap(
        "Intercom", code="errors.0.code", message=("errors.0.message",), request_id="request_id",
        codes={"unauthorized": Action.AUTH, "token_revoked": Action.AUTH, "forbidden": Action.AUTH,
               "rate_limit_exceeded": Action.RETRY, "too_many_requests": Action.RETRY, "service_unavailable": Action.RETRY},
        statuses={401: Action.AUTH, 429: Action.RETRY},
        hints={Action.AUTH: "check the access token and its read permissions (contacts, conversations)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
)

WINDOW = WindowParams("query.value.0.value", "query.value.1.value", format=EPOCH, in_body=True)


def search(size: int) -> dict:
    """Changed within the window (`WINDOW` fills both bounds), oldest change first."""
    return {"query": {"operator": "AND", "value": [{"field": "updated_at", "operator": ">", "value": 0},
                                                   {"field": "updated_at", "operator": "<", "value": 0}]},
            "sort": {"field": "updated_at", "order": "ascending"}, "pagination": {"per_page": size}}


def searched(name: str, path: str, records_at: str, drop: tuple[str, ...], times: tuple[str, ...], contract: type, size: int,
             description: str, unified=None) -> RestStream:
    return RestStream(
        name=name, description=description, path=path, method="POST", params=search(size), window=WINDOW,
        paginator=lambda: CursorInBody("pages.next.starting_after", "pagination.starting_after"),
        records=Records(records_at, drop=("type", *drop), formats={t: EPOCH_SECONDS for t in times}),
        contract=contract, primary_key=("id",),
        cursor=Cursor("updated_at", kind="datetime", lookback=timedelta(hours=1), initial=BEGINNING),
        unified=unified,
    )


def streams(config: IntercomConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else MAX_PAGE
    return [
        searched("contacts", "contacts/search", "data", CONTACT_PERSONAL, CONTACT_TIMES, Contact, size,
                 "Contacts (users and leads): role, owner, e-mail status, activity times.",
                 unified=Maps("crm_funnel_daily", date=DayOf("created_at"), lead_source="utm_source", campaign="utm_campaign",
                              leads_created=COUNT, where="role = 'lead'",
                              meanings={"date": "the UTC day the lead was created", "lead_source": "utm_source of the lead's first visit",
                                        "campaign": "utm_campaign of the lead's first visit",
                                        "leads_created": "contacts created with the lead role (visitors who gave an e-mail)"})),
        searched("conversations", "conversations/search", "conversations", CONVERSATION_CONTENT, CONVERSATION_TIMES, Conversation,
                 size, "Conversations: state, priority, assignment, times; no messages."),
    ]


connector = declare(
    "intercom", title="Intercom", api=API, config=IntercomConfig, streams=streams, api_version=VERSION,
    docs_url="https://developers.intercom.com/docs/references/2.16/rest-api/api.intercom.io", category="crm",
    description="Contacts and conversations by last change (search API), without personal data or messages.",
    error_example={"type": "error.list", "request_id": "f0dc95f1-9e46-4e8d-8150-89365c2c5195",
                   "errors": [{"code": "unauthorized", "message": "Access Token Invalid"}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "IntercomConfig"]
