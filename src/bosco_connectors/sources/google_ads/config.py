"""What a Google Ads sync needs: OAuth2 credentials, a developer token, and which accounts.

Accounts are given either as ``customer_ids`` or found by walking a manager account
(``login_customer_id``): every enabled, non-manager client below it is read. When both
are set, ``login_customer_id`` is the manager through which the listed customers are
accessed (sent as the ``login-customer-id`` header). Customer ids are accepted as Google
shows them (``123-456-7890``) and normalised to digits.

Validated before any request (`Connector.validate`).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from ...framework import SourceConfig, comma_list
from ...framework.extra_metrics import check_names, extra_metrics_field

#: Google's OAuth 2.0 token endpoint (https://developers.google.com/identity/protocols/oauth2/web-server#offline).
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
DEFAULT_WINDOW_DAYS = 90

_DIGITS = re.compile(r"^[0-9]{1,20}$")


def _customer_id(value: Any) -> str:
    text = str(value).strip().replace("-", "")
    if not _DIGITS.match(text):
        raise ValueError("customer ids are digits, optionally written 123-456-7890")
    return text


class GoogleAdsConfig(SourceConfig):
    """Config of the ``google_ads`` source (plus the fields every source accepts)."""

    developer_token: SecretStr | None = Field(
        default=None,
        description="Deprecated: Google sunset developer tokens on 2026-09-09 (API access now belongs to the OAuth "
        "client's Google Cloud project); sent as the developer-token header only when set, which Google ignores.",
    )
    client_id: str = Field(min_length=1, description="OAuth 2.0 client id of your Google Cloud project.")
    client_secret: SecretStr = Field(description="OAuth 2.0 client secret.")
    refresh_token: SecretStr = Field(description="OAuth 2.0 refresh token with the https://www.googleapis.com/auth/adwords scope.")
    login_customer_id: str | None = Field(
        default=None,
        description="Manager (MCC) account to access clients through (login-customer-id header); "
        "without customer_ids, every enabled non-manager client below it is read.",
    )
    customer_ids: list[str] | None = Field(
        default=None, description="Client accounts to read; a list or one comma-separated string."
    )
    transport: Literal["rest", "grpc"] = Field(
        default="rest", description="'rest' (httpx, default) or 'grpc' (the official google-ads SDK, extra 'google-ads')."
    )
    token_url: str = Field(default=GOOGLE_TOKEN_URL, description="OAuth 2.0 token endpoint (override for sandboxes).")
    grpc_endpoint: str | None = Field(
        default=None, description="host:port for the gRPC transport (default googleads.googleapis.com)."
    )
    window_days: int = Field(
        default=DEFAULT_WINDOW_DAYS, ge=1, le=366, description="Days per report request (the date range is stepped)."
    )

    extra_metrics: list[str] = extra_metrics_field("Google Ads (GAQL metrics of API v26, e.g. engagements or metrics.engagements)")

    @field_validator("extra_metrics")
    @classmethod
    def _extra_metrics(cls, value: list[str]) -> list[str]:
        from .metrics_v26 import ALL
        from .streams import METRICS, SEARCH_IMPRESSION_SHARE, UNIFIED_METRICS

        names = [str(n).strip().removeprefix("metrics.") for n in value]
        read = {f.column for f in (*METRICS, *UNIFIED_METRICS, SEARCH_IMPRESSION_SHARE)}
        return check_names(names, vendor="Google Ads v26 Metrics", known=ALL, already=read)

    @field_validator("login_customer_id", mode="before")
    @classmethod
    def _manager(cls, value: Any) -> Any:
        return None if value in (None, "") else _customer_id(value)

    @field_validator("customer_ids", mode="before")
    @classmethod
    def _customers(cls, value: Any) -> Any:
        value = comma_list(value)
        if isinstance(value, list):
            return list(dict.fromkeys(_customer_id(v) for v in value))  # drop duplicates, keep order
        return value

    @model_validator(mode="after")
    def _accounts_and_range(self) -> "GoogleAdsConfig":
        if not self.customer_ids and not self.login_customer_id:
            raise ValueError(
                "set customer_ids, or login_customer_id (a manager account) to read all of its client accounts"
            )
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self
