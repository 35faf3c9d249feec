"""Schema contracts of the mailerlite raw tables (MailerLite's names are snake case already)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from ...framework import Contract, Id


class Campaign(Contract):
    """One sent campaign and its totals to date (its ``stats`` counts), from GET /api/campaigns."""

    id: Id
    account_id: Id | None = None
    name: str | None = None
    type: str | None = Field(default=None, description="regular, ab, resend or rss.")
    status: str | None = None
    delivery_schedule: str | None = None
    language_id: Id | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    scheduled_for: dt.datetime | None = None
    queued_at: dt.datetime | None = None
    started_at: dt.datetime | None = Field(default=None, description="As MailerLite writes it (no zone is stated).")
    finished_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None
    default_email_id: Id | None = None
    sent: int | None = None
    opens_count: int | None = Field(default=None, description="Every open.")
    unique_opens_count: int | None = None
    clicks_count: int | None = None
    unique_clicks_count: int | None = None
    unsubscribes_count: int | None = None
    spam_count: int | None = None
    hard_bounces_count: int | None = None
    soft_bounces_count: int | None = None
    forwards_count: int | None = None
    used_in_automations: bool | None = None
    type_for_humans: str | None = None
    is_stopped: bool | None = None
    has_winner: bool | None = Field(default=None, description="A/B campaigns only.")
    winner_version_for_human: str | None = None
    winner_sending_time_for_humans: str | None = None
    winner_selected_manually_at: dt.datetime | None = None
    uses_ecommerce: bool | None = None
    uses_survey: bool | None = None
    can_be_scheduled: bool | None = None
    initial_created_at: dt.datetime | None = None
    is_currently_sending_out: bool | None = None
