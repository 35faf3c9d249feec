"""Schema contracts of the mailjet raw tables.

Mailjet's PascalCase names land in snake case (``SendStartAt`` as ``send_start_at``,
``SourceID`` as ``source_id``); types follow Mailjet's own SDK typings.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from ...framework import Contract, Id


class Campaign(Contract):
    """One sent campaign, from GET /v3/REST/campaign (SentCampaign.Campaign)."""

    id: Id
    is_deleted: bool | None = None
    is_starred: bool | None = None
    campaign_type: int | None = Field(default=None, description="1 transactional, 2 marketing, 3 unknown.")
    created_at: dt.datetime | None = None
    custom_value: str | None = None
    first_message_id: Id | None = None
    from_email: str | None = None
    from_id: Id | None = None
    from_name: str | None = None
    has_html_count: int | None = None
    has_txt_count: int | None = None
    list_id: Id | None = None
    news_letter_id: Id | None = None
    segmentation_id: Id | None = None
    send_end_at: dt.datetime | None = None
    send_start_at: dt.datetime | None = Field(default=None, description="When sending started (UTC); the unified day.")
    spamass_score: float | None = None
    subject: str | None = None
    workflow_id: Id | None = Field(default=None, description="The automation workflow that sent it (0: none).")


class CampaignStats(Contract):
    """One campaign's lifetime counters by message, from GET /v3/REST/statcounters (StatCounter)."""

    source_id: Id = Field(description="The campaign's id.")
    api_key_id: Id | None = None
    timeslice: str | None = Field(default=None, description="Empty for lifetime counters.")
    total: int | None = Field(default=None, description="Processed emails.")
    message_sent_count: int | None = Field(default=None, description="Delivered: accepted by the recipient's server.")
    message_opened_count: int | None = Field(default=None, description="Unique opens (messages opened).")
    message_clicked_count: int | None = Field(default=None, description="Messages with at least one click.")
    message_blocked_count: int | None = None
    message_deferred_count: int | None = None
    message_hard_bounced_count: int | None = None
    message_soft_bounced_count: int | None = None
    message_queued_count: int | None = None
    message_spam_count: int | None = None
    message_unsubscribed_count: int | None = None
    message_work_flow_exited_count: int | None = None
    event_opened_count: int | None = Field(default=None, description="Every open, repeated opens included.")
    event_clicked_count: int | None = Field(default=None, description="Every click.")
    event_open_delay: int | None = None
    event_click_delay: int | None = None
    event_spam_count: int | None = None
    event_unsubscribed_count: int | None = None
    event_workflow_exited_count: int | None = None
