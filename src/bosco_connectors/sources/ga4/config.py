"""What a GA4 sync needs to know: which property, which credential, which reports.

Validated before any request, so a measurement id pasted where the property id belongs,
two credentials at once, or a malformed metric name fails at once with one line.
Exactly one credential: an OAuth refresh token of a Google user with access to the
property (``client_id`` + ``client_secret`` + ``refresh_token``), or a service account's
JSON key (``service_account_key``: the file's contents or its path), whose e-mail must be
a Viewer of the property.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from ...framework import SourceConfig
from ...framework.auth import OneOf, RefreshToken, ServiceAccount

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
#: Read-only access to Google Analytics data, the narrowest scope runReport accepts.
ANALYTICS_READONLY_SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
#: runReport returns at most 250,000 rows per request; a request names up to 9 dimensions and 10 metrics.
MAX_PAGE_SIZE, MAX_DIMENSIONS, MAX_METRICS = 250_000, 9, 10
#: API names: ``sessionSource``, or custom ones such as ``customEvent:plan_type`` (scope, colon, name).
API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(:[A-Za-z0-9_]+)?$")
REPORT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
BUILTIN_REPORTS = ("traffic_daily", "landing_pages_daily")
#: A service account's key, or a Google user's refresh token: exactly one.
CREDENTIAL = OneOf(ServiceAccount(GOOGLE_TOKEN_URL, scope=ANALYTICS_READONLY_SCOPE, extra="ga4"),
                   RefreshToken(GOOGLE_TOKEN_URL, scope=ANALYTICS_READONLY_SCOPE))


def column_name(api_name: str) -> str:
    """The raw column of an API name, as dlt names it: ``customEvent:plan_type`` -> ``custom_event_plan_type``."""
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    return NamingConvention().normalize_identifier(api_name)


class ReportDefinition(BaseModel):
    """A user-defined report: stream ``<name>`` (raw table ``ga4_<name>``); ``date`` is always
    its first dimension (the cursor, and part of the primary key)."""

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
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("dimensions", "metrics")
    @classmethod
    def _api_names(cls, value: list[str]) -> list[str]:
        if legacy := [v for v in value if v.startswith("ga:")]:
            raise ValueError(f"not GA4 API names: {', '.join(map(repr, legacy[:5]))} are Universal Analytics names; "
                             "GA4 names have no 'ga:' prefix (e.g. 'sessionSource')")
        if bad := [v for v in value if not API_NAME.match(v)]:
            raise ValueError(f"not GA4 API names: {', '.join(map(repr, bad[:5]))} "
                             "(expected e.g. 'sessionSource' or 'customEvent:plan_type'; see the API schema)")
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
        if both := sorted(set(self.dimensions) & set(self.metrics)):
            raise ValueError(f"{', '.join(both)} cannot be both a dimension and a metric")
        columns = [column_name(n) for n in (*self.dimensions, *self.metrics)]
        if clashes := sorted({c for c in columns if columns.count(c) > 1} | ({"property_id", "currency_code", "tenant_id"} & set(columns))):
            raise ValueError(f"names map to the same or a reserved column: {', '.join(clashes)}")
        return self


class Ga4Config(SourceConfig):
    """Config of the ``ga4`` source (plus the fields every source accepts)."""

    property_id: str = Field(description="Numeric GA4 property id (Admin > Property settings), e.g. 123456789.")
    client_id: str | None = Field(default=None, description="OAuth client id (refresh-token auth).")
    client_secret: SecretStr | None = Field(default=None, description="OAuth client secret (refresh-token auth).")
    refresh_token: SecretStr | None = Field(default=None, description="OAuth refresh token with the analytics.readonly scope.")
    service_account_key: SecretStr | None = Field(
        default=None, description="Service account JSON key: the file's contents or its path (service-account auth).")
    token_url: str | None = Field(default=None, description="Override the OAuth token endpoint (default: Google's, or the key's token_uri).")
    reports: list[ReportDefinition] = Field(
        default_factory=list, description="Extra reports, each {name, dimensions, metrics}: one stream per report.")
    page_size: int = Field(default=100_000, ge=1, le=MAX_PAGE_SIZE, description="Rows per runReport request (limit).")
    window_days: int = Field(default=30, ge=1, le=3650, description="Days per runReport date range.")
    extra_metrics: list[str] = Field(
        default_factory=list,
        description="More GA4 metrics for traffic_daily and landing_pages_daily, one column each (API names of the "
        "Data API schema, e.g. averageSessionDuration, or customEvent:<parameter>; at most 2: a request has 10 metrics).")
    quota_reserve_tokens: int = Field(default=500, ge=0, description="Pause when fewer hourly quota tokens than this remain.")
    quota_pause_seconds: float = Field(
        default=60.0, ge=0, le=3600, description="How long to pause all requests when the hourly quota runs low.")

    @field_validator("property_id", mode="before")
    @classmethod
    def _property(cls, value: Any) -> Any:
        if not isinstance(value, (str, int)):
            return value
        text = str(value).strip().removeprefix("properties/")
        if text.upper().startswith(("G-", "UA-")):
            raise ValueError(f"'{text}' is a measurement/tracking id; the property id is the number under "
                             "Admin > Property settings (e.g. 123456789)")
        if not re.fullmatch(r"[0-9]{1,20}", text):
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
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"report names must be unique: {', '.join(dupes)}")
        return value

    @field_validator("extra_metrics", mode="before")
    @classmethod
    def _split_metrics(cls, value: Any) -> Any:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("extra_metrics")
    @classmethod
    def _extra_metrics(cls, value: list[str]) -> list[str]:
        from .api_schema import unknown_metrics
        from .contracts import BUILTIN_METRICS

        names = [n for n in dict.fromkeys(v.strip() for v in value if v.strip()) if n not in BUILTIN_METRICS]
        if unknown := unknown_metrics(names):
            raise ValueError(f"not in the GA4 Data API schema's metrics: {', '.join(unknown[:5])} "
                             "(API names, e.g. 'averageSessionDuration' or 'customEvent:plan_type')")
        if len(BUILTIN_METRICS) + len(names) > MAX_METRICS:
            raise ValueError(f"at most {MAX_METRICS - len(BUILTIN_METRICS)} extra metrics: the built-in reports ask for "
                             f"{len(BUILTIN_METRICS)} and a runReport request names at most {MAX_METRICS}")
        return names

    @model_validator(mode="after")
    def _one_credential(self) -> "Ga4Config":
        if problem := CREDENTIAL.problem(self):
            raise ValueError(problem)
        return self
