"""`Connector`: the description of one source that the registry, CLI and test kit read.

A source module builds one `Connector` (API name, version, docs URL, config model,
client factory, streams) and a plain ``@dlt.source`` function that calls
`Connector.resources`. Everything else (listing, validation, the conformance kit,
the demo) works from this object without knowing the vendor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, Mapping

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from .errors import ConfigError
from .ids import to_id
from .redaction import register_secret
from .spec import Cursor, Stream, utc_today
from .tenants import check_tenant_id

if TYPE_CHECKING:
    from dlt.extract.resource import DltResource

    from .http import ApiClient
    from .ratelimit import AppLimits


def comma_list(value: Any) -> Any:
    """Accept a list, or one comma-separated string (env vars and CLI flags give one string),
    with ids often pasted as numbers: always a list of stripped strings, numbers under the
    one id rule (`ids.to_id`)."""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return [to_id(part.strip()) for part in str(value).split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return [to_id(v.strip() if isinstance(v, str) else v) for v in value]
    return value


#: A list of account/advertiser ids given as a list or a comma-separated string.
IdList = Annotated[list[str], BeforeValidator(comma_list)]


def not_in_the_future(value: date, name: str) -> date:
    """Refuse a start date after tomorrow (UTC): a first run would save it as the cursor,
    and every later run would read nothing, even after the config is fixed."""
    if value > utc_today() + timedelta(days=1):
        raise ValueError(f"{name} {value} is in the future (the latest allowed is tomorrow, UTC)")
    return value


def _default_start() -> date:
    return utc_today() - timedelta(days=30)


class SourceConfig(BaseModel):
    """Fields every source accepts. Sources subclass this with their own credentials."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    start_date: date = Field(default_factory=_default_start, description="First day to read on a first run.")
    end_date: date | None = Field(default=None, description="Last day to read (default: today, UTC).")
    lookback_days: int | None = Field(
        default=None, ge=0, le=400, description="Override each date cursor's look-back window (days)."
    )
    base_url: str | None = Field(default=None, description="Override the API base URL (sandbox, region, tests).")
    max_workers: int = Field(default=4, ge=1, le=64, description="Partitions read concurrently.")
    stream_deadline_minutes: float = Field(
        default=360, gt=0, le=7 * 24 * 60,
        description="A stream still reading after this long fails (nothing of it loaded, cursor kept): "
        "no API can hold a run, and the run lock, for ever.",
    )

    @field_validator("start_date")
    @classmethod
    def _not_in_the_future(cls, value: date) -> date:
        return not_in_the_future(value, "start_date")

    @model_validator(mode="after")
    def _dates_in_order(self) -> "SourceConfig":
        # Every source needs this; without it a reversed range silently reads nothing.
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self


