"""How a source's tables map into the unified marketing model, declared once per stream.

A daily report stream says which level it is and which of its columns are the date,
the account, campaign, ad group and ad, spend (with its unit), impressions, clicks
(with what the platform counts as a click), conversions, conversion value and currency.
An entity stream (accounts, campaigns, ad groups, ads) says which columns are its id,
name, parents and status. From that, `staging_sql` writes the staging recipes
(``stg_<source>__<level>_daily``, ``stg_<source>__<level>s``) that the unified facts
union, and the generated fake API knows which fields carry the demo world's values.
Hand-written staging SQL (a file of the same name under ``recipes/staging/``) wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .records import CURRENCY, Unit

if TYPE_CHECKING:
    from .connector import Connector

Level = Literal["account", "campaign", "ad_group", "ad"]
LEVELS: tuple[Level, ...] = ("account", "campaign", "ad_group", "ad")
_PLURAL = {"account": "accounts", "campaign": "campaigns", "ad_group": "ad_groups", "ad": "ads"}


@dataclass(frozen=True)
class Lookup:
    """A column of another stream's table, joined on the account id (the account's name, currency)."""

    stream: str
    key: str
    column: str


@dataclass(frozen=True)
class Performance:
    """A daily report stream in the unified ad-reporting columns.

    ``clicks`` / ``conversions`` say what the platform counts (``clicks_are``,
    ``conversions_are``): written into the generated SQL and the source catalog.
    """

    level: Level
    date: str
    account: str
    spend: str
    impressions: str
    clicks: str
    conversions: str
    conversion_value: str
    currency: str | Lookup
    account_name: str | Lookup | None = None
    campaign: str | None = None
    campaign_name: str | None = None
    ad_group: str | None = None
    ad_group_name: str | None = None
    ad: str | None = None
    ad_name: str | None = None
    spend_unit: Unit = CURRENCY
    clicks_are: str = "clicks"
    conversions_are: str = "conversions"
    conversion_value_is: str = "conversion value"
    #: What "date" is (whose day): written into the staging SQL's comment.
    date_is: str = "a day in the account's time zone"


@dataclass(frozen=True)
class Entity:
    """An object stream (accounts, campaigns, ad groups, ads) in the unified object columns."""

    level: Level
    id: str
    name: str | None = None
    account: str | None = None
    campaign: str | None = None
    ad_group: str | None = None
    status: str | None = None
    #: The status value that means "running" (``is_active``).
    active_status: str | None = None
    currency: str | None = None
    timezone: str | None = None
    objective: str | None = None


# -- staging SQL ----------------------------------------------------------------------------

_CHECKS = ("spend", "impressions", "clicks", "conversions", "conversion_value")


def _text(column: str) -> str:
    return f"cast({column} as varchar)"


def _raw(connector: "Connector", stream: str) -> str:
    return f"raw.{connector.table_name(stream)}"


def _id_columns(level: Level) -> list[str]:
    return {"account": [], "campaign": ["campaign"], "ad_group": ["campaign", "ad_group"], "ad": ["campaign", "ad_group", "ad"]}[level]


def performance_sql(connector: "Connector", stream: str, spec: Performance) -> str:
    """The staging recipe of one daily report stream (``stg_<source>__<level>_daily``)."""
    own = {"campaign": "campaign", "ad_group": "ad_group", "ad": "ad"}.get(spec.level)
    select, outer = [f"cast({spec.date} as date) as date", f"{_text(spec.account)} as account_id"], []
    group = ["tenant_id", f"cast({spec.date} as date)", _text(spec.account)]
    for level in _id_columns(spec.level):
        column, name = getattr(spec, level), getattr(spec, f"{level}_name")
        if level == own:
            select.append(f"{_text(column)} as {level}_id")
            group.append(_text(column))
        else:
            select.append(f"cast(max({column}) as varchar) as {level}_id")
        if name:
            select.append(f"max({name}) as {level}_name")
        outer += [f"report.{level}_id", f"report.{level}_name" if name else f"cast(null as varchar) as {level}_name"]
    joins: dict[str, Lookup] = {}
    account_name = _column_or_lookup(spec.account_name, "account_name", joins, select)
    currency = _column_or_lookup(spec.currency, "currency", joins, select)
    divisor = f" / {10 ** spec.spend_unit.exponent}" if spec.spend_unit.exponent else ""
    select += [
        f"coalesce(sum(cast({spec.spend} as double)), 0){divisor} as spend",
        f"coalesce(sum(cast({spec.impressions} as bigint)), 0) as impressions",
        f"coalesce(sum(cast({spec.clicks} as bigint)), 0) as clicks",
        f"coalesce(sum(cast({spec.conversions} as double)), 0) as conversions",
        f"coalesce(sum(cast({spec.conversion_value} as double)), 0) as conversion_value",
    ]
    grain = ["tenant_id", "date", "account_id"] + ([f"{own}_id"] if own else [])
    header = [
        f"-- description: {connector.title} {spec.level.replace('_', ' ')}-day performance ({stream}) in the unified ad-reporting columns.",
        "-- incremental: date",
        f"-- grain: {', '.join(grain)}",
        "-- not_null: platform, currency",
        *[f"-- check: {name} >= 0" for name in _CHECKS],
        # one freshness test per source, on its campaign level (as the hand-written staging has it)
        *(["-- freshness: date within 3 days"] if spec.level == "campaign" else []),
        "--",
        f"-- Generated from the unified mapping declared on {connector.name}.{stream}:",
        f"--   {spec.date} -> date ({spec.date_is})",
        f"--   {spec.account} -> account_id",
        f"--   {spec.spend} -> spend (sent in {spec.spend_unit.name})",
        f"--   {spec.clicks} -> clicks ({spec.clicks_are})",
        f"--   {spec.conversions} -> conversions ({spec.conversions_are})",
        f"--   {spec.conversion_value} -> conversion_value ({spec.conversion_value_is})",
        "-- Missing metrics count as 0.",
    ]
    body = [
        "with report as (",
        "    select",
        "        tenant_id,",
        ",\n".join(f"        {s}" for s in select),
        f"    from {_raw(connector, stream)}",
        f"    group by {', '.join(group)}",
        ")",
        "",
        "select",
        ",\n".join(f"    {c}" for c in [
            "report.tenant_id", "report.date", f"'{connector.name}' as platform", "report.account_id",
            account_name, *outer, currency,
            "report.spend", "report.impressions", "report.clicks", "report.conversions", "report.conversion_value",
        ]),
        "from report",
        *_joins(connector, joins),
    ]
    return "\n".join(header + body) + "\n"


def _column_or_lookup(value: str | Lookup | None, alias: str, joins: dict[str, Lookup], select: list[str]) -> str:
    if value is None:
        return f"cast(null as varchar) as {alias}"
    if isinstance(value, Lookup):
        table = f"lookup_{value.stream}"
        joins[table] = value
        return f"{table}.{value.column} as {alias}"
    select.append(f"max({value}) as {alias}")
    return f"report.{alias}"


def _joins(connector: "Connector", joins: dict[str, Lookup]) -> list[str]:
    lines = []
    for table, lookup in joins.items():
        lines += [
            f"left join {_raw(connector, lookup.stream)} as {table}",
            f"    on {table}.tenant_id = report.tenant_id",
            f"    and {_text(f'{table}.{lookup.key}')} = report.account_id",
        ]
    return lines


def entity_sql(connector: "Connector", stream: str, spec: Entity) -> str:
    """The staging recipe of one object stream (``stg_<source>__<level>s``)."""
    level = spec.level
    columns = ["tenant_id", f"'{connector.name}' as platform"]
    if level == "account":
        columns += [
            f"{_text(spec.id)} as account_id",
            f"{spec.name or 'cast(null as varchar)'} as account_name",
            f"{spec.currency or 'cast(null as varchar)'} as currency",
            f"{spec.timezone or 'cast(null as varchar)'} as timezone",
        ]
    else:
        columns.append(f"{_text(spec.account)} as account_id" if spec.account else "cast(null as varchar) as account_id")
        for parent in _id_columns(level)[:-1]:
            column = getattr(spec, parent)
            columns.append(f"{_text(column)} as {parent}_id" if column else f"cast(null as varchar) as {parent}_id")
        columns += [f"{_text(spec.id)} as {level}_id", f"{spec.name or 'cast(null as varchar)'} as {level}_name"]
        if level == "campaign":
            columns.append(f"{spec.objective or 'cast(null as varchar)'} as objective")
    active = f"coalesce({spec.status} = '{spec.active_status}', false)" if spec.status and spec.active_status else "cast(null as boolean)"
    columns += [f"{spec.status or 'cast(null as varchar)'} as status", f"{active} as is_active"]
    grain = {"account": "tenant_id, account_id", "campaign": "tenant_id, campaign_id",
             "ad_group": "tenant_id, ad_group_id", "ad": "tenant_id, ad_group_id, ad_id"}[level]
    not_null = {"account": "platform", "campaign": "platform, account_id", "ad_group": "platform, account_id, campaign_id",
                "ad": "platform, account_id, campaign_id, ad_group_id"}[level]
    header = [
        f"-- description: {connector.title} {_PLURAL[level].replace('_', ' ')} ({stream}) in the unified {level.replace('_', '-')} columns.",
        f"-- grain: {grain}",
        f"-- not_null: {not_null}",
        "--",
        f"-- Generated from the unified mapping declared on {connector.name}.{stream}"
        + (f"; is_active means {spec.status} = '{spec.active_status}'." if spec.status and spec.active_status else "."),
    ]
    body = ["select", ",\n".join(f"    {c}" for c in columns), f"from {_raw(connector, stream)}"]
    return "\n".join(header + body) + "\n"


def staging_models(connector: "Connector") -> dict[str, str]:
    """``{recipe name: SQL}`` for every stream of `connector` that declares a unified mapping."""
    models: dict[str, str] = {}
    for stream in connector.streams:
        spec = getattr(stream, "unified", None)
        if isinstance(spec, Performance):
            models[f"stg_{connector.name}__{spec.level}_daily"] = performance_sql(connector, stream.name, spec)
        elif isinstance(spec, Entity):
            models[f"stg_{connector.name}__{_PLURAL[spec.level]}"] = entity_sql(connector, stream.name, spec)
    return models
