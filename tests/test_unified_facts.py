"""Each source's documented records reach the unified facts it maps into (orders, email, ...).

For every source whose streams declare a `Maps` and whose documented bodies say where the
records are: replay its documented fixtures (cassettes/<source>/) into DuckDB, build
``fct_<fact>``, and compare, per measure the source maps from one vendor field, the total
in the fact with the total of that field over the documented bodies, converted by the unit
the vendor documents (the fixtures' ``facts.units``: ``{"<vendor field>": "cents"}``;
money fields must be stated; a field sent as a series, one value per day, totals its values).
A measure mapped to `COUNT` is compared with the number of
documented records; a fact of one row per record (orders, reviews) must hold exactly one
row per documented record. A stream's records are where its ``Records`` declaration says
(without a path, the body is the list of records: BigCommerce's Orders v2). Expected values come from the JSON bodies, never from the
source's code, so a wrong field or unit fails here.

Money in ``"minor"`` units is in the minor unit of each record's own currency (a payment
processor's charges in USD and JPY): the fixtures state each currency's exponent in
``facts.exponents`` (``{"usd": 2, "jpy": 0}``), and the record's currency is the field the
mapping's ``currency`` reads. A field named with dlt's ``__`` (``total_money__amount``) is
read at that nesting of the record (``total_money.amount``).
"""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pytest

from bosco_connectors.framework.deletions import SoftDelete
from bosco_connectors.framework.facts import COUNT, FACTS, MEASURES, Expr, mappings_of
from bosco_connectors.framework.records import CENTS, CURRENCY, MICROS, Records
from bosco_connectors.framework.registry import all_connectors, registered, uninstalled_builtins
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder, has_fixtures

UNITS = {"currency": CURRENCY, "cents": CENTS, "micros": MICROS}


def _checkable(stream: Any) -> bool:
    """A `Records` declaration says where the records are (no path: the body is the list of them)."""
    return isinstance(getattr(stream, "records", None), Records) and bool(mappings_of(stream))


#: Sources of this repository whose entry point is not installed yet (a new source before
#: ``pip install -e .``): registered for their test, so the recipes generate their staging.
_UNINSTALLED = uninstalled_builtins()


def _cases() -> list[tuple[Any, str]]:
    cases = []
    for connector in all_connectors() + _UNINSTALLED:
        if not has_fixtures(connector):
            continue
        facts = sorted({m.fact for s in connector.streams if _checkable(s) for m in mappings_of(s)})
        cases += [(connector, fact) for fact in facts]
    return cases


CASES = _cases()


