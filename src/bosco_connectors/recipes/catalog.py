"""Find the SQL recipes and seeds, read their headers, and order them by what they reference.

A recipe is one ``.sql`` file holding one SELECT in DuckDB's dialect. Its name is the
file name, its layer the top folder (see `LAYERS`). What it depends on is read from
the SQL itself with sqlglot, never from a hand-kept list:

- ``raw.<source>_<stream>`` is a raw table loaded by a source (only staging reads them);
- a bare name that is another recipe or a seed is that model (in the analytics schema);
- a bare name declared by a ``-- union:`` header is the union of the models matching a
  pattern (see `UnionSpec`).

A seed is a CSV file in ``seeds/`` (user-replaceable data such as exchange rates); it
becomes a model of the ``seeds`` layer whose SELECT is the file's rows as text (see
`read_seed`). Anything else (another schema, an unknown bare name) is an error when
the catalog loads, so a typo fails ``bosco-sync recipes list`` rather than a nightly build.
Columns declared by ``-- derived:`` are written in from ``derived.sql`` as each recipe is
read (see `derived`).
"""

from __future__ import annotations

import csv
import fnmatch
import heapq
import os
import re
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Iterable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from ..framework.errors import ConfigError
from . import derived
from .derived import Definitions, DerivedError

#: Layers in build order; a model may read models of its own layer or an earlier one.
LAYERS = ("seeds", "staging", "intermediate", "marts", "metrics", "ml")
#: The schema name recipes use for raw tables (the runner maps it to the real one).
RAW = "raw"
#: The dialect recipes are written in.
SOURCE_DIALECT = "duckdb"
ENV_RECIPES_DIR = "BOSCO_RECIPES_DIR"
#: A folder of CSV files that replace (or add to) the shipped seeds of the same name.
ENV_SEEDS_DIR = "BOSCO_SEEDS_DIR"

_DIRECTIVE = re.compile(r"^--\s*([a-z_]+)\s*:\s*(.*?)\s*$")
_KNOWN_DIRECTIVES = (
    "description", "grain", "not_null", "check", "warn_if", "union", "incremental", "relationship", "freshness",
    "finite", "derived",
)
_UNION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([A-Za-z0-9_*?\[\]]+(?:\s*,\s*[A-Za-z0-9_*?\[\]]+)*)(\s+\(optional\))?$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_RELATIONSHIP = re.compile(r"^([a-z0-9_,\s]+?)\s*->\s*([a-z][a-z0-9_]*)\s*(?:\(([a-z0-9_,\s]+)\))?$")
_FRESHNESS = re.compile(r"^([a-z][a-z0-9_]*)\s+within\s+(\d+)\s+days?$")


class RecipeError(ConfigError):
    """A recipe file is malformed, references something unknown, or the graph has a cycle."""


@dataclass(frozen=True)
class UnionSpec:
    """``-- union: <alias> = <pattern>``: the body reads `alias`, the union of all models
    whose name matches `pattern` (a glob, or several separated by commas: a generated fact
    names its members, so a hand-written staging model of another shape that happens to
    match ``stg_*__orders`` stays out) and that are available in this run.

    Members must select the same columns (checked when the catalog loads); the runner
    renders ``(SELECT <cols> FROM m1 UNION ALL SELECT <cols> FROM m2 ...) AS alias``
    over the members that exist, so adding a source's staging model adds it to the
    unified fact without editing the fact. With ``(optional)`` after the pattern the
    recipe still builds when no member is available: `alias` is then an empty table
    with the members' columns (e.g. GA4 traffic beside ad spend).
    """

    alias: str
    pattern: str
    members: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class Relationship:
    """``-- relationship: a, b -> dim(x, y)``: every row with non-NULL (a, b) has a match
    (x, y) in model `dim` (target columns default to the same names)."""

    columns: tuple[str, ...]
    target: str
    target_columns: tuple[str, ...]

    @property
    def label(self) -> str:
        target = self.target if self.target_columns == self.columns else f"{self.target}({', '.join(self.target_columns)})"
        return f"relationship({', '.join(self.columns)} -> {target})"


@dataclass(frozen=True)
class Freshness:
    """``-- freshness: date within 3 days``: each tenant's latest `column` is at most
    `days` days before today (the build's date, UTC)."""

    column: str
    days: int


