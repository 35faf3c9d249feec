"""The unified tables beyond ad reporting (orders, web traffic, app installs, email, CRM,
organic search and social, affiliates, reviews, survey answers), declared once here.

A `Fact` names its columns, what each one means, its grain and its data-quality checks.
A source maps a stream into a fact with ``unified=Maps("orders", order_id="id", ...)``:
fact column = the vendor's column (after the stream's ``Records`` renames), a `Lookup` into
another stream of the source, a `Const`, or a `DayOf` a timestamp in a time zone. From
the mappings, `fact_staging_sql` writes one staging recipe per source and fact
(``stg_<source>__<fact>``: every mapped stream's rows, UNION ALL, summed to the grain when
the fact is a daily aggregate) and `fact_mart_sql` the fact itself (``fct_<fact>``, the
UNION of every source's staging), with the checks declared here. A hand-written recipe of
the same name wins (``recipes/marts/fct_orders.sql`` adds first orders and reporting
currency amounts).

Column kinds decide the SQL type: ``money`` is an exact ``decimal(38, 9)`` (minor units
divided exactly, `Maps.units`), ``count`` a ``bigint``, ``number`` a ``double``, ``date``,
``timestamp``, ``bool`` and ``text`` as named. A column a source does not map is NULL
(not reported), never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Mapping

from .currencies import MinorUnits
from .records import CURRENCY, Unit
from .unified import MONEY, Lookup, money_sql

if TYPE_CHECKING:
    from .connector import Connector

Kind = Literal["date", "timestamp", "text", "count", "money", "number", "bool"]
#: The kinds summed when a daily fact adds rows of one grain together.
MEASURES = ("count", "money", "number")
_SQL_TYPE = {
    "date": "date", "timestamp": "timestamp with time zone", "text": "varchar", "count": "bigint",
    "money": MONEY, "number": "double", "bool": "boolean",
}


@dataclass(frozen=True)
class Column:
    """One column of a fact: its kind and what it means (written into the generated SQL)."""

    name: str
    kind: Kind
    meaning: str
    #: Every mapping must name it (the grain, the date, the currency of money facts).
    required: bool = False
    #: Averaged weighted by this count column when rows are summed (a search position by impressions).
    weighted_by: str | None = None


@dataclass(frozen=True)
class Fact:
    """A unified table: its columns, grain (with ``tenant_id`` and ``platform``) and checks."""

    name: str
    description: str
    columns: tuple[Column, ...]
    grain: tuple[str, ...]
    #: The date column the fact is built incrementally by.
    date: str
    #: True for daily aggregates: a source's rows are summed to the grain (measures summed,
    #: other columns their max); False for one row per vendor record (orders, reviews).
    sums: bool = True
    checks: tuple[str, ...] = ()
    warn_if: tuple[str, ...] = ()
    #: Derived columns (recipes/derived.sql) the generated mart adds.
    derived: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class Const:
    """A fixed value for a fact column (``channel=Const("sms")``; `COUNT` counts rows)."""

    value: str | int | float | bool | None


#: One per row: mapped to a count column, the summed fact counts the stream's rows.
COUNT = Const(1)


@dataclass(frozen=True)
class DayOf:
    """The calendar day of a timestamp in a time zone: a column of the row, a `Lookup`
    (the store's zone on its shop record) or a `Const` zone name; UTC when the zone is unknown.
    The timestamp is a column of the row, or a `Lookup` where the row lacks it (a campaign
    report row whose send time is on the campaign: Klaviyo's campaign values)."""

    timestamp: str | Lookup
    timezone: str | Lookup | Const = Const("UTC")


@dataclass(frozen=True)
class Expr:
    """A small SQL expression over the stream's columns, where a fact column is not one vendor
    field (Shopify's amount before discounts: ``Expr("subtotal_price + total_discounts")``).
    It is parsed when the mapping is checked and its column names qualified; keep it to
    arithmetic, ``coalesce`` and ``case``."""

    sql: str


@dataclass(frozen=True)
class Total:
    """The sum of `value` over the rows of another stream that point at this row, for changes a
    vendor records as rows of their own: PayPal's refunds are transactions (event code T1107)
    that name their sale in ``paypal_reference_id``, so the sale's ``refunds`` is
    ``Total("transactions", key="paypal_reference_id", on="order_id", value="-amount", where=...)``.
    `value` and `where` are SQL over that stream's columns; `on` names the fact column (mapped
    from a column of this row) that `key` matches. No matching row: 0."""

    stream: str
    key: str
    on: str
    value: str
    where: str | None = None


Value = str | Lookup | Const | DayOf | Expr | Total


@dataclass(frozen=True, init=False)
class Maps:
    """A stream's rows as rows of the fact `fact`: ``Maps("orders", order_id="id", ...)``.

    `where` keeps only some rows (a SQL condition over the stream's columns: ``"is_won"``);
    `table` names the raw table when it is not the stream's own (a dlt child table of the
    stream's records: ``"orders__line_items"``);
    `units` says a money column arrives in minor units (``{"gross": CENTS}``), or in the minor
    unit of each row's own currency (a `currencies.MinorUnits` table, read with the mapped
    ``currency``: JPY whole, USD in cents); `meanings` says what the platform's value is
    (``{"opens": "opens incl. machine opens"}``).
    A `Lookup`'s `on` names fact columns whose values its `key` columns match (or, with
    ``row=``, the row's own columns: a fact column written with a prefix).
    """

    fact: str
    columns: Mapping[str, Value]
    where: str | None
    units: Mapping[str, Unit | MinorUnits]
    meanings: Mapping[str, str]
    table: str | None

    def __init__(self, fact: str, *, where: str | None = None, units: Mapping[str, Unit | MinorUnits] | None = None,
                 meanings: Mapping[str, str] | None = None, table: str | None = None, **columns: Value) -> None:
        object.__setattr__(self, "fact", fact)
        object.__setattr__(self, "columns", dict(columns))
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "units", dict(units or {}))
        object.__setattr__(self, "meanings", dict(meanings or {}))

    def __hash__(self) -> int:
        return hash((self.fact, tuple(sorted(self.columns.items(), key=lambda kv: kv[0])), self.where))


class FactError(ValueError):
    """A mapping names a fact or column that does not exist, or leaves out a required one."""


def _money(name: str, meaning: str, **kw: Any) -> Column:
    return Column(name, "money", meaning, **kw)


def _count(name: str, meaning: str, **kw: Any) -> Column:
    return Column(name, "count", meaning, **kw)


def _text(name: str, meaning: str, **kw: Any) -> Column:
    return Column(name, "text", meaning, **kw)


_CURRENCY = _text("currency", "ISO 4217 code of the money columns", required=True)

FACTS: dict[str, Fact] = {f.name: f for f in (
    Fact(
        "orders",
        "One row per order (or payment transaction) as the store or processor reports it, money in its currency.",
        columns=(
            Column("order_date", "date", "the order's day in the store's time zone", required=True),
            Column("created_at", "timestamp", "when the order was placed"),
            Column("updated_at", "timestamp", "when the vendor last changed the order (refunds, edits)"),
            _text("store_id", "the store, shop, seller or merchant account", required=True),
            _text("store_name", "the store's name"),
            _text("order_id", "the vendor's order or transaction id", required=True),
            _text("order_number", "the number a customer sees"),
            _text("customer_id", "the vendor's customer id"),
            _CURRENCY,
            _money("gross", "what the items sold for before discounts, without tax and shipping", required=True),
            _money("discounts", "order and line discounts"),
            _money("refunds", "amount refunded so far"),
            _money("tax", "tax charged"),
            _money("shipping", "shipping charged"),
            _money("total", "what the customer was charged (after discounts, with tax and shipping)"),
            _text("status", "the vendor's financial or order status"),
            Column("is_cancelled", "bool", "the order was cancelled"),
            Column("is_test", "bool", "a test order (left out of revenue)"),
            _text("source_name", "the sales channel or app the order came through"),
            _text("landing_site", "the first page of the visit that ordered"),
            _text("referring_site", "the referrer of that visit"),
            _text("discount_codes", "discount codes used, comma-separated"),
            _text("utm_source", "utm_source of the visit that ordered"),
            _text("utm_medium", "utm_medium of that visit"),
            _text("utm_campaign", "utm_campaign of that visit"),
        ),
        grain=("store_id", "order_id"), date="order_date", sums=False,
        checks=("gross >= 0", "coalesce(discounts, 0) >= 0", "coalesce(refunds, 0) >= 0"),
        notes=("net revenue (derived.sql) = gross - discounts - refunds.",),
    ),
    Fact(
        "order_lines",
        "One row per order line: product, quantity and amounts.",
        columns=(
            Column("order_date", "date", "the order's day in the store's time zone", required=True),
            _text("store_id", "the store, shop or seller", required=True),
            _text("order_id", "the order", required=True),
            _text("line_id", "the line's id within the vendor", required=True),
            _text("product_id", "the vendor's product id"),
            _text("variant_id", "the product variant"),
            _text("sku", "stock keeping unit"),
            _text("title", "the product's name on the line"),
            Column("quantity", "number", "units ordered"),
            _money("price", "unit price before discounts"),
            _money("discounts", "discounts on this line"),
            _CURRENCY,
        ),
        grain=("store_id", "order_id", "line_id"), date="order_date", sums=False,
        checks=("coalesce(quantity, 0) >= 0", "coalesce(price, 0) >= 0"),
    ),
    Fact(
        "web_traffic_daily",
        "Visits and what they brought per day and traffic source, as each web analytics tool reports them.",
        columns=(
            Column("date", "date", "the day in the property's time zone", required=True),
            _text("property_id", "the site, property or project", required=True),
            _text("source", "traffic source (utm_source or the tool's source)"),
            _text("medium", "traffic medium"),
            _text("campaign", "campaign name"),
            _count("sessions", "sessions or visits"),
            _count("users", "users or unique visitors"),
            _count("new_users", "first-time users"),
            _count("engaged_sessions", "sessions the tool counts as engaged"),
            Column("conversions", "number", "conversions or key events"),
            _money("revenue", "revenue the tool attributes"),
            _text("currency", "currency of revenue"),
        ),
        grain=("date", "property_id", "source", "medium", "campaign"), date="date",
        checks=("coalesce(sessions, 0) >= 0", "coalesce(users, 0) >= 0"),
        warn_if=("engaged_sessions > sessions",),
    ),
    Fact(
        "app_installs_daily",
        "App installs, re-installs, in-app revenue and cost per day, app and media source.",
        columns=(
            Column("date", "date", "the day (the app's or the account's time zone)", required=True),
            _text("app_id", "the app (bundle or store id)", required=True),
            _text("app_os", "ios, android, ..."),
            _text("media_source", "the network or media source the install is attributed to"),
            _text("campaign", "campaign name"),
            _count("installs", "attributed installs"),
            _count("reinstalls", "re-installs or re-attributions"),
            _money("revenue", "in-app revenue"),
            _money("cost", "cost, where the tool reports it"),
            _text("currency", "currency of revenue and cost"),
        ),
        grain=("date", "app_id", "app_os", "media_source", "campaign"), date="date",
        checks=("coalesce(installs, 0) >= 0", "coalesce(cost, 0) >= 0"),
    ),
    Fact(
        "email_campaign_performance",
        "Sends, opens, clicks and attributed revenue per day and email, SMS or push campaign or flow.",
        columns=(
            Column("date", "date", "the day of the activity (or of the send, where the tool reports per send)", required=True),
            _text("campaign_id", "the campaign, flow or automation", required=True),
            _text("campaign_name", "its name"),
            _text("campaign_type", "campaign or flow (automation)"),
            _text("channel", "email, sms or push", required=True),
            _count("sends", "messages sent"),
            _count("deliveries", "messages delivered"),
            _count("opens", "opens"),
            _count("unique_opens", "recipients who opened"),
            _count("clicks", "clicks"),
            _count("unique_clicks", "recipients who clicked"),
            _count("bounces", "bounces"),
            _count("unsubscribes", "unsubscribes"),
            _count("spam_reports", "spam complaints"),
            Column("attributed_orders", "number", "orders the platform attributes"),
            _money("attributed_revenue", "revenue the platform attributes"),
            _text("currency", "currency of attributed revenue"),
        ),
        grain=("date", "campaign_id", "channel"), date="date",
        checks=("coalesce(sends, 0) >= 0", "coalesce(opens, 0) >= 0", "coalesce(clicks, 0) >= 0"),
        warn_if=("unique_opens > sends",),
    ),
    Fact(
        "crm_funnel_daily",
        "Leads, qualified leads, opportunities and won deals per day, lead source and campaign.",
        columns=(
            Column("date", "date", "the day the record reached that stage", required=True),
            _text("lead_source", "the record's lead source"),
            _text("campaign", "the CRM campaign"),
            _count("leads_created", "leads (or contacts) created"),
            _count("qualified", "leads qualified"),
            _count("opportunities_created", "opportunities (deals) created"),
            _count("won", "opportunities won"),
            _money("won_amount", "amount of the won opportunities"),
            _text("currency", "currency of won_amount"),
        ),
        grain=("date", "lead_source", "campaign"), date="date",
        checks=("coalesce(leads_created, 0) >= 0", "coalesce(won_amount, 0) >= 0"),
    ),
    Fact(
        "organic_search_daily",
        "Organic search impressions, clicks and position per day, query, page, country and device.",
        columns=(
            Column("date", "date", "the day (the search engine's reporting day)", required=True),
            _text("property_id", "the site or property", required=True),
            _text("query", "the search query"),
            _text("page", "the landing page"),
            _text("country", "the searcher's country"),
            _text("device", "desktop, mobile, tablet"),
            _count("impressions", "times a result was shown"),
            _count("clicks", "clicks on a result"),
            Column("position", "number", "average position (1 is the top)", weighted_by="impressions"),
        ),
        grain=("date", "property_id", "query", "page", "country", "device"), date="date",
        checks=("coalesce(impressions, 0) >= 0", "coalesce(clicks, 0) >= 0", "position is null or position >= 1"),
        warn_if=("clicks > impressions",), derived=("ctr",),
    ),
    Fact(
        "social_content_daily",
        "Organic reach and engagement per day, account and post or video.",
        columns=(
            Column("date", "date", "the day", required=True),
            _text("account_id", "the page, profile, channel or organization", required=True),
            _text("content_id", "the post or video; empty for account-level rows"),
            _text("content_type", "post, reel, video, story, ... (account for account-level rows)"),
            _count("impressions", "times the content was shown"),
            _count("reach", "unique accounts reached (not additive across days)"),
            _count("engagements", "likes, comments, shares, saves and clicks together"),
            _count("video_views", "video views"),
            _count("followers_gained", "new followers (account-level rows)"),
        ),
        grain=("date", "account_id", "content_id"), date="date",
        checks=("coalesce(impressions, 0) >= 0", "coalesce(engagements, 0) >= 0"),
    ),
    Fact(
        "affiliate_performance_daily",
        "Affiliate and partner clicks, actions, sales and commission per day and partner.",
        columns=(
            Column("date", "date", "the day of the action", required=True),
            _text("program_id", "the advertiser account or program", required=True),
            _text("partner_id", "the publisher or partner"),
            _text("partner_name", "its name"),
            _count("clicks", "clicks"),
            Column("actions", "number", "conversions (sales, leads) the network tracked"),
            _money("sale_amount", "sales amount of the actions"),
            _money("commission", "commission cost owed to partners"),
            _CURRENCY,
        ),
        grain=("date", "program_id", "partner_id"), date="date",
        checks=("coalesce(sale_amount, 0) >= 0", "coalesce(commission, 0) >= 0"),
    ),
    Fact(
        "reviews",
        "One row per product or store review.",
        columns=(
            Column("review_date", "date", "the day the review was written", required=True),
            _text("review_id", "the vendor's review id", required=True),
            _text("product_id", "the reviewed product (empty for store reviews)"),
            Column("rating", "number", "stars, 1 to 5"),
            Column("verified", "bool", "a verified buyer"),
            _text("title", "the review's title"),
        ),
        grain=("review_id",), date="review_date", sums=False,
        checks=("rating is null or (rating >= 0 and rating <= 5)",),
    ),
    Fact(
        "survey_responses",
        "One row per answer to a survey question (post-purchase 'how did you hear about us').",
        columns=(
            Column("response_date", "date", "the day the response was submitted", required=True),
            _text("survey_id", "the form or survey", required=True),
            _text("response_id", "the response", required=True),
            _text("question_id", "the question", required=True),
            _text("question", "the question's text"),
            _text("answer", "the answer, as text"),
            _text("order_id", "the order the response belongs to, where the survey passes it"),
        ),
        grain=("survey_id", "response_id", "question_id"), date="response_date", sums=False,
    ),
)}


# -- validation -------------------------------------------------------------------------------


def mappings_of(stream: Any) -> tuple[Maps, ...]:
    """The `Maps` a stream declares (``unified`` may be one, or a tuple with other mappings)."""
    unified = getattr(stream, "unified", None)
    items = unified if isinstance(unified, tuple) else (unified,)
    return tuple(m for m in items if isinstance(m, Maps))


def check_mapping(source: str, stream: str, mapping: Maps) -> Fact:
    """The fact `mapping` targets; a `FactError` naming what is wrong otherwise."""
    where = f"{source}.{stream}: Maps({mapping.fact!r})"
    fact = FACTS.get(mapping.fact)
    if fact is None:
        raise FactError(f"{where}: no unified fact named {mapping.fact!r} (facts: {', '.join(sorted(FACTS))})")
    unknown = sorted(set(mapping.columns) - set(fact.names))
    if unknown:
        raise FactError(f"{where}: {', '.join(unknown)} not a column of fact {fact.name} (columns: {', '.join(fact.names)})")
    missing = [c.name for c in fact.columns if c.required and c.name not in mapping.columns]
    if missing:
        raise FactError(f"{where}: maps no {', '.join(missing)} (required by fact {fact.name})")
    for name, unit in mapping.units.items():
        if name not in mapping.columns or fact.column(name).kind != "money":
            raise FactError(f"{where}: units name {name!r}, which is not a mapped money column")
    for name, value in mapping.columns.items():
        kind = fact.column(name).kind
        if isinstance(value, DayOf) and kind != "date":
            raise FactError(f"{where}: {name}=DayOf(...) on a {kind} column (DayOf gives a date)")
        if isinstance(value, Expr):
            _qualified(value, f"{where}: {name}")
        if isinstance(value, Total):
            if not isinstance(mapping.columns.get(value.on), str):
                raise FactError(f"{where}: {name}=Total(...) matches {value.on!r}, which this mapping does not take from a column")
            _qualified(Expr(value.value), f"{where}: {name}")
            if value.where is not None:
                _qualified(Expr(value.where), f"{where}: {name}")
    if mapping.where is not None:
        _qualified(Expr(mapping.where), f"{where}: where")
    return fact


def _qualified(expr: Expr, where: str, table: str = "row_") -> str:
    """`expr` with every column read from the stream's row (``row_.<column>``, or `table`'s); a
    `FactError` when it does not parse or is more than an expression (a subquery, a statement)."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(expr.sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise FactError(f"{where}: Expr({expr.sql!r}) does not parse: {str(exc).splitlines()[0]}") from None
    if isinstance(tree, (exp.Query, exp.Command, exp.DDL, exp.DML)) or tree.find(exp.Subquery, exp.Select):
        raise FactError(f"{where}: Expr({expr.sql!r}) must be an expression over the stream's columns, not a query")
    for column in tree.find_all(exp.Column):
        if column.table:
            raise FactError(f"{where}: Expr({expr.sql!r}) names a table ({column.sql()}): name the stream's columns only")
        column.set("table", exp.to_identifier(table))
    return tree.sql(dialect="duckdb")


# -- staging SQL ------------------------------------------------------------------------------


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _lookup_table(lookup: Lookup) -> str:
    return f"lookup_{lookup.stream}"


def _value_sql(connector: "Connector", value: Value, joins: dict[str, Lookup | Total]) -> str:
    """The SQL of one mapped value, over the stream's table aliased ``row_``."""
    if isinstance(value, Const):
        return _literal(value.value)
    if isinstance(value, Total):
        table = f"total_{sum(isinstance(j, Total) for j in joins.values()) + 1}"
        joins[table] = value
        return f"coalesce({table}.total_, 0)"
    if isinstance(value, Lookup):
        table = _lookup_table(value)
        if table in joins and (joins[table].pairs, joins[table].row_columns) != (value.pairs, value.row_columns):
            raise FactError(f"lookups into {value.stream} must join on the same columns ({joins[table].pairs} vs {value.pairs})")
        joins[table] = value
        return f"{table}.{value.column}"
    if isinstance(value, Expr):
        return f"({_qualified(value, 'Expr')})"
    if isinstance(value, DayOf):
        zone = value.timezone
        zone_sql = _value_sql(connector, zone, joins) if not isinstance(zone, str) else f"row_.{zone}"
        stamp = value.timestamp
        stamp_sql = _value_sql(connector, stamp, joins) if isinstance(stamp, Lookup) else f"row_.{stamp}"
        return f"cast({stamp_sql} at time zone coalesce({zone_sql}, 'UTC') as date)"
    return f"row_.{value}"


def _typed(column: Column, sql: str, unit: Unit | MinorUnits | None, currency: str | None = None) -> str:
    if column.kind == "money" and isinstance(unit, MinorUnits):
        return unit.sql(sql, currency or "null")
    if column.kind == "money":
        return money_sql(sql, unit or CURRENCY)
    if column.kind == "bool" and sql in ("true", "false"):
        return sql
    return f"cast({sql} as {_SQL_TYPE[column.kind]})"


def _mapping_select(connector: "Connector", stream: str, fact: Fact, mapping: Maps) -> list[str]:
    joins: dict[str, Lookup | Total] = {}
    columns = ["row_.tenant_id"]
    currency = mapping.columns.get("currency")
    currency_sql = _value_sql(connector, currency, joins) if currency is not None else None
    for column in fact.columns:
        value = mapping.columns.get(column.name)
        if value is None:
            columns.append(f"cast(null as {_SQL_TYPE[column.kind]}) as {column.name}")
        else:
            sql = _value_sql(connector, value, joins)
            typed = sql if isinstance(value, DayOf) else _typed(column, sql, mapping.units.get(column.name), currency_sql)
            columns.append(f"{typed} as {column.name}")
    lines = ["    select", ",\n".join(f"        {c}" for c in columns), f"    from raw.{connector.table_name(mapping.table or stream)} as row_"]
    for table, lookup in joins.items():
        if isinstance(lookup, Total):
            lines += _total_join(connector, stream, mapping, table, lookup)
            continue
        lines.append(f"    left join raw.{connector.table_name(lookup.stream)} as {table}")
        conditions = [f"{table}.tenant_id = row_.tenant_id"]
        own = lookup.row_columns
        for i, (key, on) in enumerate(lookup.pairs):
            target = own[i] if own is not None else mapping.columns.get(on)
            if not isinstance(target, str):
                raise FactError(f"{connector.name}.{stream}: Lookup({lookup.stream!r}) joins on {on!r}, which this mapping does not take "
                                "from a column (name the row's own column with row=)")
            conditions.append(f"cast({table}.{key} as varchar) = cast(row_.{target} as varchar)")
        lines.append("        on " + "\n        and ".join(conditions))
    if mapping.where:
        lines.append(f"    where {_qualified(Expr(mapping.where), 'where')}")
    return lines


def _total_join(connector: "Connector", stream: str, mapping: Maps, table: str, total: Total) -> list[str]:
    """``left join`` the sums of `total` per tenant and key, on the row's own column."""
    target = mapping.columns.get(total.on)
    if not isinstance(target, str):
        raise FactError(f"{connector.name}.{stream}: Total({total.stream!r}) matches {total.on!r}, which this mapping does not take from a column")
    rows = [f"        select t_.tenant_id, cast(t_.{total.key} as varchar) as key_, sum({_qualified(Expr(total.value), 'Total', 't_')}) as total_",
            f"        from raw.{connector.table_name(total.stream)} as t_"]
    if total.where:
        rows.append(f"        where {_qualified(Expr(total.where), 'Total', 't_')}")
    rows.append("        group by 1, 2")
    return ["    left join (", *rows, f"    ) as {table}",
            f"        on {table}.tenant_id = row_.tenant_id", f"        and {table}.key_ = cast(row_.{target} as varchar)"]


def _notes(connector: "Connector", stream: str, fact: Fact, mapping: Maps) -> list[str]:
    where = f"{connector.name}.{stream}" + (f" (its table {connector.table_name(mapping.table)})" if mapping.table else "")
    lines = [f"--   from {where}" + (f" where {mapping.where}" if mapping.where else "") + ":"]
    for name, value in mapping.columns.items():
        if isinstance(value, Const):
            shown = f"the constant {_literal(value.value)}"
        elif isinstance(value, Lookup):
            sides = value.row_columns or tuple(on for _k, on in value.pairs)
            shown = f"{value.stream}.{value.column} (joined on {', '.join(f'{k} = {on}' for (k, _on), on in zip(value.pairs, sides)) or 'the tenant'})"
        elif isinstance(value, Expr):
            shown = value.sql
        elif isinstance(value, Total):
            shown = (f"the sum of {value.value} over {value.stream} rows whose {value.key} is the {value.on}"
                     + (f" where {value.where}" if value.where else ""))
        elif isinstance(value, DayOf):
            zone, when = value.timezone, value.timestamp
            zone_text = zone if isinstance(zone, str) else (f"{zone.stream}.{zone.column}" if isinstance(zone, Lookup) else zone.value)
            stamp = value.timestamp
            stamp_text = f"{stamp.stream}.{stamp.column}" if isinstance(stamp, Lookup) else stamp
            shown = f"the day of {stamp_text} in the time zone {zone_text}"
        else:
            shown = value
        unit = mapping.units.get(name)
        extra = [f"sent in {unit.name}"] if unit is not None and unit != CURRENCY else []
        extra += [mapping.meanings[name]] if name in mapping.meanings else []
        lines.append(f"--     {shown} -> {name}" + (f" ({'; '.join(extra)})" if extra else ""))
    return lines


def fact_staging_sql(connector: "Connector", fact: Fact, mapped: list[tuple[str, Maps]]) -> str:
    """``stg_<source>__<fact>``: the rows of every stream mapped into `fact`, UNION ALL,
    summed to the fact's grain when it is a daily aggregate."""
    grain = ["tenant_id", "platform", *fact.grain]
    # A Total sums rows of other days into a row (a refund on the 22nd into the sale of the 13th):
    # the staging is not date-local, so it is rebuilt in full, never day by day.
    local = not any(isinstance(v, Total) for _, m in mapped for v in m.columns.values())
    header = [
        f"-- description: {connector.title} in the unified {fact.name.replace('_', ' ')} columns: {fact.description}",
        *([f"-- incremental: {fact.date}"] if local else []),
        f"-- grain: {grain_header(fact)}",
        "-- not_null: " + ", ".join(c.name for c in fact.columns if c.required),
        "--",
        f"-- Generated from the unified mappings declared on {connector.name}:",
    ]
    parts = []
    for stream, mapping in mapped:
        header += _notes(connector, stream, fact, mapping)
        parts.append("\n".join(_mapping_select(connector, stream, fact, mapping)))
    header.append("-- Columns the source does not map are NULL (not reported).")
    rows = "\n    union all\n".join(parts)
    platform = f"'{connector.name}' as platform"
    if not fact.sums:
        body = ["with rows_ as (", rows, ")", "", "select", f"    tenant_id,\n    {platform},",
                ",\n".join(f"    {c.name}" for c in fact.columns), "from rows_"]
        return "\n".join(header + body) + "\n"
    keys = [c for c in fact.grain]
    select = [f"    {k}" for k in keys]
    for column in fact.columns:
        if column.name in keys:
            continue
        if column.weighted_by:
            w = column.weighted_by
            select.append(f"    sum({column.name} * {w}) / nullif(sum(case when {column.name} is not null then {w} end), 0) as {column.name}")
        elif column.kind in MEASURES:
            select.append(f"    sum({column.name}) as {column.name}")
        else:
            select.append(f"    max({column.name}) as {column.name}")
    body = ["with rows_ as (", rows, ")", "", "select", f"    tenant_id,\n    {platform},", ",\n".join(select),
            "from rows_", f"group by tenant_id, {', '.join(keys)}"]
    header.append(f"-- Rows of one {', '.join(fact.grain)} are summed (other columns: their largest value).")
    return "\n".join(header + body) + "\n"


def fact_staging_models(connector: "Connector") -> dict[str, str]:
    """``{stg_<source>__<fact>: SQL}`` for every fact `connector`'s streams map into."""
    by_fact: dict[str, list[tuple[str, Maps]]] = {}
    for stream in connector.streams:
        for mapping in mappings_of(stream):
            check_mapping(connector.name, stream.name, mapping)
            by_fact.setdefault(mapping.fact, []).append((stream.name, mapping))
    return {f"stg_{connector.name}__{name}": fact_staging_sql(connector, FACTS[name], mapped) for name, mapped in by_fact.items()}


def grain_header(fact: Fact) -> str:
    """The ``-- grain:`` of a fact's models: a grain column the fact does not require is written
    ``col?`` (NULL is one of its values: a site total has no query, direct traffic no campaign)."""
    return ", ".join(["tenant_id", "platform", *(c if fact.column(c).required or c == fact.date else f"{c}?" for c in fact.grain)])


def fact_mart_sql(fact: Fact, members: list[str] | None = None) -> str:
    """``fct_<fact>``: every source's ``stg_<source>__<fact>``, with the fact's checks. `members`
    names the staging models generated from the sources' mappings (a hand-written staging
    model of another shape, Shopify's ``stg_shopify__orders``, may match ``stg_*__orders``)."""
    header = [
        f"-- description: {fact.description} Every synced source side by side (platform names the source that reported the row).",
        f"-- union: rows_ = {', '.join(members) if members else f'stg_*__{fact.name}'}",
        f"-- incremental: {fact.date}",
        f"-- grain: {grain_header(fact)}",
        "-- not_null: " + ", ".join(["platform"] + [c.name for c in fact.columns if c.required]),
        *[f"-- check: {c}" for c in fact.checks],
        *[f"-- warn_if: {w}" for w in fact.warn_if],
        *([f"-- finite: {', '.join(c.name for c in fact.columns if c.kind == 'number')}"]
          if any(c.kind == "number" for c in fact.columns) else []),
        *([f"-- derived: {', '.join(fact.derived)}"] if fact.derived else []),
        "--",
        "-- Generated from the fact's declaration (framework/facts.py): every column, what it means:",
        *[f"--   {c.name} ({c.kind}): {c.meaning}" for c in fact.columns],
        *[f"-- {n}" for n in fact.notes],
        "-- Sources that do not report a column leave it NULL; never add rows of different platforms",
        "-- that count the same events (a web analytics tool and an MMP, say) without choosing one.",
    ]
    body = ["select", "    tenant_id,\n    platform,", ",\n".join(f"    {c}" for c in (*fact.names, *fact.derived)), "from rows_"]
    return "\n".join(header + body) + "\n"


__all__ = ["COUNT", "Column", "Const", "DayOf", "Expr", "FACTS", "Fact", "FactError", "Maps", "Total", "check_mapping",
           "fact_mart_sql", "fact_staging_models", "fact_staging_sql", "mappings_of"]