def _leaves(obj: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _leaves(value, (*path, key))
    else:
        yield path, obj


def _field(record: dict[str, Any], names: set[str]) -> Any:
    """The record's own field of that name, else the one nested object holding it (``flatten``,
    dlt's ``parent__child`` name, or a dotted ``Records(rename=...)`` path: Braintree's ``node.amount.value``): Adobe Commerce's order has a ``shipping_amount`` of its own
    and one in its ``payment``."""
    own = [record[k] for k in names if k in record]
    if own:
        return own[0]
    found = [v for p, v in _leaves(record) if p and (p[-1] in names or "__".join(p) in names or ".".join(p) in names)]
    assert len(found) <= 1, f"expected at most one of {names} in the documented record, found {found}"
    return found[0] if found else None


def documented_records(fixtures: Fixtures, stream: Any) -> list[dict[str, Any]]:
    """The records of the stream's documented bodies: a report answered as a file (a CSV), or a
    report job's file, read with the stream's declared format; a JSON body where its ``Records``
    path says. Records the bodies report deleted (a `SoftDelete` field: Salesforce's
    ``IsDeleted`` in a queryAll answer) are left out: they never reach a table."""
    return _not_deleted(stream, _documented(fixtures, stream))


def _documented(fixtures: Fixtures, stream: Any) -> list[dict[str, Any]]:
    records: Records = stream.records
    fmt = getattr(stream, "file", None)
    if fmt is not None and not any(fixtures.body(e) is not None for e in fixtures.data(stream.name)):
        return [r for e in fixtures.data(stream.name) for r in records.expand(list(fmt.records(io.BytesIO(fixtures.raw_body(e)))))]
    download = getattr(getattr(getattr(stream, "report", None), "download", None), "format", None)
    files = [e for e in fixtures.data(stream.name) if download.is_json or fixtures.body(e) is None] if download is not None else []
    # the job's file among its create and poll answers: the bodies the format reads records from (a REST
    # stream whose backfills go through a job, `jobs.RestStreamWithJob`, documents its pages here: JSON)
    if download is not None and (files or getattr(stream, "kind", None) == "async_report"):
        return [r for e in files for r in records.expand(list(download.records(io.BytesIO(fixtures.raw_body(e)))))]
    return [r for exchange in fixtures.data(stream.name) for r in records.expand(records.select(fixtures.body(exchange)))]


def _not_deleted(stream: Any, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    marks = [d for d in (stream.deleted if isinstance(stream.deleted, tuple) else (stream.deleted,)) if isinstance(d, SoftDelete)]
    if not marks or not found:
        return found
    shaped = stream.records.rows(found)
    return [raw for raw, row in zip(found, shaped) if not any(mark.is_deleted(row.get(mark.field)) for mark in marks)]


def expected_totals(connector: Any, fact: str, fixtures: Fixtures) -> tuple[dict[str, Decimal], int]:
    """``({fact column: documented total}, documented records)`` over the mappings a test can read."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    unreadable: set[str] = set()
    count = 0
    units = fixtures.facts.get("units", {})
    exponents = {code.upper(): int(e) for code, e in fixtures.facts.get("exponents", {}).items()}
    for stream in connector.streams:
        for mapping in (m for m in mappings_of(stream) if m.fact == fact):
            if not _checkable(stream) or mapping.where is not None:
                unreadable.update(mapping.columns)
                continue
            records = documented_records(fixtures, stream)
            count += len(records)
            for column, value in mapping.columns.items():
                kind = FACTS[fact].column(column).kind
                if kind not in MEASURES:
                    continue
                if value == COUNT:
                    totals[column] += len(records)
                elif isinstance(value, str):
                    vendor = _vendor_names(stream, value)
                    stated = "currency"
                    if kind == "money":
                        stated = next((units[v] for v in vendor if v in units), None)
                        assert stated in UNITS or stated == "minor", (
                            f"{connector.name}: fixtures.json must state the documented unit of {sorted(vendor)} "
                            f"(\"facts\": {{\"units\": {{\"{sorted(vendor)[0]}\": \"currency\" | \"cents\" | \"micros\" | \"minor\"}}}})"
                        )
                    currency = {n for c in _columns_named(mapping.columns.get("currency")) for n in _vendor_names(stream, c)}
                    for record in records:
                        found = _field(record, vendor)
                        # A series (Klaviyo's flow-series reports: one value per day) totals its values.
                        for item in (found if isinstance(found, list) else [found]):
                            if item in (None, "", "-"):
                                continue
                            if stated == "minor":
                                code = _field(record, currency) if currency else None
                                assert isinstance(code, str) and code.upper() in exponents, (
                                    f"{connector.name}: {sorted(vendor)} is in the minor unit of the record's currency "
                                    f"({code!r}): state its exponent in fixtures.json (\"facts\": {{\"exponents\": {{...}}}})")
                                exponent = exponents[code.upper()]
                            else:
                                exponent = UNITS[stated].exponent
                            totals[column] += Decimal(str(item)).scaleb(-exponent)
                else:
                    unreadable.add(column)
    return {c: v for c, v in totals.items() if c not in unreadable}, count


def _columns_named(value: Any) -> set[str]:
    """The stream columns a mapped value reads: a column itself, or those of an `Expr` (``upper(currency)``)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, Expr):
        import sqlglot
        from sqlglot import exp

        return {c.name for c in sqlglot.parse_one(value.sql, read="duckdb").find_all(exp.Column)}
    return set()


def _vendor_names(stream: Any, column: str) -> set[str]:
    """The vendor field names a mapped column comes from (itself, and the names renamed to it)."""
    return {v for v, c in stream.records.rename.items() if c == column} | {column}


@pytest.mark.parametrize(("connector", "fact"), CASES, ids=lambda v: getattr(v, "name", v))
def test_documented_records_reach_the_unified_fact(connector, fact: str, tmp_path: Path) -> None:
    if connector in _UNINSTALLED:
        with registered(connector):
            _check_fact(connector, fact, tmp_path)
    else:
        _check_fact(connector, fact, tmp_path)


def _check_fact(connector: Any, fact: str, tmp_path: Path) -> None:
    import dlt

    from bosco_connectors.recipes.runner import build
    from bosco_connectors.sandbox.server import FakeApi
    from bosco_connectors.sync import SyncJob, run_sync

    fixtures = Fixtures.load(fixture_folder(connector))
    app = FixtureApp(fixtures)
    db = tmp_path / "f.duckdb"
    with FakeApi([app]) as api:
        result = run_sync(SyncJob("t", connector.name, app.source_config(api.url(app.prefix))),
                          destination=dlt.destinations.duckdb(str(db)), pipelines_dir=tmp_path / "p", connector=connector)
    assert result.ok, result.failure_line
    expected, documented = expected_totals(connector, fact, fixtures)
    con = duckdb.connect(str(db))
    try:
        built = build(con, select=[f"fct_{fact}"])
        assert built.ok, [m.line() for m in built.models if m.status == "failed"]
        assert built.get(f"fct_{fact}").status == "built", [m.line() for m in built.models if m.status != "built"]
        rows = con.execute(f"select count(*) from analytics.fct_{fact} where platform = ?", [connector.name]).fetchone()[0]
        assert rows > 0, f"no row of {connector.name} reached fct_{fact}"
        if not FACTS[fact].sums and not any(m.where for s in connector.streams for m in mappings_of(s) if m.fact == fact):
            assert rows == documented, f"fct_{fact} holds {rows} rows of {connector.name} for {documented} documented records"
        for column, total in expected.items():
            loaded = con.execute(f"select sum({column}) from analytics.fct_{fact} where platform = ?", [connector.name]).fetchone()[0]
            assert loaded is not None and Decimal(str(loaded)) == total, (
                f"fct_{fact}.{column}: {loaded} loaded, the documented records total {total}")
    finally:
        con.close()
