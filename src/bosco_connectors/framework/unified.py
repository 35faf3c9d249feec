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

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from .records import CURRENCY, Unit

if TYPE_CHECKING:
    from .connector import Connector

Level = Literal["account", "campaign", "ad_group", "ad"]
LEVELS: tuple[Level, ...] = ("account", "campaign", "ad_group", "ad")
_PLURAL = {"account": "accounts", "campaign": "campaigns", "ad_group": "ad_groups", "ad": "ads"}


@dataclass(frozen=True)
class Lookup:
    """A column of another stream's table, joined on ids of the report row: the account id by
    default (the account's name, currency); `on` names other levels, paired with `key`
    (Google: a campaign's name joined on the campaign id; an ad's on its ad group and ad ids).

    In a fact mapping (`facts.Maps`), `row` names the row's own columns the `key` columns
    match, where the fact column `on` names is not taken from a column as it is: an id the
    fact writes with a prefix so that two kinds of the vendor's ids cannot meet in one row
    (Customer.io's automations ``campaign_id=Expr("'automation:' || campaign_id")`` beside its
    newsletters' own ids), while the name is still joined on the vendor's id."""

    stream: str
    key: str | tuple[str, ...]
    column: str
    on: Level | tuple[Level, ...] = "account"
    row: str | tuple[str, ...] | None = None

    @property
    def row_columns(self) -> tuple[str, ...] | None:
        """The row's columns paired with `key` (`row`), or None to take them from the fact columns `on` names."""
        if self.row is None:
            return None
        columns = (self.row,) if isinstance(self.row, str) else tuple(self.row)
        if len(columns) != len(self.pairs):
            raise ValueError(f"Lookup({self.stream!r}): {len(columns)} row column(s) for {len(self.pairs)} key column(s)")
        return columns

    @property
    def pairs(self) -> list[tuple[str, Level]]:
        """``[(column of the other table, level whose id it matches), ...]``."""
        keys = (self.key,) if isinstance(self.key, str) else tuple(self.key)
        levels = (self.on,) if isinstance(self.on, str) else tuple(self.on)
        if len(keys) != len(levels):
            raise ValueError(f"Lookup({self.stream!r}): {len(keys)} key column(s) for {len(levels)} level(s) in on=")
        return list(zip(keys, levels))


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
    #: None for a platform that reports no conversion value (Apple Ads): the unified value is 0.
    conversion_value: str | None
    currency: str | Lookup
    account_name: str | Lookup | None = None
    #: A parent id the report row lacks is a `Lookup` joined on ids the row has (Reddit's ad
    #: report names the ad and its ad group; the campaign comes from the ad groups). Such an id
    #: cannot be part of the grain, nor a level the report `sums_into`.
    campaign: str | Lookup | None = None
    campaign_name: str | Lookup | None = None
    ad_group: str | Lookup | None = None
    ad_group_name: str | Lookup | None = None
    ad: str | None = None
    ad_name: str | Lookup | None = None
    #: The levels whose ids identify a row (with tenant, date and account); default: this
    #: level's own. Google's ad ids are unique only within their ad group: ``("ad_group", "ad")``.
    grain: tuple[Level, ...] = ()
    #: Coarser levels the platform has no report for, written as this report's rows summed
    #: (Google's account level is its campaigns summed: every cost belongs to a campaign).
    sums_into: tuple[Level, ...] = ()
    spend_unit: Unit = CURRENCY
    clicks_are: str = "clicks"
    conversions_are: str = "conversions"
    conversion_value_is: str = "conversion value"
    #: What "date" is (whose day): written into the staging SQL's comment.
    date_is: str = "a day in the account's time zone"
    #: Conversions credited to an ad seen but not clicked; None where the platform reports
    #: none (the unified column is then NULL, not 0: "not reported" is not "none happened").
    view_through_conversions: str | None = None
    #: The platform's headline video-view count (its own definition: see ``video_views_are``);
    #: None where the platform reports none (NULL in the unified column).
    video_views: str | None = None
    video_views_are: str = "video views"


@dataclass(frozen=True)
class Entity:
    """An object stream (accounts, campaigns, ad groups, ads) in the unified object columns.

    A parent the object does not name is a `Lookup` into the parent's stream, joined on
    the object's own ids (`on` names its levels): an ad that names only its ad group gets
    its campaign with ``campaign=Lookup("ad_groups", "id", "campaign_id", on="ad_group")``.
    """

    level: Level
    id: str
    name: str | None = None
    account: str | Lookup | None = None
    campaign: str | Lookup | None = None
    ad_group: str | Lookup | None = None
    status: str | None = None
    #: The status value that means "running" (``is_active``).
    active_status: str | None = None
    currency: str | None = None
    timezone: str | None = None
    objective: str | None = None