def _render_validation_error(source: str, exc: ValidationError) -> str:
    """One line per field, never echoing the input (it may be a secret)."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "config"
        parts.append(f"'{loc}': {err['msg']}")
    return "invalid config: " + "; ".join(parts)


@dataclass
class Connector:
    """One source: what it is, how to reach it, what it loads."""

    name: str
    title: str
    api_version: str
    docs_url: str
    category: str
    config_model: type[SourceConfig]
    client_factory: Callable[[Any], "ApiClient"]
    streams: list[Stream]
    #: ``module:Class`` of the fake API app serving this vendor (demo, tests, bench).
    #: The app's ``source_config(root_url)`` gives config that points this source at it.
    sandbox: str | None = None
    #: Builds streams dynamically from config (e.g. user-defined reports); defaults to `streams`.
    streams_for: Callable[[Any], list[Stream]] | None = None
    description: str = ""
    extras: tuple[str, ...] = field(default_factory=tuple)
    #: The extras it cannot run without (a vendor SDK it always uses): without them, a sync
    #: or ``source(...)`` fails at once with the line that installs them (framework/extras.py).
    #: `extras` also lists those that only some configurations need.
    required_extras: tuple[str, ...] = field(default_factory=tuple)
    #: The vendor's documented error body (a non-retryable one, copied from its API
    #: reference), for a source without documented fixtures: the conformance kit answers
    #: every request with its fixtures' auth-error body, else with this, under HTTP 200 and
    #: expects the sync to fail with the vendor's message: an error body is never an
    #: empty page, whatever the status code.
    error_example: Mapping[str, Any] | None = None
    #: The last day the vendor supports `api_version` (its announced or documented sunset;
    #: None when the vendor has announced none), and the page that says so. A test fails
    #: once today is past it: vendors move, and a sunset version fails every request.
    supported_until: date | None = None
    support_policy: str = ""
    #: The folder of its documented fixtures (``fixtures.json``, ``bodies/``, ``SOURCES.md``);
    #: None: ``cassettes/<name>/`` of this repository. A source packaged elsewhere keeps
    #: them in its own package and names the folder here.
    fixtures_dir: Path | None = None
    #: What the vendor allows the developer app (or cloud project) in total, across every
    #: tenant and worker (None: the vendor counts per credential, account or store only,
    #: which one sync's own limiter already respects). Shared by `orchestration.prefect`.
    app_limits: "AppLimits | None" = None

    # -- config ------------------------------------------------------------------------

    def validate(self, config: Mapping[str, Any] | SourceConfig) -> SourceConfig:
        """Validate config before any request; raise `ConfigError` with a readable line."""
        if isinstance(config, self.config_model):
            validated = config
        else:
            try:
                validated = self.config_model.model_validate(dict(config))
            except ValidationError as exc:
                raise ConfigError(_render_validation_error(self.name, exc), source=self.name) from None
        for value in validated.__dict__.values():
            if isinstance(value, SecretStr):
                register_secret(value)
        return validated

    def client(self, config: SourceConfig) -> "ApiClient":
        return self.client_factory(config)

    def active_streams(self, config: SourceConfig | None = None) -> list[Stream]:
        if config is not None and self.streams_for is not None:
            return self.streams_for(config)
        return self.streams

    def stream(self, name: str) -> Stream:
        for stream in self.streams:
            if stream.name == name:
                return stream
        raise ConfigError(f"unknown stream '{name}' (known: {', '.join(s.name for s in self.streams)})", source=self.name)

    def table_name(self, stream: Stream | str) -> str:
        """Raw tables are prefixed with the source so all sources can share one RAW schema."""
        return f"{self.name}_{stream if isinstance(stream, str) else stream.name}"

    # -- dlt -----------------------------------------------------------------------------

    def resources(
        self,
        config: Mapping[str, Any] | SourceConfig,
        *,
        tenant_id: str = "default",
        streams: list[str] | None = None,
        backfill_start: date | None = None,
        backfill_end: date | None = None,
        client: "ApiClient | None" = None,
    ) -> list["DltResource"]:
        """The dlt resources for this source; what a ``@dlt.source`` function returns.

        Pass ``client`` to share one client (and its request counters) with the caller.
        """
        from .resources import build_resources

        from .extras import check_extras

        check_extras(self)  # one line naming the extra, not an SDK's ImportError deep in a request
        check_tenant_id(tenant_id, where=f"{self.name}: tenant_id")
        validated = self.validate(config)
        return build_resources(
            self,
            validated,
            tenant_id=tenant_id,
            only=streams,
            backfill_start=backfill_start,
            backfill_end=backfill_end,
            client=client,
        )

    def source_resources(self, arguments: Mapping[str, Any]) -> list["DltResource"]:
        """The body of a ``@dlt.source`` function: ``return connector.source_resources(locals())``.

        ``tenant_id`` and ``streams`` steer the build; any other argument left at None is
        dropped, so the config model's defaults apply.
        """
        args = dict(arguments)
        tenant_id = args.pop("tenant_id", None)
        tenant_id = "default" if tenant_id is None else tenant_id  # "" is refused, not defaulted
        streams = args.pop("streams", None)
        config = {k: v for k, v in args.items() if v is not None}
        return self.resources(config, tenant_id=tenant_id, streams=streams)

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description, as printed by ``bosco-sync sources --json``."""
        return {
            "name": self.name,
            "title": self.title,
            "category": self.category,
            "api_version": self.api_version,
            "docs_url": self.docs_url,
            "supported_until": self.supported_until.isoformat() if self.supported_until else None,
            "support_policy": self.support_policy,
            "description": self.description,
            "config": [
                {"name": n, "required": f.is_required(), "description": f.description or ""}
                for n, f in self.config_model.model_fields.items()
            ],
            "streams": [describe_stream(self, s) for s in self.streams],
        }


def describe_stream(connector: Connector, stream: Stream) -> dict[str, Any]:
    from .deletions import describe as describe_deletions

    cursor = stream.cursor
    return {
        "name": stream.name,
        "table": connector.table_name(stream),
        "primary_key": ["tenant_id", *stream.primary_key],
        "cursor": cursor.field if isinstance(cursor, Cursor) else None,
        "lookback": _render_lookback(cursor) if isinstance(cursor, Cursor) else None,
        "window": _render_delta(cursor.window) if isinstance(cursor, Cursor) and cursor.window else None,
        "full_refresh": not isinstance(cursor, Cursor),
        "write_disposition": stream.write_disposition,
        "schema_contract": dict(stream.schema_contract),
        "format": "arrow" if stream.arrow else "json",
        "description": stream.description,
        "unified": _describe_unified(stream),
        "deleted": describe_deletions(stream.deleted),
    }


def _describe_unified(stream: Stream) -> dict[str, Any] | None:
    """What the stream is in the unified model (the ad model's level with the platform's
    meaning of its metrics, and the unified facts it maps into)."""
    from .facts import mappings_of
    from .unified import ad_spec

    spec, facts = ad_spec(stream), mappings_of(stream)
    if spec is None and not facts:
        return None
    out: dict[str, Any] = {}
    if spec is not None:
        out.update({"kind": type(spec).__name__.lower(), "level": spec.level})
        meanings = {"date": "date_is", "clicks": "clicks_are", "conversions": "conversions_are", "conversion_value": "conversion_value_is"}
        for key, attribute in meanings.items():
            if hasattr(spec, attribute):
                out[key] = getattr(spec, attribute)
        if hasattr(spec, "spend_unit"):
            out["spend_unit"] = spec.spend_unit.name
    if facts:
        out["facts"] = sorted({m.fact for m in facts})
        out["meanings"] = {f"{m.fact}.{k}": v for m in facts for k, v in sorted(m.meanings.items())}
    # the optional unified metrics, where the platform reports them (else NULL in the facts)
    if getattr(spec, "view_through_conversions", None):
        out.setdefault("meanings", {})["view_through_conversions"] = spec.view_through_conversions
    if getattr(spec, "video_views", None):
        out.setdefault("meanings", {})["video_views"] = spec.video_views_are
    return out


def _render_lookback(cursor: Cursor) -> str:
    return _render_delta(cursor.lookback)


def _render_delta(delta: timedelta) -> str:
    if delta.seconds == 0 and delta.microseconds == 0:
        return f"{delta.days}d"
    return f"{int(delta.total_seconds())}s"
