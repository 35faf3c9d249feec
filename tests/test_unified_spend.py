"""Each ad platform's documented spend reaches the unified tables, in currency units.

For every source whose campaign-level daily report declares a unified mapping and whose
documented bodies say where the records are: replay its documented fixtures
(cassettes/<source>/) into DuckDB, build the unified recipes, and compare the spend per day
in ``analytics.fct_campaign_performance`` and ``analytics.daily_campaign_summary`` with the
documented bodies' own spend values, converted by the unit the vendor documents (stated in
the fixtures' ``facts``: currency, cents or micros; ``day_field`` names the day's path when
the source derives its ``date`` from a vendor object; ``metric_pairs`` says where metrics come as
a list of name/value pairs), exactly: money is a decimal from the raw
table to the unified facts, never a double. The expected values are read from the
JSON bodies directly (the vendor's field, in the vendor's nesting), never through the
source's code, so a source that declares the wrong unit fails here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pytest

from bosco_connectors.framework.jsonpath import get_path
from bosco_connectors.framework.records import CENTS, CURRENCY, MICROS, Records
from bosco_connectors.framework.registry import all_connectors, registered, uninstalled_builtins
from bosco_connectors.framework.unified import Performance, ad_spec
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder, has_fixtures


def _campaign_daily(connector: Any) -> Any:
    for stream in connector.streams:
        spec = ad_spec(stream)  # an affiliate report is a facts.Maps and a Performance at once
        if isinstance(spec, Performance) and spec.level == "campaign" and isinstance(stream.records, Records) and stream.records.path:
            return stream
    return None


#: The units a vendor may document for money; the documented one comes from the fixtures' facts,
#: never from the source's declaration, so a wrong declaration fails here.
UNITS = {"currency": CURRENCY, "cents": CENTS, "micros": MICROS}
#: Installed sources, and those of this repository whose entry point is not installed yet (a new
#: source before ``pip install -e .``): registered for their test, so the recipes find their staging.
_UNINSTALLED = uninstalled_builtins()
CASES = [c for c in all_connectors() + _UNINSTALLED if _campaign_daily(c) is not None and has_fixtures(c)]


def _leaves(obj: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _leaves(value, (*path, key))
    else:
        yield path, obj


def _value(record: dict[str, Any], names: set[str], nested: tuple[str, ...]) -> Any:
    """The documented value named one of `names`, at the top of the row or one level down in an object
    the stream declares it flattens (``metrics.spend``), where the vendor puts the field: a name deeper
    down (Apple's ``totalMetrics.localSpend.amount`` beside the day's ``localSpend.amount``) is another field."""
    found = [v for path, v in _leaves(record)
             if path and path[-1] in names and (len(path) == 1 or (len(path) == 2 and path[0] in nested))]
    assert len(found) == 1, f"expected one of {names} in the documented record, found {found}"
    return found[0]


def _day(value: Any) -> date:
    if isinstance(value, dict):  # a Rest.li date object (LinkedIn's dateRange.start)
        return date(int(value["year"]), int(value["month"]), int(value["day"]))
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit() and len(value) > 8):
        return datetime.fromtimestamp(float(value) / (1000 if float(value) > 1e11 else 1)).date()
    text = str(value)
    return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if len(text) == 8 and text.isdigit() else date.fromisoformat(text[:10])


def _pair(record: dict[str, Any], pairs: dict[str, str]) -> Any:
    """The documented spend in a list of name/value pairs: the value whose name is the spend's."""
    found = [item.get(pairs["value"]) for item in record.get(pairs["list"]) or () if item.get(pairs["name"]) == pairs["spend"]]
    assert len(found) <= 1, f"several {pairs['spend']} pairs in one documented record: {found}"
    return found[0] if found else None


def _asked_day(stream: Any, exchange: Any) -> Any:
    """The day a one-day report request asked for, where its rows name none (Everflow, Awin: the
    stream stamps ``Records(window_day=...)``): the window's first bound as the exchange sent it."""
    request = exchange.request or {}
    sent = {**(request.get("query") or {}), **(request.get("json") or {})}
    day = sent.get(stream.window.start)
    assert day is not None, f"{stream.name}: the documented request names no '{stream.window.start}'"
    return day


def documented_spend(connector: Any) -> dict[date, Decimal]:
    """Spend per day as the documented bodies give it, converted by the declared unit."""
    stream = _campaign_daily(connector)
    spec = ad_spec(stream)
    assert isinstance(spec, Performance)
    records: Records = stream.records
    vendor = {v for v, column in records.rename.items() if column == spec.spend} | {spec.spend}
    days = {v for v, column in records.rename.items() if column == spec.date} | {spec.date}
    fixtures = Fixtures.load(fixture_folder(connector))
    documented = fixtures.facts.get("spend_unit")
    assert documented in UNITS, (
        f"{connector.name}: fixtures.json must state the documented unit of the campaign report's spend "
        f"(\"facts\": {{\"spend_unit\": \"currency\" | \"cents\" | \"micros\"}}), from the vendor's reference"
    )
    unit = UNITS[documented]
    # Where the day is not a field of its own (LinkedIn's dateRange.start), the facts name its path.
    day_field = fixtures.facts.get("day_field")
    # Where metrics come as a list of name/value pairs (Spotify's stats[{field_type, field_value}]), the facts say so.
    pairs = fixtures.facts.get("metric_pairs")
    out: dict[date, Decimal] = defaultdict(Decimal)
    for exchange in fixtures.data(stream.name):
        asked = _asked_day(stream, exchange) if records.window_day and records.window_day == spec.date else None
        for record in records.select_rows(fixtures.body(exchange)):  # a report nesting days in a list: its rows
            spend = _pair(record, pairs) if pairs else _value(record, vendor, records.flatten)
            if spend in (None, "", "-"):
                continue
            day = asked or (get_path(record, day_field) if day_field else _value(record, days, records.flatten))
            # Money is loaded with nine decimal places, rounded half to even (LinkedIn sends float noise).
            out[_day(day)] += Decimal(str(spend)).scaleb(-unit.exponent).quantize(Decimal("1e-9"), rounding=ROUND_HALF_EVEN)
    return dict(out)