# -- staging SQL ----------------------------------------------------------------------------

#: Money in SQL: exact, with nine decimal places (micros need six; minor units of every
#: currency fit), from the raw tables to the unified facts. Never a double: a double sum
#: of 333.33 and 0.01 is 333.34000000000003.
MONEY = "decimal(38, 9)"


def money_sql(sql: str, unit: Unit = CURRENCY) -> str:
    """`sql` as exact money in currency units; micros or cents are scaled by a decimal
    literal (a division would turn the value into a double in DuckDB)."""
    money = f"cast({sql} as {MONEY})"
    if unit.exponent:
        money = f"cast({money} * {10 ** -unit.exponent:.{unit.exponent}f} as {MONEY})"
    return money


_CHECKS = ("spend", "impressions", "clicks", "conversions", "conversion_value")


def _text(column: str) -> str:
    return f"cast({column} as varchar)"


def _raw(connector: "Connector", stream: str) -> str:
    return f"raw.{connector.table_name(stream)}"


def _id_columns(level: Level) -> list[str]:
    return {"account": [], "campaign": ["campaign"], "ad_group": ["campaign", "ad_group"], "ad": ["campaign", "ad_group", "ad"]}[level]


def _summed(spec: Performance, level: Level) -> Performance:
    """`spec` at the coarser `level`: the finer levels' ids and names left out."""
    if LEVELS.index(level) >= LEVELS.index(spec.level):
        raise ValueError(f"sums_into={level!r}: a {spec.level} report sums only into coarser levels")
    finer = [lv for lv in _id_columns(spec.level) if lv not in _id_columns(level)]
    return replace(spec, level=level, grain=(), sums_into=(), **{f: None for lv in finer for f in (lv, f"{lv}_name")})


def performance_sql(connector: "Connector", stream: str, spec: Performance, *, summed_from: Level | None = None) -> str:
    """The staging recipe of one daily report stream (``stg_<source>__<level>_daily``);
    `summed_from`: the report is at that finer level, summed into ``spec.level``."""
    keys = spec.grain or tuple(_id_columns(spec.level)[-1:])
    if any(k not in _id_columns(spec.level) for k in keys) or not set(_id_columns(spec.level)[-1:]) <= set(keys):
        raise ValueError(f"{connector.name}.{stream}: grain {keys} must name the {spec.level} level and coarser ones")
    select, outer = [f"cast({spec.date} as date) as date", f"{_text(spec.account)} as account_id"], []
    group = ["tenant_id", f"cast({spec.date} as date)", _text(spec.account)]
    joins: dict[str, Lookup] = {}
    looked_up: dict[str, str] = {}  # level -> the table alias its id is read from
    for level in _id_columns(spec.level):
        column = getattr(spec, level)
        if isinstance(column, Lookup):
            if level in keys:
                raise ValueError(f"{connector.name}.{stream}: the {level} id is looked up in {column.stream}, "
                                 "so it cannot identify the rows (grain, or a level the report sums into)")
            looked_up[level] = _lookup_table(column, joins)
            outer.append(f"{_text(f'{looked_up[level]}.{column.column}')} as {level}_id")
        else:
            if level in keys:
                select.append(f"{_text(column)} as {level}_id")
                group.append(_text(column))
            else:
                select.append(f"cast(max({column}) as varchar) as {level}_id")
            outer.append(f"report.{level}_id")
        outer.append(_column_or_lookup(getattr(spec, f"{level}_name"), f"{level}_name", joins, select))
    account_name = _column_or_lookup(spec.account_name, "account_name", joins, select)
    currency = _column_or_lookup(spec.currency, "currency", joins, select)
    select += [
        f"coalesce(sum({money_sql(spec.spend, spec.spend_unit)}), 0) as spend",
        f"coalesce(sum(cast({spec.impressions} as bigint)), 0) as impressions",
        f"coalesce(sum(cast({spec.clicks} as bigint)), 0) as clicks",
        f"coalesce(sum(cast({spec.conversions} as double)), 0) as conversions",
        (f"coalesce(sum({money_sql(spec.conversion_value)}), 0) as conversion_value" if spec.conversion_value
         else f"cast(0 as {MONEY}) as conversion_value"),
        _optional_sum(spec.view_through_conversions, "double", "view_through_conversions"),
        _optional_sum(spec.video_views, "bigint", "video_views"),
    ]
    grain = ["tenant_id", "date", "account_id"] + [f"{k}_id" for k in keys]
    source = f"summed from {stream}, the {summed_from.replace('_', ' ')} report" if summed_from else stream
    header = [
        f"-- description: {connector.title} {spec.level.replace('_', ' ')}-day performance ({source}) in the unified ad-reporting columns.",
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
        f"--   {spec.spend} -> spend (sent in {spec.spend_unit.name}; exact: {MONEY})",
        f"--   {spec.clicks} -> clicks ({spec.clicks_are})",
        f"--   {spec.conversions} -> conversions ({spec.conversions_are})",
        f"--   {spec.conversion_value or '(none: 0)'} -> conversion_value ({spec.conversion_value_is})",
        f"--   {spec.view_through_conversions or '(not reported: NULL)'} -> view_through_conversions",
        f"--   {spec.video_views or '(not reported: NULL)'} -> video_views"
        + (f" ({spec.video_views_are})" if spec.video_views else ""),
        *_lookup_notes(connector, spec),
        "-- Missing metrics count as 0 (an unmapped optional metric is NULL).",
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
            "report.view_through_conversions", "report.video_views",
        ]),
        "from report",
        *_joins(connector, joins, {lv: (getattr(spec, lv).column, t) for lv, t in looked_up.items()}),
    ]
    return "\n".join(header + body) + "\n"


