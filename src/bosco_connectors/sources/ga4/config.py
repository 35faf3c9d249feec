"""What a GA4 sync needs to know: which property, which credential, which reports.

Validated before any request (`Connector.validate`), so a measurement id pasted where
the property id belongs, two credentials at once, or a report with a malformed metric
name fails at once with one readable line.

Two ways to authenticate, exactly one of them per config:

- an OAuth2 refresh token of a Google user with access to the property
  (``client_id`` + ``client_secret`` + ``refresh_token``), exchanged at Google's token
  endpoint for short-lived access tokens;
- a service account's JSON key (``service_account_key``: the file's contents, or a path to
  the file), exchanged with a signed JWT (RFC 7523) at the key's ``token_uri``. The
  service account's e-mail must be added as a Viewer of the GA4 property.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from ...framework import SourceConfig

#: Google's OAuth 2.0 token endpoint (refresh-token and JWT-bearer grants).
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
#: Read-only access to Google Analytics data, the narrowest scope runReport accepts.
ANALYTICS_READONLY_SCOPE = "https://www.googleapis.com/auth/analytics.readonly"

#: runReport returns at most 250,000 rows per request, whatever ``limit`` asks for.
MAX_PAGE_SIZE = 250_000
DEFAULT_PAGE_SIZE = 100_000
#: GA4 data is not final for about 48 hours; re-read three days on every run.
DEFAULT_LOOKBACK_DAYS = 3
DEFAULT_WINDOW_DAYS = 30
#: A report request may name up to 9 dimensions and 10 metrics.
MAX_DIMENSIONS = 9
MAX_METRICS = 10
#: Standard properties may run 10 concurrent requests (Analytics 360: 50).
MAX_CONCURRENT_REQUESTS = 10

#: API names: ``sessionSource``, or custom definitions such as ``customEvent:plan_type``
#: and ``keyEvents:purchase`` (a scope prefix, a colon, the parameter or event name).
API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(:[A-Za-z0-9_]+)?$")
REPORT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_PROPERTY_ID = re.compile(r"^[0-9]{1,20}$")

#: Stream names of the built-in reports; a user-defined report may not reuse them.
BUILTIN_REPORTS = ("traffic_daily", "landing_pages_daily")


def column_name(api_name: str) -> str:
    """The raw-table column of a GA4 API name, exactly as dlt names it:
    ``sessionCampaignName`` -> ``session_campaign_name``, ``customEvent:plan_type`` -> ``custom_event_plan_type``."""
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    return NamingConvention().normalize_identifier(api_name)


class ReportDefinition(BaseModel):
    """A user-defined report: one stream ``<name>`` (raw table ``ga4_<name>``).

    ``date`` is always a dimension (added first when missing): it is the stream's
    incremental cursor and part of its primary key.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(description="Stream name: lowercase letters, digits and underscores.")
    dimensions: list[str] = Field(default_factory=list, description="GA4 dimension API names (up to 9, date included).")
    metrics: list[str] = Field(min_length=1, description="GA4 metric API names (1 to 10).")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not REPORT_NAME.match(value):
            raise ValueError("report names are lowercase letters, digits and underscores, starting with a letter")
        if value in BUILTIN_REPORTS:
            raise ValueError(f"'{value}' is a built-in report; choose another name")
        return value

    @field_validator("dimensions", "metrics", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("dimensions", "metrics")
    @classmethod
    def _api_names(cls, value: list[str]) -> list[str]:
        legacy = [v for v in value if v.startswith("ga:")]
        if legacy:
            raise ValueError(
                f"not GA4 API names: {', '.join(repr(b) for b in legacy[:5])} are Universal Analytics names; "
                "GA4 names have no 'ga:' prefix (e.g. 'sessionSource')"
            )
        bad = [v for v in value if not API_NAME.match(v)]
        if bad:
            raise ValueError(
                f"not GA4 API names: {', '.join(repr(b) for b in bad[:5])} "
                "(expected e.g. 'sessionSource' or 'customEvent:plan_type'; see the API schema)"
            )
        if len(set(value)) != len(value):
            raise ValueError("names must not repeat")
        return value

    @model_validator(mode="after")
    def _shape(self) -> "ReportDefinition":
        if "date" not in self.dimensions:
            self.dimensions = ["date", *self.dimensions]
        if len(self.dimensions) > MAX_DIMENSIONS:
            raise ValueError(f"a report may have at most {MAX_DIMENSIONS} dimensions, date included")
        if len(self.metrics) > MAX_METRICS:
            raise ValueError(f"a report may have at most {MAX_METRICS} metrics")
        both = sorted(set(self.dimensions) & set(self.metrics))
        if both:
            raise ValueError(f"{', '.join(both)} cannot be both a dimension and a metric")
        columns = [column_name(n) for n in (*self.dimensions, *self.metrics)]
        clashes = sorted({c for c in columns if columns.count(c) > 1} | ({"property_id", "currency_code", "tenant_id"} & set(columns)))
        if clashes:
            raise ValueError(f"names map to the same or a reserved column: {', '.join(clashes)}")
        return self


class ServiceAccountKey(BaseModel):
    """The fields of a Google service-account JSON key that the JWT-bearer grant uses."""

    model_config = ConfigDict(extra="ignore")

    type: str
    client_email: str
    private_key: SecretStr
    private_key_id: str | None = None
    token_uri: str = GOOGLE_TOKEN_URL


def parse_service_account_key(raw: str) -> ServiceAccountKey:
    """Read a key from its JSON text or from a path to the key file; never echo its content."""
    text = raw.strip()
    if not text.startswith("{"):
        path = Path(text).expanduser()
        if not path.is_file():
            raise ValueError("is neither the JSON key itself nor the path of a readable key file")
        text = path.read_text()
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError("is not valid JSON (expected the service account's key file)") from None
    if not isinstance(data, dict):
        raise ValueError("is not a JSON object (expected the service account's key file)")
    missing = [k for k in ("type", "client_email", "private_key") if not data.get(k)]
    if missing:
        raise ValueError(f"lacks {', '.join(missing)} (expected a service account key file)")
    if data["type"] != "service_account":
        raise ValueError(f"has type '{data['type']}', expected 'service_account'")
    if "PRIVATE KEY-----" not in str(data["private_key"]):
        raise ValueError("has a private_key that is not a PEM private key")
    return ServiceAccountKey.model_validate(data)


class Ga4Config(SourceConfig):
    """Config of the ``ga4`` source (plus the fields every source accepts)."""

    property_id: str = Field(description="Numeric GA4 property id (Admin > Property settings), e.g. 123456789.")
    client_id: str | None = Field(default=None, description="OAuth client id (refresh-token auth).")
    client_secret: SecretStr | None = Field(default=None, description="OAuth client secret (refresh-token auth).")
    refresh_token: SecretStr | None = Field(default=None, description="OAuth refresh token with the analytics.readonly scope.")
    service_account_key: SecretStr | None = Field(
        default=None, description="Service account JSON key: the file's contents or its path (service-account auth)."
    )
    token_url: str | None = Field(
        default=None, description="Override the OAuth token endpoint (default: Google's, or the key's token_uri)."
    )
    reports: list[ReportDefinition] = Field(
        default_factory=list, description="Extra reports, each {name, dimensions, metrics}: one stream per report."
    )
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per runReport request (limit).")
    window_days: int = Field(default=DEFAULT_WINDOW_DAYS, ge=1, le=3650, description="Days per runReport date range.")
    quota_reserve_tokens: int = Field(
        default=500, ge=0, description="Pause when fewer hourly quota tokens than this remain."
    )
    quota_pause_seconds: float = Field(
        default=60.0, ge=0, le=3600, description="How long to pause all requests when the hourly quota runs low."
    )

    @field_validator("property_id", mode="before")
    @classmethod
    def _property(cls, value: Any) -> Any:
        text = str(value).strip() if isinstance(value, (str, int)) else value
        if isinstance(text, str):
            text = text.removeprefix("properties/")
            if text.upper().startswith(("G-", "UA-")):
                raise ValueError(
                    f"'{text}' is a measurement/tracking id; the property id is the number under "
                    "Admin > Property settings (e.g. 123456789)"
                )
            if not _PROPERTY_ID.match(text):
                raise ValueError("must be the numeric GA4 property id, e.g. 123456789")
        return text

    @field_validator("reports", mode="before")
    @classmethod
    def _reports(cls, value: Any) -> Any:
        if isinstance(value, str):  # env vars and CLI flags give JSON text
            try:
                return json.loads(value)
            except ValueError:
                raise ValueError("must be a list of {name, dimensions, metrics} (JSON text accepted)") from None
        if isinstance(value, dict):  # TOML tables: {name: {dimensions, metrics}}
            return [{"name": k, **v} if isinstance(v, dict) else v for k, v in value.items()]
        return value

    @field_validator("reports")
    @classmethod
    def _unique_reports(cls, value: list[ReportDefinition]) -> list[ReportDefinition]:
        names = [r.name for r in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"report names must be unique: {', '.join(dupes)}")
        return value

    @model_validator(mode="after")
    def _one_auth_method(self) -> "Ga4Config":
        oauth = {"client_id": self.client_id, "client_secret": self.client_secret, "refresh_token": self.refresh_token}
        given = [k for k, v in oauth.items() if v]
        if given and self.service_account_key:
            raise ValueError(
                "give one auth method: either client_id/client_secret/refresh_token or service_account_key, not both"
            )
        if not given and not self.service_account_key:
            raise ValueError(
                "no credential: give client_id, client_secret and refresh_token (OAuth), or service_account_key"
            )
        if given and len(given) < 3:
            missing = [k for k in oauth if k not in given]
            raise ValueError(f"refresh-token auth needs {', '.join(missing)} too")
        if self.service_account_key:
            try:
                parse_service_account_key(self.service_account_key.get_secret_value())
            except ValueError as exc:
                raise ValueError(f"service_account_key {exc}") from None
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self

    @property
    def uses_service_account(self) -> bool:
        return self.service_account_key is not None

    def service_account(self) -> ServiceAccountKey:
        assert self.service_account_key is not None
        return parse_service_account_key(self.service_account_key.get_secret_value())
