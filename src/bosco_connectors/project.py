"""``bosco.toml``: which tenants use which sources, and where each credential comes from.

```toml
[destination]
name = "duckdb"             # or "snowflake"
path = "bosco.duckdb"       # duckdb only

[defaults]                  # merged into every source's config
start_date = "2025-01-01"

[limits.tiktok_ads]         # optional: your developer app's tier, above the documented
per_second = 20             # default (framework.ratelimit.AppLimits); used by the Prefect flow

[[tenants]]
id = "acme"
  [tenants.sources.tiktok_ads]
  advertiser_ids = ["7012345678901234567"]
  access_token = { env = "ACME_TIKTOK_TOKEN" }      # or { file = "..." } or { secret = "dlt.secrets key" }
```

Secrets are never written in the file itself: a value is either plain config or a
reference that is resolved at run time, so the file can live in version control.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .framework.errors import ConfigError
from .framework.ratelimit import AppLimits
from .framework.redaction import register_secret
from .framework.tenants import check_tenant_id

DEFAULT_PROJECT_FILE = "bosco.toml"


@dataclass
class TenantSource:
    tenant_id: str
    source: str
    config: dict[str, Any]
    streams: list[str] | None = None


@dataclass
class Project:
    path: Path | None
    destination: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    jobs: list[TenantSource] = field(default_factory=list)
    #: App-wide vendor limits replacing a source's declared ones (``[limits.<source>]``).
    limits: dict[str, AppLimits] = field(default_factory=dict)

    def tenants(self) -> list[str]:
        return sorted({j.tenant_id for j in self.jobs})


def load_project(path: str | Path) -> Project:
    """Parse and check a project file; every problem is a `ConfigError` naming where it is."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file {path} does not exist")
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not a text file") from None
    return parse_project(text, path)


def parse_project(text: str, path: str | Path) -> Project:
    """Parse and check a project file's text; `path` names it in messages (and in `Project.path`).

    A deployment carries the text itself (no secret is ever in it), so any worker can run it.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(raw) - {"destination", "defaults", "tenants", "limits"})
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(unknown)} (expected destination, defaults, tenants, limits)")
    tenants = raw.get("tenants", [])
    if not isinstance(tenants, list) or not tenants:
        raise ConfigError(f"{path}: no tenants defined (add a [[tenants]] table with an id and its sources)")
    defaults = raw.get("defaults", {})
    project = Project(path=path, destination=dict(raw.get("destination", {})), defaults=dict(defaults))
    seen: set[str] = set()
    for index, tenant in enumerate(tenants):
        tid = tenant.get("id") if isinstance(tenant, dict) else None
        check_tenant_id(tid, where=f"{path}: tenants[{index}] id")
        if tid in seen:
            raise ConfigError(f"{path}: tenant '{tid}' is defined twice")
        seen.add(tid)
        sources = tenant.get("sources") or {}
        if not isinstance(sources, dict) or not sources:
            raise ConfigError(f"{path}: tenant '{tid}' has no sources (add [tenants.sources.<name>])")
        for source, config in sources.items():
            if not isinstance(config, dict):
                raise ConfigError(f"{path}: tenant '{tid}' source '{source}' must be a table of settings")
            config = dict(config)
            streams = config.pop("streams", None)
            project.jobs.append(TenantSource(tid, source, {**defaults, **config}, streams))
    project.limits = _limits(raw.get("limits", {}), path)
    return project


_LIMIT_FIELDS = ("per_second", "per_minute", "in_flight", "report_jobs")


def _limits(raw: Any, path: Path) -> dict[str, AppLimits]:
    """``[limits.<source>]`` tables: a developer app's tier above the documented default."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [limits] must hold one table per source, e.g. [limits.tiktok_ads]")
    out: dict[str, AppLimits] = {}
    for source, table in raw.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [limits.{source}] must be a table ({', '.join(_LIMIT_FIELDS)})")
        unknown = sorted(set(table) - set(_LIMIT_FIELDS))
        if unknown:
            raise ConfigError(f"{path}: [limits.{source}] unknown key(s) {', '.join(unknown)} (known: {', '.join(_LIMIT_FIELDS)})")
        for key, value in table.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"{path}: [limits.{source}] {key} must be a positive number")
            if key in ("in_flight", "report_jobs") and value != int(value):
                raise ConfigError(f"{path}: [limits.{source}] {key} must be a whole number")
        out[source] = AppLimits(
            per_second=table.get("per_second"), per_minute=table.get("per_minute"),
            in_flight=int(table["in_flight"]) if "in_flight" in table else None,
            report_jobs=int(table["report_jobs"]) if "report_jobs" in table else None,
            docs=f"{path} [limits.{source}]",
        )
    return out


def resolve_config(config: dict[str, Any], *, where: str) -> dict[str, Any]:
    """Replace ``{env=..}``, ``{file=..}`` and ``{secret=..}`` references by their values."""
    resolved: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("env", "file", "secret"):
            resolved[key] = _resolve_reference(key, value, where)
        else:
            resolved[key] = value
    return resolved


def _resolve_reference(key: str, ref: dict[str, str], where: str) -> str:
    kind, name = next(iter(ref.items()))
    if kind == "env":
        if name not in os.environ:
            raise ConfigError(f"{where}: '{key}' comes from environment variable {name}, which is not set")
        value = os.environ[name]
    elif kind == "file":
        file = Path(name).expanduser()
        if not file.is_file():
            raise ConfigError(f"{where}: '{key}' comes from file {file}, which does not exist")
        value = file.read_text().strip()
    else:
        import dlt

        try:
            value = dlt.secrets[name]
        except KeyError:
            value = None
        if value is None:
            raise ConfigError(f"{where}: '{key}' comes from dlt secret '{name}', which is not set (secrets.toml or env)")
    register_secret(value)
    return value