@dataclass(frozen=True)
class Recipe:
    """One model (an SQL file or a seed): where it is, what it reads, what it promises."""

    name: str
    layer: str
    path: Path
    sql: str
    description: str = ""
    grain: tuple[str, ...] = ()
    #: Grain columns written ``col?``: part of the key, but NULL is a value of theirs (a site
    #: total has no query; a channel without money has no currency). Every other grain
    #: column is tested not NULL.
    nullable_grain: tuple[str, ...] = ()
    not_null: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    #: ``-- warn_if:`` conditions: rows where they are TRUE are reported, but do not fail.
    warnings: tuple[str, ...] = ()
    #: ``-- finite:`` columns: no infinity or NaN (``spend >= 0`` holds for +inf).
    finite: tuple[str, ...] = ()
    union: UnionSpec | None = None
    #: ``-- incremental: <date column>``: rebuilt only for the dates whose inputs changed.
    incremental: str | None = None
    relationships: tuple[Relationship, ...] = ()
    freshness: tuple[Freshness, ...] = ()
    raw_tables: tuple[str, ...] = ()
    #: Models referenced by name (each must be available first, or this one is skipped).
    models: tuple[str, ...] = ()

    @property
    def depends_on(self) -> tuple[str, ...]:
        """Every model this one reads: named models and union members."""
        members = self.union.members if self.union else ()
        return tuple(sorted(set(self.models) | set(members)))

    @property
    def is_seed(self) -> bool:
        return self.layer == "seeds"

    @cached_property
    def ast(self) -> exp.Query:
        return parse_select(self.sql, self.path)

    @property
    def output_columns(self) -> tuple[str, ...]:
        return tuple(self.ast.named_selects)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "layer": self.layer,
            "path": str(self.path),
            "description": self.description,
            "depends_on": list(self.depends_on),
            "raw_tables": [f"{RAW}.{t}" for t in self.raw_tables],
            "grain": list(self.grain),
            "incremental": self.incremental,
        }


# -- discovery -----------------------------------------------------------------------------


def recipes_root() -> Path:
    """The recipes folder: ``$BOSCO_RECIPES_DIR``, the copy packaged in the wheel
    (``bosco_connectors/_recipes``), or the repository's ``recipes/`` (editable installs)."""
    override = os.environ.get(ENV_RECIPES_DIR)
    if override:
        return Path(override).expanduser()
    return bundled_root()


def bundled_root() -> Path:
    """The recipes shipped with the package (the wheel's copy, or the repository's folder)."""
    package_dir = Path(__file__).resolve().parents[1]
    packaged = package_dir / "_recipes"
    if packaged.is_dir():
        return packaged
    repo = package_dir.parents[1] / "recipes"
    if repo.is_dir():
        return repo
    raise RecipeError(f"no recipes folder found (looked in {packaged} and {repo}; set {ENV_RECIPES_DIR})")


def seed_files(root: Path, seeds_dir: Path | str | None = None) -> dict[str, Path]:
    """Seed name -> CSV path: ``<root>/seeds/*.csv``, overridden by same-named files in
    `seeds_dir` (or ``$BOSCO_SEEDS_DIR``), which may also add seeds."""
    files = {p.stem: p for p in sorted((root / "seeds").glob("*.csv"))}
    override = seeds_dir if seeds_dir is not None else os.environ.get(ENV_SEEDS_DIR)
    if override:
        folder = Path(override).expanduser()
        if not folder.is_dir():
            raise RecipeError(f"seeds folder {folder} does not exist")
        files.update({p.stem: p for p in sorted(folder.glob("*.csv"))})
    return files


