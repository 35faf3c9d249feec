"""A source as a declaration: the API every request shares, and the source built from it.

```python
API = Api(
    base_url="https://business-api.tiktok.com/open_api/v1.3/",
    auth=ApiKey("access_token", header="Access-Token"),
    errors=ErrorMap("TikTok", code="code", ok=(0,), codes={40100: Action.RETRY, ...}),
    rate=RateBudget(per_second="requests_per_second"),
)
connector = declare("tiktok_ads", title=..., api=API, config=TikTokAdsConfig, streams=[...])
source = connector.dlt_source
```

`declare` builds the `Connector` (what the registry, the CLI and the kit read) and a
``@dlt.source`` function whose parameters are the config model's fields, so every option
works the same from Python, from ``bosco.toml`` and from dlt's secrets.
"""

from __future__ import annotations

import inspect
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import httpx
from pydantic import SecretStr

from .auth import Credential
from .connector import Connector, SourceConfig
from .errormap import ErrorMap
from .http import ApiClient, CrossOrigin, ErrorPolicy, RetryPolicy
from .ratelimit import AppLimits, RateLimit
from .spec import Stream

#: A limit given as a number, or as the name of the config field that holds it.
Limit = float | int | str | None


@dataclass(frozen=True)
class RateBudget:
    """The vendor's documented limits, for one source's requests (per app where the vendor
    counts per app). A value may name a config field (a tier the user chooses)."""

    per_second: Limit = None
    per_minute: Limit = None
    #: Requests in flight at once; default: the config's ``max_workers``.
    concurrency: Limit = "max_workers"
    #: Concurrent report jobs the vendor allows (`jobs.AsyncReport` streams without their own
    #: ``max_concurrent``): one budget for every stream of the source.
    report_jobs: Limit = None
    #: Requests that may start at once before the rate spaces them (a documented burst).
    burst: Limit = None

    def limit(self, config: Any) -> RateLimit:
        per_second = _resolve(self.per_second, config)
        per_minute = _resolve(self.per_minute, config)
        rates = [r for r in (per_second, per_minute / 60.0 if per_minute else None) if r]
        concurrency = _resolve(self.concurrency, config)
        burst = _resolve(self.burst, config)
        return RateLimit(max_concurrency=int(concurrency) if concurrency else None, per_second=min(rates) if rates else None,
                         burst=int(burst) if burst else 1)


def _resolve(value: Limit, config: Any) -> float | None:
    if isinstance(value, str):
        value = getattr(config, value, None)
    return float(value) if value else None


@dataclass(frozen=True)
class Api:
    """What every request of a source shares: host, credential, headers, limits, errors."""

    base_url: str
    auth: Credential | None = None
    errors: ErrorMap | ErrorPolicy | None = None
    #: Fixed headers (a version header such as ``LinkedIn-Version``), or a function of config.
    headers: Mapping[str, str] | Callable[[Any], Mapping[str, str]] = field(default_factory=dict)
    rate: RateBudget = field(default_factory=RateBudget)
    #: The vendor's budget per developer app or cloud project, shared by every tenant and
    #: worker (`ratelimit.AppLimits`); ``rate`` is one sync's own pace within it.
    app_limits: AppLimits | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 60.0
    cross_origin: CrossOrigin = "refuse"
    #: An `ApiClient` subclass for vendors whose answers steer pacing (a quota in the body).
    client_class: type[ApiClient] = ApiClient
    client_options: Callable[[Any], Mapping[str, Any]] | None = None

    def client(self, source: str, config: Any, *, retry: RetryPolicy | None = None,
               sleep: Callable[[float], None] = time.sleep, transport: httpx.BaseTransport | None = None) -> ApiClient:
        errors = self.errors.policy() if isinstance(self.errors, ErrorMap) else self.errors
        headers = self.headers(config) if callable(self.headers) else self.headers
        client = self.client_class(
            source,
            getattr(config, "base_url", None) or self.base_url,
            auth=self.auth.build(config) if self.auth else None,
            headers=dict(headers),
            rate_limit=self.rate.limit(config),
            retry=retry or self.retry,
            errors=errors,
            timeout=self.timeout,
            sleep=sleep,
            transport=transport,
            cross_origin=self.cross_origin,
            **(dict(self.client_options(config)) if self.client_options else {}),
        )
        jobs = _resolve(self.rate.report_jobs, config)
        client.report_jobs = int(jobs) if jobs else None
        return client


