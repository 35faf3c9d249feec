"""Snowflake, the production destination: dlt's ``snowflake`` loader, configured from env.

Credentials come from ``BOSCO_SNOWFLAKE_*`` variables when any of them is set:

=====================================  ==============================================
``BOSCO_SNOWFLAKE_ACCOUNT``            account identifier, e.g. ``myorg-myaccount``
``BOSCO_SNOWFLAKE_USER``               login name
``BOSCO_SNOWFLAKE_PASSWORD``           password, *or* key-pair auth:
``BOSCO_SNOWFLAKE_PRIVATE_KEY``        PEM text (``\\n`` escapes accepted) or base64 DER
``BOSCO_SNOWFLAKE_PRIVATE_KEY_PATH``   a PEM file instead of the key text
``BOSCO_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE``  for an encrypted key (optional)
``BOSCO_SNOWFLAKE_DATABASE``           database holding the RAW and ANALYTICS schemas
``BOSCO_SNOWFLAKE_WAREHOUSE``          optional (the user's default warehouse otherwise)
``BOSCO_SNOWFLAKE_LOAD_WAREHOUSE``     optional: the warehouse dlt loads on (else the one above)
``BOSCO_SNOWFLAKE_TRANSFORM_WAREHOUSE``  optional: the warehouse recipes build on (else the one above)
``BOSCO_SNOWFLAKE_ROLE``               optional (the user's default role otherwise)
=====================================  ==============================================

When none is set, dlt's own configuration is used unchanged (``secrets.toml``
``[destination.snowflake.credentials]`` or ``DESTINATION__SNOWFLAKE__CREDENTIALS__*``),
so an existing dlt setup keeps working. Either way the configuration is checked when
the destination is created, and a `ConfigError` names the variables that are missing,
never their values.

Every session carries a ``QUERY_TAG``: a JSON object with ``app`` (``bosco-sync``),
``tenant``, ``source`` and, for loads, dlt's ``operation``, ``table`` and ``load_id``.
dlt formats the tag template with ``str.format`` and sets it with
``ALTER SESSION SET QUERY_TAG = '<tag>'`` before each operation, so literal braces are
doubled and quotes removed here.

The Snowflake client library is imported lazily (only by the functions below).
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from pydantic import SecretStr

from ..framework.errors import ConfigError
from ..framework.redaction import register_secret

ENV_PREFIX = "BOSCO_SNOWFLAKE_"
APP_NAME = "bosco-sync"

#: Settings read from ``BOSCO_SNOWFLAKE_<NAME>`` (or passed as options, e.g. from bosco.toml).
SETTINGS_FIELDS = (
    "account",
    "user",
    "password",
    "private_key",
    "private_key_path",
    "private_key_passphrase",
    "database",
    "warehouse",
    "load_warehouse",
    "transform_warehouse",
    "role",
)
_SECRET_FIELDS = frozenset({"password", "private_key", "private_key_passphrase"})

#: dlt snowflake destination options passed through unchanged.
DLT_OPTIONS = frozenset(
    {
        "stage_name",
        "keep_staged_files",
        "csv_format",
        "create_indexes",
        "use_vectorized_scanner",
        "enable_atomic_swap",
        "use_decfloat",
        "use_nested_types",
        "use_timestamp_tz",
        "destination_name",
        "environment",
    }
)

#: dlt's query-tag placeholders (see dlt.destinations.job_client_impl._set_query_tags).
_DLT_TAG_FIELDS = ("operation", "table", "load_id")


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


@dataclass(frozen=True)
class SnowflakeSettings:
    """Validated connection settings; secrets are `SecretStr` and never appear in repr."""

    account: str
    user: str
    database: str
    password: SecretStr | None = None
    private_key: SecretStr | None = None
    private_key_path: str | None = None
    private_key_passphrase: SecretStr | None = None
    warehouse: str | None = None
    role: str | None = None
    #: Loads and recipe builds on separate warehouses (sized apart, billed apart), each
    #: falling back to `warehouse`.
    load_warehouse: str | None = None
    transform_warehouse: str | None = None

    def warehouse_for(self, purpose: str) -> str | None:
        """The warehouse of a ``load`` or a ``transform`` session."""
        own = self.load_warehouse if purpose == "load" else self.transform_warehouse if purpose == "transform" else None
        return own or self.warehouse

    @property
    def auth(self) -> str:
        return "key-pair" if (self.private_key or self.private_key_path) else "password"

    def dlt_credentials(self, purpose: str = "load") -> dict[str, Any]:
        """The ``credentials`` dict for ``dlt.destinations.snowflake`` (holds secret values),
        on the warehouse of `purpose` (``load`` or ``transform``)."""
        creds: dict[str, Any] = {"host": self.account, "username": self.user, "database": self.database}
        if self.password is not None:
            creds["password"] = self.password.get_secret_value()
        if self.private_key is not None:
            creds["private_key"] = self.private_key.get_secret_value()
        if self.private_key_path:
            creds["private_key_path"] = self.private_key_path
        if self.private_key_passphrase is not None:
            creds["private_key_passphrase"] = self.private_key_passphrase.get_secret_value()
        if self.warehouse_for(purpose):
            creds["warehouse"] = self.warehouse_for(purpose)
        if self.role:
            creds["role"] = self.role
        return creds


def settings_from_env(env: Mapping[str, str] | None = None, **overrides: Any) -> SnowflakeSettings | None:
    """Read ``BOSCO_SNOWFLAKE_*`` (and explicit `overrides`); ``None`` when nothing is set.

    Raises `ConfigError` naming every missing or conflicting variable, without values.
    """
    env = os.environ if env is None else env
    unknown = sorted(set(overrides) - set(SETTINGS_FIELDS))
    if unknown:
        raise ConfigError(f"unknown snowflake setting(s) {', '.join(unknown)}", source="snowflake")
    values: dict[str, str] = {}
    for name in SETTINGS_FIELDS:
        raw = overrides.get(name)
        if raw is None:
            raw = env.get(env_name(name))
        if isinstance(raw, SecretStr):
            raw = raw.get_secret_value()
        if raw is not None and str(raw).strip() != "":
            values[name] = str(raw).strip() if name not in _SECRET_FIELDS else str(raw)
    if not values:
        return None
    for name in _SECRET_FIELDS & set(values):
        register_secret(values[name])

    missing = [env_name(n) for n in ("account", "user", "database") if n not in values]
    has_key = "private_key" in values or "private_key_path" in values
    if "password" not in values and not has_key:
        missing.append(
            f"{env_name('password')} (or {env_name('private_key')} / {env_name('private_key_path')} for key-pair auth)"
        )
    if missing:
        raise ConfigError("missing " + ", ".join(missing), source="snowflake")

    if "password" in values and has_key:
        raise ConfigError(
            f"both {env_name('password')} and a private key are set; set only one way to authenticate",
            source="snowflake",
        )
    if "private_key" in values and "private_key_path" in values:
        raise ConfigError(
            f"set {env_name('private_key')} or {env_name('private_key_path')}, not both", source="snowflake"
        )
    if "private_key_passphrase" in values and not has_key:
        raise ConfigError(
            f"{env_name('private_key_passphrase')} is set but no private key is", source="snowflake"
        )
    key_path = values.get("private_key_path")
    if key_path:
        path = Path(key_path).expanduser()
        if not path.is_file():
            raise ConfigError(f"{env_name('private_key_path')} points to {path}, which is not a file", source="snowflake")
        key_path = str(path)
    private_key = values.get("private_key")
    if private_key and "\n" not in private_key and "\\n" in private_key:
        # CI secret stores often hold PEM keys on one line with literal \n escapes.
        private_key = private_key.replace("\\n", "\n")
        register_secret(private_key)

    def secret(name: str, value: str | None = None) -> SecretStr | None:
        value = value if value is not None else values.get(name)
        return SecretStr(value) if value is not None else None

    return SnowflakeSettings(
        account=values["account"],
        user=values["user"],
        database=values["database"],
        password=secret("password"),
        private_key=secret("private_key", private_key),
        private_key_path=key_path,
        private_key_passphrase=secret("private_key_passphrase"),
        warehouse=values.get("warehouse"),
        role=values.get("role"),
        load_warehouse=values.get("load_warehouse"),
        transform_warehouse=values.get("transform_warehouse"),
    )


# -- query tag ----------------------------------------------------------------------------


def session_tag(tenant_id: str | None = None, source: str | None = None, **extra: str) -> dict[str, str]:
    """The QUERY_TAG fields identifying bosco-sync, the tenant and the source."""
    tag = {"app": APP_NAME}
    if tenant_id:
        tag["tenant"] = tenant_id
    if source:
        tag["source"] = source
    tag.update({k: v for k, v in extra.items() if v})
    return tag


def _clean(value: Any) -> str:
    """A tag value that is safe inside dlt's single-quoted ``ALTER SESSION`` literal."""
    text = "".join(ch for ch in str(value) if ch not in "'\\\"" and ch.isprintable())
    return text[:200]