def load_catalog(root: Path | str | None = None, *, seeds_dir: Path | str | None = None,
                 generated: bool | None = None) -> list[Recipe]:
    """Read every recipe and seed under `root`, resolve references, return them in build order.

    ``generated``: add the staging recipes written from the sources' unified mappings
    (default: for the bundled recipes and copies of them, which union staging into the facts).
    The result is memoised per process on the files' paths, sizes and modification
    times and on the registered sources' names (recipes are immutable values), so
    repeated builds do not re-parse the SQL.
    """
    root = Path(root) if root is not None else recipes_root()
    if not root.is_dir():
        raise RecipeError(f"recipes folder {root} does not exist")
    if generated is None:
        generated = root.resolve() == recipes_root().resolve() or (root / "marts" / "fct_campaign_performance.sql").is_file()
    seeds = seed_files(root, seeds_dir)
    definitions = definitions_file(root)
    files = [*seeds.values(), *sorted(root.rglob("*.sql")), *([definitions] if definitions else [])]
    # Generated staging follows the registered sources: one registered later (a plugin, a
    # source under test) must not be served the catalog read before it.
    sources = _source_signature() if generated else ()
    signature = (generated, sources, *((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    cached = _CATALOGS.get(signature)
    if cached is None:
        cached = _load(root, seeds, generated, read_definitions(definitions) if definitions else None)
        if len(_CATALOGS) > 16:
            _CATALOGS.clear()
        _CATALOGS[signature] = cached
    return list(cached)


_CATALOGS: dict[tuple, list[Recipe]] = {}


def definitions_file(root: Path) -> Path | None:
    """``<root>/derived.sql``, else the shipped one (so a partial copy of the recipes still
    resolves ``-- derived:``); None when neither exists."""
    for folder in (root, bundled_root()):
        if (folder / derived.FILE).is_file():
            return folder / derived.FILE
    return None


def read_definitions(path: Path) -> Definitions:
    try:
        return derived.read_definitions(path, parse_select(path.read_text(encoding="utf-8"), path))
    except DerivedError as exc:
        raise RecipeError(str(exc)) from None


#: Parsed recipes by (path, layer, text, derived definitions' text): a catalog read again (a source
#: registered later changes the generated staging) re-parses only the SQL that changed.
_PARSED: dict[tuple[str, str, str, str | None], Recipe] = {}


def _parsed(path: Path, layer: str, text: str | None = None, definitions: Definitions | None = None) -> Recipe:
    text = path.read_text(encoding="utf-8") if text is None else text
    key = (str(path), layer, text, None if definitions is None else definitions.signature)
    recipe = _PARSED.get(key)
    if recipe is None:
        recipe = _PARSED[key] = read_recipe(path, layer, text, definitions=definitions)
    return recipe


def _load(root: Path, seeds: dict[str, Path], generated: bool = True, definitions: Definitions | None = None) -> list[Recipe]:
    drafts: dict[str, Recipe] = {}

    def add(recipe: Recipe, rel: object) -> None:
        if recipe.name in drafts:
            raise RecipeError(f"{rel}: a recipe named '{recipe.name}' already exists at {drafts[recipe.name].path}")
        drafts[recipe.name] = recipe

    for path in seeds.values():
        add(read_seed(path), path.name)
    for path in sorted(root.rglob("*.sql")):
        rel = path.relative_to(root)
        if rel == Path(derived.FILE):
            continue
        layer = rel.parts[0] if len(rel.parts) > 1 else ""
        if layer not in LAYERS or layer == "seeds":
            raise RecipeError(f"{rel}: recipes live in a layer folder ({', '.join(LAYERS[1:])})")
        add(_parsed(path, layer, definitions=definitions), rel)
    staging = generated_staging() if generated else {}
    for name, (source, sql) in staging.items():
        if name not in drafts:  # a hand-written staging file of the same name wins
            add(_parsed(Path(f"<generated from {source}>") / "staging" / f"{name}.sql", "staging", sql), name)
    for name, sql in (generated_marts(list(staging)) if generated else {}).items():
        if name not in drafts:  # so does a hand-written fact (recipes/marts/fct_orders.sql)
            add(_parsed(Path("<generated from framework/facts.py>") / "marts" / f"{name}.sql", "marts", sql, definitions), name)
    if generated and SOURCE_PLATFORMS not in drafts:
        add(_parsed(Path("<generated from the registered sources>") / "intermediate" / f"{SOURCE_PLATFORMS}.sql",
                    "intermediate", source_platforms_sql()), SOURCE_PLATFORMS)
    resolved = [_resolve(recipe, drafts) for recipe in drafts.values()]
    return topological_order(resolved)


def _source_signature() -> tuple[tuple[str, int], ...]:
    """The registered sources, by name and object: a source registered or installed later
    (``registry.registered``) changes the generated staging, so the memo must not hide it."""
    from ..framework.registry import get_connector, source_names

    out = []
    for name in source_names():
        try:
            out.append((name, id(get_connector(name))))
        except Exception:  # noqa: BLE001 - a broken plugin is reported by load_connectors, not here
            out.append((name, 0))
    return tuple(out)


def generated_staging() -> dict[str, tuple[str, str]]:
    """``{recipe name: (source, SQL)}``: staging written from each registered source's unified mapping."""
    from ..framework.registry import load_connectors
    from ..framework.unified import staging_models

    models: dict[str, tuple[str, str]] = {}
    connectors, _ = load_connectors()
    for connector in connectors:
        for name, sql in staging_models(connector).items():
            models[name] = (connector.name, sql)
    return models


SOURCE_PLATFORMS = "int_source_platforms"


def source_platforms_sql() -> str:
    """``int_source_platforms``: every registered source's platform name and category, so a mart
    can tell a store from a payment processor (both report orders) without a list kept by hand,
    and whether it maps ad performance (`Performance`: its rows reach fct_campaign_performance),
    so a network in both the ad facts and fct_affiliate_performance_daily is counted once."""
    from ..framework.registry import load_connectors
    from ..framework.unified import Performance, ad_spec

    connectors, _ = load_connectors()

    def reports_ads(connector: object) -> str:
        return "true" if any(isinstance(ad_spec(s), Performance) for s in connector.streams) else "false"

    rows = "\nunion all\n".join(
        f"select cast('{c.name}' as varchar) as platform, cast('{c.category}' as varchar) as category, "
        f"{reports_ads(c)} as reports_ad_performance"
        for c in sorted(connectors, key=lambda c: c.name)
    ) or ("select cast(null as varchar) as platform, cast(null as varchar) as category, "
          "cast(null as boolean) as reports_ad_performance where false")
    return ("-- description: Every registered source (platform), its category (ads, commerce, payments, email, ...) "
            "and whether it reports ad performance.\n"
            "-- grain: platform\n"
            "-- not_null: category, reports_ad_performance\n"
            "--\n"
            "-- Generated from the installed sources (`category=` on each connector; reports_ad_performance:\n"
            "-- a stream maps a `Performance`, so its rows are in fct_campaign_performance).\n"
            f"{rows}\n")


def generated_marts(staging: list[str]) -> dict[str, str]:
    """``{fct_<fact>: SQL}`` for every unified fact (framework/facts.py). A fact no installed source
    maps into is still declared, so the recipes that read it load (its union has no member: the
    build skips it, and what reads it, with that reason) and build once a source maps into it."""
    from ..framework.facts import FACTS, fact_mart_sql

    members = {name: sorted(r for r in staging if r.startswith("stg_") and r.endswith(f"__{name}")) for name in FACTS}
    return {f"fct_{name}": fact_mart_sql(fact, members[name]) for name, fact in FACTS.items()}


def read_seed(path: Path) -> Recipe:
    """A CSV file as a model: ``SELECT CAST(col AS VARCHAR) AS col, ... FROM (VALUES ...)``.

    Every value is text (an empty cell is NULL), so a seed renders the same on every
    engine; the models that read it cast. The first row names the columns.
    """
    name = path.stem
    if not _NAME.match(name):
        raise RecipeError(f"{path.name}: seed names are lower_snake_case (they become table names)")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = [row for row in csv.reader(fh) if any(cell.strip() for cell in row)]
    if not rows:
        raise RecipeError(f"{path.name}: a seed needs a header row naming its columns")
    header = [c.strip().lower() for c in rows[0]]
    bad = [c for c in header if not _NAME.match(c)]
    if bad or len(set(header)) != len(header):
        raise RecipeError(f"{path.name}: seed columns must be distinct lower_snake_case names (got {', '.join(header)})")
    body = rows[1:]
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise RecipeError(f"{path.name}: line {number} has {len(row)} values, the header has {len(header)}")
    text = exp.DataType.build("varchar")
    projections = [exp.cast(exp.column(c), text).as_(c) for c in header]
    if body:
        values = exp.Values(
            expressions=[exp.tuple_(*[exp.Literal.string(v.strip()) if v.strip() else exp.null() for v in row]) for row in body],
            alias=exp.TableAlias(this=exp.to_identifier("seed"), columns=[exp.to_identifier(c) for c in header]),
        )
        query = exp.select(*projections).from_(values)
    else:  # header only: an empty table with the seed's columns
        query = exp.select(*[exp.cast(exp.null(), text).as_(c) for c in header]).where(exp.false())
    recipe = Recipe(
        name=name,
        layer="seeds",
        path=path,
        sql=query.sql(dialect=SOURCE_DIALECT),
        description=f"seed {path.name} ({len(body)} rows)",
    )
    recipe.__dict__["ast"] = query
    return recipe


def read_recipe(path: Path, layer: str, text: str | None = None, *, definitions: Definitions | None = None) -> Recipe:
    """Parse one file (or generated `text` named by `path`): header directives, then the SELECT body
    (with the ``-- derived:`` columns written in from `definitions`)."""
    name = path.stem
    if not _NAME.match(name):
        raise RecipeError(f"{path.name}: recipe names are lower_snake_case (they become table names)")
    text = path.read_text(encoding="utf-8") if text is None else text
    directives: dict[str, list[str]] = {}
    lines = text.splitlines()
    body_start = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            body_start = index
            break
        match = _DIRECTIVE.match(stripped)
        if match:
            key, value = match.groups()
            if key not in _KNOWN_DIRECTIVES:
                raise RecipeError(
                    f"{path.name}: unknown header '-- {key}:' (known: {', '.join(_KNOWN_DIRECTIVES)})"
                )
            directives.setdefault(key, []).append(value)
    else:
        body_start = len(lines)
    body = "\n".join(lines[body_start:]).strip().rstrip(";").strip()
    if not body:
        raise RecipeError(f"{path.name}: no SELECT after the header")
    ast = parse_select(body, path)  # fail early, naming the file
    if "derived" in directives:
        names = _columns(directives["derived"], path, "derived")
        if definitions is None:
            raise RecipeError(f"{path.name}: '-- derived:' needs a {derived.FILE} at the top of the recipes folder")
        try:
            ast = definitions.expand(ast, names)
        except DerivedError as exc:
            raise RecipeError(f"{path.name}: {exc}") from None
        body = ast.sql(dialect=SOURCE_DIALECT, pretty=True)

    union = None
    if "union" in directives:
        if len(directives["union"]) > 1:
            raise RecipeError(f"{path.name}: only one '-- union:' header per recipe")
        match = _UNION.match(directives["union"][0])
        if not match:
            raise RecipeError(f"{path.name}: write the union header as '-- union: <alias> = <name pattern> [(optional)]'")
        union = UnionSpec(alias=match.group(1).lower(), pattern=match.group(2).lower(), optional=bool(match.group(3)))
    incremental = None
    if "incremental" in directives:
        columns = _columns(directives["incremental"], path, "incremental")
        if len(columns) != 1:
            raise RecipeError(f"{path.name}: '-- incremental:' names one date column, e.g. '-- incremental: date'")
        incremental = columns[0]
        outputs = [c.lower() for c in ast.named_selects]
        if incremental not in outputs:
            raise RecipeError(f"{path.name}: '-- incremental: {incremental}' is not a column the SELECT returns")
        if "*" in outputs or "" in outputs:
            raise RecipeError(f"{path.name}: an incremental recipe must name its output columns (no SELECT *)")
    recipe = Recipe(
        name=name,
        layer=layer,
        path=path,
        sql=body,
        description=" ".join(directives.get("description", [])),
        grain=_columns([v.replace("?", "") for v in directives.get("grain", [])], path, "grain"),
        nullable_grain=_columns([c.strip()[:-1] for v in directives.get("grain", []) for c in v.split(",") if c.strip().endswith("?")],
                                path, "grain"),
        not_null=_columns(directives.get("not_null", []), path, "not_null"),
        checks=tuple(_check(expr, path) for expr in directives.get("check", [])),
        warnings=tuple(_check(expr, path, "warn_if") for expr in directives.get("warn_if", [])),
        finite=_columns(directives.get("finite", []), path, "finite"),
        union=union,
        incremental=incremental,
        relationships=tuple(_relationship(v, path) for v in directives.get("relationship", [])),
        freshness=tuple(_freshness(v, path) for v in directives.get("freshness", [])),
    )
    recipe.__dict__["ast"] = ast  # parse once: catalogs grow to hundreds of recipes
    return recipe


def parse_select(sql: str, path: Path | str = "<sql>") -> exp.Query:
    try:
        statements = [s for s in sqlglot.parse(sql, read=SOURCE_DIALECT) if s is not None]
    except ParseError as exc:
        raise RecipeError(f"{Path(path).name}: SQL does not parse ({_first_line(exc)})") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise RecipeError(f"{Path(path).name}: a recipe is exactly one SELECT statement")
    return statements[0]


def _columns(values: list[str], path: Path, key: str) -> tuple[str, ...]:
    columns = [c.strip().lower() for v in values for c in v.split(",") if c.strip()]
    bad = [c for c in columns if not _NAME.match(c)]
    if bad:
        raise RecipeError(f"{path.name}: '-- {key}:' takes column names, got {', '.join(bad)}")
    return tuple(dict.fromkeys(columns))


def _check(expression: str, path: Path, key: str = "check") -> str:
    try:
        parsed = sqlglot.parse_one(expression, read=SOURCE_DIALECT, into=exp.Condition)
    except ParseError as exc:
        raise RecipeError(f"{path.name}: '-- {key}: {expression}' is not a SQL condition ({_first_line(exc)})") from None
    return parsed.sql(dialect=SOURCE_DIALECT)


def _relationship(value: str, path: Path) -> Relationship:
    match = _RELATIONSHIP.match(value.strip().lower())
    if not match:
        raise RecipeError(f"{path.name}: write '-- relationship: a, b -> model' or '-- relationship: a -> model(x)'")
    columns = _columns([match.group(1)], path, "relationship")
    targets = _columns([match.group(3)], path, "relationship") if match.group(3) else columns
    if len(targets) != len(columns) or not columns:
        raise RecipeError(f"{path.name}: '-- relationship: {value}' pairs {len(columns)} column(s) with {len(targets)}")
    return Relationship(columns, match.group(2), targets)


def _freshness(value: str, path: Path) -> Freshness:
    match = _FRESHNESS.match(value.strip().lower())
    if not match:
        raise RecipeError(f"{path.name}: write '-- freshness: <date column> within <n> days'")
    return Freshness(match.group(1), int(match.group(2)))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# -- references ----------------------------------------------------------------------------


def table_references(query: exp.Query) -> list[exp.Table]:
    """Tables read by `query`, excluding references to its own CTEs."""
    ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    tables = []
    for table in query.find_all(exp.Table):
        if not table.name:
            continue  # table functions and the like
        if not table.db and table.name.lower() in ctes:
            continue
        tables.append(table)
    return tables


def _resolve(recipe: Recipe, catalog: dict[str, Recipe]) -> Recipe:
    where = f"{recipe.layer}/{recipe.path.name}"
    raw: set[str] = set()
    models: set[str] = set()
    alias = recipe.union.alias if recipe.union else None
    for table in table_references(recipe.ast):
        name = table.name.lower()
        if table.catalog or (table.db and table.db.lower() != RAW):
            raise RecipeError(
                f"{where}: '{table.sql(dialect=SOURCE_DIALECT)}' - read raw tables as raw.<source>_<stream> and models by bare name"
            )
        if table.db:
            raw.add(name)
        elif name == alias:
            continue
        elif name in catalog:
            models.add(name)
        else:
            raise RecipeError(f"{where}: unknown table '{table.name}' (not a recipe, not raw.<table>)")
    if raw and recipe.layer != "staging":
        raise RecipeError(f"{where}: only staging recipes read raw tables (found {', '.join(sorted(raw))})")
    if recipe.name in models:
        raise RecipeError(f"{where}: a recipe cannot read itself")
    union = recipe.union
    if union is not None:
        members = tuple(
            sorted(n for n in catalog if n != recipe.name
                   and any(fnmatch.fnmatchcase(n, p.strip()) for p in union.pattern.split(",")))
        )
        columns = _union_columns(where, members, catalog)
        if union.optional and not columns:
            raise RecipeError(f"{where}: optional union '{union.pattern}' matches no recipe, so its columns are unknown")
        union = UnionSpec(union.alias, union.pattern, members, columns, union.optional)
    for model in (*models, *(union.members if union else ())):
        if LAYERS.index(catalog[model].layer) > LAYERS.index(recipe.layer):
            raise RecipeError(f"{where}: reads '{model}' from the later layer '{catalog[model].layer}'")
    for rel in recipe.relationships:
        target = catalog.get(rel.target)
        if target is None:
            raise RecipeError(f"{where}: '-- relationship:' names unknown model '{rel.target}'")
        known = {c.lower() for c in target.output_columns}
        if "*" not in known and not set(rel.target_columns) <= known:
            missing = sorted(set(rel.target_columns) - known)
            raise RecipeError(f"{where}: '-- relationship:' model '{rel.target}' has no column(s) {', '.join(missing)}")
    resolved = replace(recipe, union=union, raw_tables=tuple(sorted(raw)), models=tuple(sorted(models)))
    resolved.__dict__["ast"] = recipe.ast
    return resolved


def _union_columns(where: str, members: tuple[str, ...], catalog: dict[str, Recipe]) -> tuple[str, ...]:
    """The columns every union member selects; members must agree exactly (by name)."""
    if not members:
        return ()
    first = catalog[members[0]]
    columns = tuple(c.lower() for c in first.output_columns)
    if "*" in columns or "" in columns:
        raise RecipeError(f"{where}: union member '{first.name}' must name its output columns (no SELECT *)")
    for name in members[1:]:
        other = tuple(c.lower() for c in catalog[name].output_columns)
        if set(other) != set(columns):
            missing = sorted(set(columns) - set(other))
            extra = sorted(set(other) - set(columns))
            raise RecipeError(
                f"{where}: union member '{name}' does not match '{first.name}'"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; extra {', '.join(extra)}" if extra else "")
            )
    return columns


# -- ordering ------------------------------------------------------------------------------


def topological_order(recipes: Iterable[Recipe]) -> list[Recipe]:
    """Dependencies first; ties broken by layer then name, so the order is stable."""
    by_name = {r.name: r for r in recipes}
    remaining = {name: set(r.depends_on) for name, r in by_name.items()}
    dependents: dict[str, set[str]] = {name: set() for name in by_name}
    for name, deps in remaining.items():
        for dep in deps:
            dependents[dep].add(name)

    def key(name: str) -> tuple[int, str]:
        return (LAYERS.index(by_name[name].layer), name)

    ready = [key(n) for n, deps in remaining.items() if not deps]
    heapq.heapify(ready)
    ordered: list[Recipe] = []
    while ready:
        _, name = heapq.heappop(ready)
        ordered.append(by_name[name])
        for dependent in sorted(dependents[name]):
            remaining[dependent].discard(name)
            if not remaining[dependent]:
                heapq.heappush(ready, key(dependent))
    if len(ordered) != len(by_name):
        stuck = sorted(n for n, deps in remaining.items() if deps)
        raise RecipeError(f"recipes reference each other in a cycle: {', '.join(stuck)}")
    return ordered


def match_selectors(catalog: list[Recipe], select: Iterable[str]) -> set[str]:
    """Names matching `select` (model names, globs, or layer names); each selector must match."""
    wanted: set[str] = set()
    for selector in select:
        selector = selector.strip().lower()
        matched = [r.name for r in catalog if r.layer == selector or fnmatch.fnmatchcase(r.name, selector)]
        if not matched:
            raise RecipeError(f"--select '{selector}' matches no recipe (see `bosco-sync recipes list`)")
        wanted.update(matched)
    return wanted


def downstream_of(catalog: list[Recipe], names: Iterable[str]) -> set[str]:
    """`names` and every model that reads them, directly or through others."""
    dependents: dict[str, set[str]] = {r.name: set() for r in catalog}
    for recipe in catalog:
        for dep in recipe.depends_on:
            dependents[dep].add(recipe.name)
    found = set(names)
    stack = list(found)
    while stack:
        for dependent in dependents[stack.pop()]:
            if dependent not in found:
                found.add(dependent)
                stack.append(dependent)
    return found


def upstream_of(catalog: list[Recipe], names: Iterable[str]) -> set[str]:
    """Every model that `names` read, directly or through others (without `names`)."""
    by_name = {r.name: r for r in catalog}
    found: set[str] = set()
    stack = list(names)
    while stack:
        for dep in by_name[stack.pop()].depends_on:
            if dep not in found:
                found.add(dep)
                stack.append(dep)
    return found


def select_recipes(catalog: list[Recipe], select: Iterable[str] | None) -> list[Recipe]:
    """The recipes matching `select` (names, globs or layer names) and everything that
    depends on them, in build order; all recipes when `select` is empty.

    Downstream models are included because they would otherwise keep reading the old
    version of what was rebuilt. Upstream models are not rebuilt; the runner builds
    those whose tables do not exist yet (see `runner.build`).
    """
    if not select:
        return list(catalog)
    wanted = downstream_of(catalog, match_selectors(catalog, select))
    return [r for r in catalog if r.name in wanted]