def _optional_sum(column: str | None, kind: str, alias: str) -> str:
    """A metric only some platforms report: its sum (missing values 0) where mapped, else NULL."""
    if column is None:
        return f"cast(null as {kind}) as {alias}"
    return f"cast(coalesce(sum(cast({column} as {kind})), 0) as {kind}) as {alias}"


def _lookup_notes(connector: "Connector", spec: Performance) -> list[str]:
    """One comment line per column read from another table (a change there rebuilds the model in full)."""
    lines = []
    for field_name in ("campaign", "ad_group", "account_name", "currency", "campaign_name", "ad_group_name", "ad_name"):
        value = getattr(spec, field_name)
        if isinstance(value, Lookup):
            on = ", ".join(f"{level}_id" for _key, level in value.pairs)
            alias = f"{field_name}_id" if field_name in ("campaign", "ad_group") else field_name
            lines.append(f"--   {_raw(connector, value.stream)}.{value.column} -> {alias} (joined on {on}; a change there rebuilds this model in full)")
    return lines


def _lookup_table(value: Lookup, joins: dict[str, Lookup]) -> str:
    """The alias of `value`'s table, registered for a join (one join per table)."""
    table = f"lookup_{value.stream}"
    if table in joins and joins[table].pairs != value.pairs:
        raise ValueError(f"lookups into {value.stream} must join on the same ids ({joins[table].pairs} vs {value.pairs})")
    joins[table] = value
    return table


def _column_or_lookup(value: str | Lookup | None, alias: str, joins: dict[str, Lookup], select: list[str]) -> str:
    if value is None:
        return f"cast(null as varchar) as {alias}"
    if isinstance(value, Lookup):
        return f"{_lookup_table(value, joins)}.{value.column} as {alias}"
    select.append(f"max({value}) as {alias}")
    return f"report.{alias}"


def _joins(connector: "Connector", joins: dict[str, Lookup], looked_up: dict[str, tuple[str, str]] | None = None) -> list[str]:
    """``left join`` each looked-up table on the ids of the report row; a level whose id is itself
    looked up (`looked_up`: level -> (column, table)) is matched on that table, joined before."""
    looked_up = looked_up or {}
    lines: list[str] = []
    for table, lookup in joins.items():
        lines += [f"left join {_raw(connector, lookup.stream)} as {table}", f"    on {table}.tenant_id = report.tenant_id"]
        for key, level in lookup.pairs:
            target = f"report.{level}_id"
            if level in looked_up:
                column, source = looked_up[level]
                if source == table or source not in list(joins)[:list(joins).index(table)]:
                    raise ValueError(f"lookup into {lookup.stream} joins on the {level} id, which is looked up in a table joined later")
                target = _text(f"{source}.{column}")
            lines.append(f"    and {_text(f'{table}.{key}')} = {target}")
    return lines