@pytest.mark.parametrize("connector", CASES, ids=lambda c: c.name)
def test_documented_spend_reaches_the_unified_facts_in_currency_units(connector, tmp_path: Path):
    with registered(*([connector] if connector in _UNINSTALLED else [])):
        _check_documented_spend(connector, tmp_path)


def _check_documented_spend(connector: Any, tmp_path: Path) -> None:
    import dlt

    from bosco_connectors.recipes.runner import build
    from bosco_connectors.sandbox.server import FakeApi
    from bosco_connectors.sync import SyncJob, run_sync

    fixtures = Fixtures.load(fixture_folder(connector))
    app = FixtureApp(fixtures)
    db = tmp_path / "u.duckdb"
    with FakeApi([app]) as api:
        result = run_sync(SyncJob("t", connector.name, app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
    assert result.ok, result.failure_line
    expected = documented_spend(connector)
    assert expected and any(expected.values()), f"{connector.name}: its documented campaign report holds no spend"
    con = duckdb.connect(str(db))
    try:
        built = build(con, select=["fct_campaign_performance", "daily_campaign_summary"])
        assert built.ok, [m.reason for m in built.models if m.status == "failed"]
        # Exact: a double would sum 333.33 and 0.01 into 333.34000000000003 (issue 12, item 5).
        stream = _campaign_daily(connector)
        (raw,) = con.execute(f"select sum({ad_spec(stream).spend}) from raw.{connector.table_name(stream)}").fetchone()
        assert isinstance(raw, (Decimal, int)), f"raw {ad_spec(stream).spend} is summed as {type(raw).__name__}, not exact"
        for table in ("fct_campaign_performance", "daily_campaign_summary"):
            loaded = dict(con.execute(
                f"select date, sum(spend) from analytics.{table} where platform = ? group by date", [connector.name]
            ).fetchall())
            assert all(isinstance(v, Decimal) for v in loaded.values()), f"{table}.spend is not an exact decimal: {loaded}"
            assert loaded == expected, table
    finally:
        con.close()


# -- the optional unified metrics (issue 12): view-through conversions and video views ---------

OPTIONAL = ("view_through_conversions", "video_views")
#: Sources whose campaign report maps one of the optional metrics and whose bodies document it.
OPTIONAL_CASES = [c for c in CASES if any(getattr(ad_spec(_campaign_daily(c)), m) for m in OPTIONAL)]


def documented_optional(connector: Any, metric: str) -> dict[date, Decimal] | None:
    """The mapped metric summed per day from the documented bodies (the vendor's field), None if unmapped."""
    stream = _campaign_daily(connector)
    field = getattr(ad_spec(stream), metric)
    if field is None:
        return None
    records: Records = stream.records
    names = {v for v, column in records.rename.items() if column == field} | {field}
    days = {v for v, column in records.rename.items() if column == ad_spec(stream).date} | {ad_spec(stream).date}
    fixtures = Fixtures.load(fixture_folder(connector))
    out: dict[date, Decimal] = defaultdict(Decimal)
    for exchange in fixtures.data(stream.name):
        for record in records.select_rows(fixtures.body(exchange)):
            value = _value(record, names, records.flatten)
            if value not in (None, "", "-"):
                out[_day(_value(record, days, records.flatten))] += Decimal(str(value))
    return dict(out)


def test_tiktok_maps_video_views_and_is_a_case():
    assert "tiktok_ads" in {c.name for c in OPTIONAL_CASES}


@pytest.mark.parametrize("connector", OPTIONAL_CASES, ids=lambda c: c.name)
def test_documented_view_through_conversions_and_video_views_reach_the_unified_facts(connector, tmp_path: Path):
    """Summed per day from the bodies, equal in fct_campaign_performance and daily_campaign_summary; an
    unmapped one is NULL there (the platform does not report it), never 0."""
    import dlt

    from bosco_connectors.recipes.runner import build
    from bosco_connectors.sandbox.server import FakeApi
    from bosco_connectors.sync import SyncJob, run_sync

    with registered(*([connector] if connector in _UNINSTALLED else [])):
        app = FixtureApp(Fixtures.load(fixture_folder(connector)))
        db = tmp_path / "u.duckdb"
        with FakeApi([app]) as api:
            result = run_sync(SyncJob("t", connector.name, app.source_config(api.url(app.prefix))),
                              destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
        assert result.ok, result.failure_line
        con = duckdb.connect(str(db))
        try:
            assert build(con, select=["fct_campaign_performance", "daily_campaign_summary"]).ok
            for metric in OPTIONAL:
                expected = documented_optional(connector, metric)
                for table in ("fct_campaign_performance", "daily_campaign_summary"):
                    loaded = dict(con.execute(f"select date, sum({metric}) from analytics.{table} where platform = ? group by date",
                                              [connector.name]).fetchall())
                    if expected is None:
                        assert set(loaded.values()) == {None}, (table, metric)
                    else:
                        assert expected and any(expected.values()), f"{connector.name}: no documented {metric}"
                        assert {d: Decimal(str(v)) for d, v in loaded.items()} == expected, (table, metric)
        finally:
            con.close()
