"""Schema contracts of the mailchimp raw tables.

Fields keep Mailchimp's names. A campaign report's nested ``bounces``, ``opens``, ``clicks``
and ``ecommerce`` objects are moved up (their field names do not collide), so the report
row reads ``opens_total``, ``unique_subscriber_clicks``, ``total_revenue``. Money
(``total_revenue``, ``total_spent``) is a JSON number in currency units of
``currency_code``: exact decimals here. Timestamps are ISO 8601 with an offset; Mailchimp
writes ``""`` for one that is not set (a draft's ``send_time``), loaded as NULL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from ...framework import Contract, Id


class Account(Contract):
    """The account behind the API key, from GET / (the API root), with the fields asked for."""

    account_id: Id
    account_name: str | None = None
    account_industry: str | None = None
    account_timezone: str | None = Field(default=None, description="The account's time zone: campaign reports' send days are local to it.")
    member_since: dt.datetime | None = None
    pricing_plan_type: str | None = None
    pro_enabled: bool | None = None
    total_subscribers: int | None = None


class AudienceList(Contract):
    """One list (audience), from GET /lists; ``stats`` stays an object (stats__member_count...)."""

    id: Id
    web_id: int | None = None
    name: str | None = None
    date_created: dt.datetime | None = None
    list_rating: int | None = None
    double_optin: bool | None = None


class Campaign(Contract):
    """One campaign, from GET /campaigns; ``recipients`` and ``settings`` moved up."""

    id: Id
    web_id: int | None = None
    type: str | None = Field(default=None, description="regular, plaintext, absplit, rss or variate.")
    status: str | None = Field(default=None, description="save, paused, schedule, sending, sent...")
    create_time: dt.datetime | None = None
    send_time: dt.datetime | None = None
    emails_sent: int | None = None
    content_type: str | None = None
    parent_campaign_id: Id | None = None
    list_id: Id | None = None
    list_name: str | None = None
    recipient_count: int | None = None
    title: str | None = None
    subject_line: str | None = None


class CampaignReport(Contract):
    """One sent campaign's report (totals to date), from GET /reports."""

    id: Id = Field(description="The campaign's id.")
    campaign_title: str | None = None
    type: str | None = None
    list_id: Id | None = None
    list_name: str | None = None
    subject_line: str | None = None
    send_time: dt.datetime = Field(description="When the campaign was sent (the row's send day is this day in the account's zone).")
    rss_last_send: dt.datetime | None = Field(default=None, description="RSS campaigns: the last send.")
    emails_sent: int | None = None
    abuse_reports: int | None = None
    unsubscribed: int | None = None
    hard_bounces: int | None = None
    soft_bounces: int | None = None
    syntax_errors: int | None = None
    opens_total: int | None = None
    unique_opens: int | None = None
    open_rate: float | None = None
    proxy_excluded_opens: int | None = None
    proxy_excluded_unique_opens: int | None = None
    last_open: dt.datetime | None = None
    clicks_total: int | None = None
    unique_clicks: int | None = None
    unique_subscriber_clicks: int | None = None
    click_rate: float | None = None
    last_click: dt.datetime | None = None
    total_orders: int | None = None
    total_spent: Decimal | None = Field(default=None, description="Order totals with no deductions, in `currency_code`.")
    total_revenue: Decimal | None = Field(default=None, description="Order totals minus shipping and tax, in `currency_code`.")
    currency_code: str | None = None
