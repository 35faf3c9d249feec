"""Schema contracts of the kit raw tables (Kit's names are snake case already)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from ...framework import Contract, Id


class BroadcastStats(Contract):
    """One broadcast and its stats to date, from GET /v4/broadcasts/stats."""

    id: Id
    subject: str | None = None
    send_at: dt.datetime | None = Field(default=None, description="When the broadcast is or was sent (UTC); null for drafts.")
    recipients: int | None = None
    emails_opened: int | None = Field(default=None, description="Emails opened (each once).")
    total_clicks: int | None = None
    unsubscribes: int | None = None
    open_rate: float | None = Field(default=None, description="As sent by Kit (a ratio); derived from the counts.")
    click_rate: float | None = None
    unsubscribe_rate: float | None = None
    show_total_clicks: bool | None = None
    status: str | None = Field(default=None, description="draft, scheduled, sending, completed... (the broadcast's state).")
    progress: float | None = None
    open_tracking_disabled: bool | None = None
    click_tracking_disabled: bool | None = None