def query_tag_template(tag: Mapping[str, str]) -> str:
    """A dlt ``query_tag`` template: `tag` as literal JSON plus dlt's per-operation fields.

    The result is a ``str.format`` template: literal braces are doubled, dlt's
    placeholders (``{operation}``, ``{table}``, ``{load_id}`` and ``{source}`` when no
    source was named) stay single.
    """
    fields: list[tuple[str, str]] = []
    for key, value in tag.items():
        literal = json.dumps(_clean(value))[1:-1].replace("{", "{{").replace("}", "}}")
        fields.append((_clean(key), literal))
    if "source" not in tag:
        fields.append(("source", "{source}"))  # dlt's schema name, i.e. the dlt source name
    fields.extend((name, "{" + name + "}") for name in _DLT_TAG_FIELDS if name not in tag)
    body = ",".join(f'"{key}":"{value}"' for key, value in fields)
    return "{{" + body + "}}"


def _tag_from_option(query_tag: str | Mapping[str, str] | None) -> dict[str, str]:
    """Accept a ready JSON tag (as the CLI builds it), a mapping or a plain label."""
    if query_tag is None:
        return {}
    if isinstance(query_tag, Mapping):
        return {str(k): str(v) for k, v in query_tag.items()}
    try:
        parsed = json.loads(query_tag)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        return {str(k): str(v) for k, v in parsed.items()}
    return {"label": str(query_tag)}