def declare(
    name: str,
    *,
    title: str,
    api: Api,
    config: type[SourceConfig],
    streams: list[Stream] | Callable[[Any], list[Stream]],
    api_version: str,
    docs_url: str,
    category: str,
    description: str = "",
    extras: tuple[str, ...] = (),
    required_extras: tuple[str, ...] = (),
    sandbox: str | None = "generated",
    error_example: Mapping[str, Any] | None = None,
    supported_until: date | None = None,
    support_policy: str = "",
    fixtures_dir: str | Path | None = None,
) -> Connector:
    """The `Connector` of a declared source (``streams`` may depend on config: built per sync).

    ``sandbox="generated"``: the demo's and the kit's fake API is generated from these
    declarations and the source's documented fixtures (`sandbox.generated`), found in
    ``fixtures_dir`` (default: ``cassettes/<name>/`` of this repository).
    """
    default_streams = streams(None) if callable(streams) else streams

    def client_factory(cfg: Any, *, retry: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep,
                       transport: httpx.BaseTransport | None = None) -> ApiClient:
        return api.client(name, cfg, retry=retry, sleep=sleep, transport=transport)

    connector = Connector(
        name=name, title=title, api_version=api_version, docs_url=docs_url, category=category,
        config_model=config, client_factory=client_factory, streams=default_streams,
        streams_for=streams if callable(streams) else None,
        sandbox=f"bosco_connectors.sandbox.generated:app_for_{name}" if sandbox == "generated" else sandbox,
        description=description, extras=extras, required_extras=required_extras, error_example=dict(error_example) if error_example else None,
        supported_until=supported_until, support_policy=support_policy,
        fixtures_dir=Path(fixtures_dir) if fixtures_dir is not None else None,
    )
    connector.app_limits = api.app_limits
    connector.api = api  # type: ignore[attr-defined]
    return connector


def source_function(connector: Connector) -> Callable[..., Any]:
    """A ``@dlt.source`` function whose parameters are the config model's fields.

    Secrets default to ``dlt.secrets.value`` and required fields to ``dlt.config.value``,
    so dlt fills them from ``secrets.toml``/``config.toml`` or ``SOURCES__<NAME>__<FIELD>``;
    every other field defaults to None (the model's own default applies).
    """
    import dlt

    parameters = []
    for field_name, info in connector.config_model.model_fields.items():
        secret = "SecretStr" in str(info.annotation)
        if secret:
            default, annotation = dlt.secrets.value, (str if info.is_required() else Optional[str])
        elif info.is_required():
            default, annotation = dlt.config.value, Any
        else:
            default, annotation = None, Optional[Any]
        parameters.append(inspect.Parameter(field_name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default, annotation=annotation))
    parameters += [
        inspect.Parameter("tenant_id", inspect.Parameter.POSITIONAL_OR_KEYWORD, default="default", annotation=str),
        inspect.Parameter("streams", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=Optional[list[str]]),
    ]
    signature = inspect.Signature(parameters, return_annotation=Any)

    def source(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        values = {k: (v.get_secret_value() if isinstance(v, SecretStr) else v) for k, v in bound.arguments.items()}
        return connector.source_resources(values)

    source.__signature__ = signature  # type: ignore[attr-defined]
    source.__name__ = source.__qualname__ = "source"
    # The module that declares the source (a plugin's own package too): dlt looks it up in sys.modules.
    source.__module__ = sys._getframe(1).f_globals.get("__name__", f"bosco_connectors.sources.{connector.name}")
    source.__doc__ = f"{connector.title} streams for one tenant; config is validated before any request ({connector.docs_url})."
    return dlt.source(name=connector.name)(source)


__all__ = ["Api", "AppLimits", "RateBudget", "declare", "source_function", "date"]
