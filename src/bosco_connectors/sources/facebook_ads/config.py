"""What a Facebook Ads sync needs: a token, the ad accounts, and which actions are conversions.

Validated before any request (`Connector.validate`): a mistyped account id, an unknown
attribution window or a reversed date range fails at once with one readable line.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from ...framework import IdList, SourceConfig
from ...framework.extra_metrics import check_names, extra_metrics_field
#: The Graph API host (one for every Meta source). The SDK appends ``/<version>/<node>/<edge>`` to it.
from ...framework.meta_graph import GRAPH_URL


#: Conversions counted by default (see `conversion_action_types`). ``omni_purchase`` is
#: Meta's de-duplicated purchase count across website, app and offline events, and
#: ``lead`` counts leads from the website pixel and from on-Facebook lead forms.
DEFAULT_CONVERSION_ACTION_TYPES = ("omni_purchase", "lead")

#: ``action_attribution_windows`` values of the Ads Insights API (AdsInsights enum, v26.0).
ATTRIBUTION_WINDOWS = frozenset(
    {
        "1d_click", "7d_click", "28d_click", "1d_view", "7d_view", "28d_view",
        "1d_ev", "1d_sequenced", "7d_sequenced", "28d_sequenced",
        "7d_view_all_conversions", "7d_view_first_conversion",
        "28d_view_all_conversions", "28d_view_first_conversion",
        "dda", "custom",
    }
)

_ACCOUNT_ID = re.compile(r"^(?:act_)?([0-9]{1,20})$")
_ACTION_TYPE = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)*$")


class FacebookAdsConfig(SourceConfig):
    """Config of the ``facebook_ads`` source (plus the fields every source accepts)."""

    access_token: SecretStr = Field(
        description="Marketing API access token (a system-user token with ads_read), sent as the access_token parameter."
    )
    account_ids: IdList = Field(
        min_length=1,
        description="Ad account ids, with or without the 'act_' prefix; a list or one comma-separated string.",
    )
    app_secret: SecretStr | None = Field(
        default=None,
        description="App secret; when given every call carries appsecret_proof (needed if the app requires it).",
    )
    conversion_action_types: list[str] = Field(
        default_factory=lambda: list(DEFAULT_CONVERSION_ACTION_TYPES),
        min_length=1,
        description=(
            "Action types summed into the conversions / conversion_value columns, each also loaded as its own "
            "column. Meta reports one event under several roll-up types (omni_purchase includes purchase and "
            "offsite_conversion.fb_pixel_purchase), so list types that do not overlap."
        ),
    )
    action_attribution_windows: list[str] | None = Field(
        default=None,
        description="Attribution windows asked for besides the fixed 1d_click, 7d_click, 28d_click and 1d_view "
        "(each loaded as conversions_<window> and conversion_value_<window>; conversions stays the ad set's setting).",
    )
    extra_metrics: list[str] = extra_metrics_field("Meta insights (fields of the Ads Insights reference, e.g. purchase_roas)")
    page_size: int = Field(default=500, ge=1, le=5000, description="The 'limit' of each page of objects and insights rows.")
    job_deadline_seconds: float = Field(
        default=3600.0, ge=1, le=6 * 3600, description="How long one async insights job may run before it is started again."
    )
    job_attempts: int = Field(default=2, ge=1, le=5, description="How many times a failed or late insights job is started.")

    @field_validator("account_ids")
    @classmethod
    def _numeric(cls, value: list[str]) -> list[str]:
        ids, bad = [], []
        for item in value:
            match = _ACCOUNT_ID.match(item)
            if match:
                ids.append(match.group(1))
            else:
                bad.append(item)
        if bad:
            raise ValueError(f"ad account ids are numbers, optionally prefixed 'act_'; not valid: {', '.join(bad[:5])}")
        return list(dict.fromkeys(ids))  # stored without the prefix, duplicates dropped

    @field_validator("conversion_action_types")
    @classmethod
    def _action_types(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _ACTION_TYPE.match(v)]
        if bad:
            raise ValueError(f"action types look like 'omni_purchase' or 'offsite_conversion.fb_pixel_lead'; not valid: {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))

    @field_validator("extra_metrics")
    @classmethod
    def _extra_metrics(cls, value: list[str]) -> list[str]:
        from .insights import LEVEL_FIELDS, METRIC_FIELDS, published_fields

        read = {*METRIC_FIELDS, *(f for fields in LEVEL_FIELDS.values() for f in fields), "date_start", "date_stop"}
        return check_names(value, vendor="Meta insights", known=published_fields(), already=read)

    @field_validator("action_attribution_windows")
    @classmethod
    def _windows(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = sorted(set(value) - ATTRIBUTION_WINDOWS)
        if unknown or not value:
            raise ValueError(f"unknown attribution window(s) {unknown}; known: {', '.join(sorted(ATTRIBUTION_WINDOWS))}")
        return list(dict.fromkeys(value))

    @field_validator("base_url")
    @classmethod
    def _graph_root(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError("base_url is the Graph API root, e.g. https://graph.facebook.com (no version, no query)")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _range(self) -> "FacebookAdsConfig":
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self