# -- destination ---------------------------------------------------------------------------


def _require_client() -> None:
    if importlib.util.find_spec("snowflake") is None or importlib.util.find_spec("snowflake.connector") is None:
        raise ConfigError(
            "the Snowflake client is not installed: pip install 'bosco-connectors[snowflake]'", source="snowflake"
        )


def snowflake_destination(
    *,
    tenant_id: str | None = None,
    source: str | None = None,
    query_tag: str | Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    **options: Any,
) -> Any:
    """A dlt ``snowflake`` destination from ``BOSCO_SNOWFLAKE_*`` or dlt's own config.

    `options` may hold settings (``account``, ``database``, ``warehouse``, ``role``,
    ``user``... as in bosco.toml's ``[destination]``) and dlt destination options
    (``stage_name``, ``create_indexes``...). `query_tag` may be a JSON object string
    (merged), a mapping, or a plain label; `tenant_id` / `source` fill it in.
    The dataset (``raw``) is chosen by the pipeline, not here.
    """
    settings_overrides = {k: options.pop(k) for k in SETTINGS_FIELDS if k in options}
    passthrough = {k: options.pop(k) for k in DLT_OPTIONS if k in options}
    if options:
        raise ConfigError(
            f"unknown snowflake option(s) {', '.join(sorted(options))}; "
            f"known: {', '.join(sorted((*SETTINGS_FIELDS, *DLT_OPTIONS)))}",
            source="snowflake",
        )
    _require_client()
    settings = settings_from_env(env, **settings_overrides)
    tag = {**_tag_from_option(query_tag), **session_tag(tenant_id, source)}
    tag.setdefault("app", APP_NAME)
    template = query_tag_template(tag)

    from dlt.destinations import snowflake

    if settings is not None:
        return snowflake(credentials=settings.dlt_credentials(), query_tag=template, **passthrough)
    destination = snowflake(query_tag=template, **passthrough)
    resolve_dlt_config(destination)
    return destination


def resolve_dlt_config(destination: Any) -> Any:
    """Resolve dlt's snowflake config now, turning dlt's errors into a `ConfigError`.

    Only used when no ``BOSCO_SNOWFLAKE_*`` variable is set, so the message names both
    ways to configure what is missing.
    """
    from dlt.common.configuration.exceptions import ConfigFieldMissingException, ConfigurationValueError

    initial = destination.spec()
    initial.dataset_name = "raw"  # the pipeline supplies the real one; only credentials matter here
    try:
        return destination.configuration(initial)
    except ConfigFieldMissingException as exc:
        missing: list[str] = []
        for field, traces in exc.traces.items():
            nested = [getattr(t, "traces", None) for t in traces]
            names = [name for t in nested if t for name in t] or [field]
            missing.extend(names)
        raise ConfigError(_missing_message(missing), source="snowflake") from None
    except ConfigurationValueError:
        # dlt: username/password (or a private key) required for snowflake auth
        raise ConfigError(_missing_message(["username", "password"]), source="snowflake") from None


_DLT_TO_BOSCO = {"host": "account", "username": "user"}


def _missing_message(dlt_fields: list[str]) -> str:
    parts = []
    for field in dict.fromkeys(dlt_fields):
        ours = _DLT_TO_BOSCO.get(field, field)
        parts.append(f"{env_name(ours)} (or DESTINATION__SNOWFLAKE__CREDENTIALS__{field.upper()})")
    return "missing " + ", ".join(parts)


# -- a DB-API connection for recipes --------------------------------------------------------


def connector_params(destination: Any | None = None, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``snowflake.connector.connect`` keyword arguments, resolved like the destination,
    on the transform warehouse (the recipes' connection)."""
    settings = settings_from_env(env)
    if settings is not None:
        from dlt.destinations import snowflake

        destination = snowflake(credentials=settings.dlt_credentials("transform"))
    elif destination is None:
        from dlt.destinations import snowflake

        destination = snowflake()
    config = resolve_dlt_config(destination)
    return config.credentials.to_connector_params()


def snowflake_connection(
    *,
    tenant_id: str | None = None,
    purpose: str = "recipes",
    schema: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Any:
    """Open a ``snowflake.connector`` connection whose session carries the QUERY_TAG.

    This is the connection the recipe runner uses on Snowflake (dlt's loader has its own).
    """
    _require_client()
    import snowflake.connector

    params = connector_params(env=env)
    tag = json.dumps(session_tag(tenant_id, operation=purpose), separators=(",", ":"))
    session = dict(params.pop("session_parameters", None) or {})
    session["QUERY_TAG"] = tag
    if schema:
        params["schema"] = schema
    return snowflake.connector.connect(**params, session_parameters=session)