def entity_sql(connector: "Connector", stream: str, spec: Entity) -> str:
    """The staging recipe of one object stream (``stg_<source>__<level>s``); parents given as
    `Lookup` are joined from their streams (the object's table is then aliased ``entity``)."""
    level = spec.level
    lookups = {parent: getattr(spec, parent) for parent in ("account", "campaign", "ad_group")
               if isinstance(getattr(spec, parent), Lookup)}
    own = (lambda column: f"entity.{column}") if lookups else (lambda column: column)
    opt = lambda column, null="cast(null as varchar)": own(column) if column else null  # noqa: E731
    columns = [own("tenant_id"), f"'{connector.name}' as platform"]
    if level == "account":
        columns += [
            f"{_text(own(spec.id))} as account_id",
            f"{opt(spec.name)} as account_name",
            f"{opt(spec.currency)} as currency",
            f"{opt(spec.timezone)} as timezone",
        ]
    else:
        for parent in ("account", *_id_columns(level)[:-1]):
            column = getattr(spec, parent)
            if isinstance(column, Lookup):
                columns.append(f"{_text(f'lookup_{column.stream}.{column.column}')} as {parent}_id")
            else:
                columns.append(f"{_text(own(column))} as {parent}_id" if column else f"cast(null as varchar) as {parent}_id")
        columns += [f"{_text(own(spec.id))} as {level}_id", f"{opt(spec.name)} as {level}_name"]
        if level == "campaign":
            columns.append(f"{opt(spec.objective)} as objective")
    # status is text in the unified columns, whatever the platform sends (Meta: account_status 1)
    status = _text(own(spec.status)) if spec.status else "cast(null as varchar)"
    active = f"coalesce({status} = '{spec.active_status}', false)" if spec.status and spec.active_status else "cast(null as boolean)"
    columns += [f"{status} as status", f"{active} as is_active"]
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
    source = f"from {_raw(connector, stream)}" + (" as entity" if lookups else "")
    body = ["select", ",\n".join(f"    {c}" for c in columns), source, *_entity_joins(connector, spec, lookups)]
    return "\n".join(header + body) + "\n"


def _entity_joins(connector: "Connector", spec: Entity, lookups: dict[str, Lookup]) -> list[str]:
    """``left join`` each parent's table on the object's own ids (those its `on` levels name)."""
    lines: list[str] = []
    joined: dict[str, Lookup] = {}
    for parent, lookup in lookups.items():
        table = f"lookup_{lookup.stream}"
        if table in joined:
            if joined[table].pairs != lookup.pairs:
                raise ValueError(f"lookups into {lookup.stream} must join on the same ids ({joined[table].pairs} vs {lookup.pairs})")
            continue
        joined[table] = lookup
        lines += [f"left join {_raw(connector, lookup.stream)} as {table}", f"    on {table}.tenant_id = entity.tenant_id"]
        for key, level in lookup.pairs:
            column = spec.id if level == spec.level else getattr(spec, level, None)
            if not isinstance(column, str) or LEVELS.index(level) > LEVELS.index(spec.level):
                raise ValueError(f"{parent}=Lookup({lookup.stream!r}) joins on the {level} id, which this {spec.level} does not name")
            lines.append(f"    and {_text(f'{table}.{key}')} = {_text(f'entity.{column}')}")
    return lines


def ad_spec(stream: object) -> Performance | Entity | None:
    """The stream's mapping into the ad model: ``unified`` is one mapping or a tuple of them
    (an affiliate report is a `Performance` and a `facts.Maps` at once)."""
    unified = getattr(stream, "unified", None)
    for spec in unified if isinstance(unified, tuple) else (unified,):
        if isinstance(spec, (Performance, Entity)):
            return spec
    return None


def staging_models(connector: "Connector") -> dict[str, str]:
    """``{recipe name: SQL}`` for every stream of `connector` that declares a unified mapping:
    the ad model's levels, and one model per unified fact (`facts.Maps`) it maps into."""
    from .facts import fact_staging_models

    models: dict[str, str] = {}
    for stream in connector.streams:
        spec = ad_spec(stream)
        if isinstance(spec, Performance):
            models[f"stg_{connector.name}__{spec.level}_daily"] = performance_sql(connector, stream.name, spec)
            for level in spec.sums_into:
                models[f"stg_{connector.name}__{level}_daily"] = performance_sql(
                    connector, stream.name, _summed(spec, level), summed_from=spec.level
                )
        elif isinstance(spec, Entity):
            models[f"stg_{connector.name}__{_PLURAL[spec.level]}"] = entity_sql(connector, stream.name, spec)
    models.update(fact_staging_models(connector))
    return models
