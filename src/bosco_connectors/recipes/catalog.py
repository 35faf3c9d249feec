"""Find the SQL recipes, read their headers, and order them by what they reference.

A recipe is one ``.sql`` file holding one SELECT in DuckDB's dialect. Its name is the
file name, its layer the top folder (``staging``, ``intermediate``, ``marts``,
``metrics``). What it depends on is read from the SQL itself with sqlglot, never from
a hand-kept list:

- ``raw.<source>_<stream>`` is a raw table loaded by a source (only staging reads them);
- a bare name that is another recipe is that model (written to the analytics schema);
- a bare name declared by a ``-- union:`` header is the union of the models matching a
  pattern (see `UnionSpec`).

Anything else (another schema, an unknown bare name) is an error when the catalog
loads, so a typo fails ``bosco-sync recipes list`` rather than a nightly build.
"""

from __future__ import annotations

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

#: Layers in build order; a model may read models of its own layer or an earlier one.
LAYERS = ("staging", "intermediate", "marts", "metrics")
#: The schema name recipes use for raw tables (the runner maps it to the real one).
RAW = "raw"
#: The dialect recipes are written in.
SOURCE_DIALECT = "duckdb"
ENV_RECIPES_DIR = "BOSCO_RECIPES_DIR"

_DIRECTIVE = re.compile(r"^--\s*([a-z_]+)\s*:\s*(.*?)\s*$")
_KNOWN_DIRECTIVES = ("description", "grain", "not_null", "check", "union")
_UNION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([A-Za-z0-9_*?\[\]]+)$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class RecipeError(ConfigError):
    """A recipe file is malformed, references something unknown, or the graph has a cycle."""


@dataclass(frozen=True)
class UnionSpec:
    """``-- union: <alias> = <pattern>``: the body reads `alias`, the union of all models
    whose name matches `pattern` (a glob) and that were built in this run.

    Members must select the same columns (checked when the catalog loads); the runner
    renders ``(SELECT <cols> FROM m1 UNION ALL SELECT <cols> FROM m2 ...) AS alias``
    over the members that exist, so adding a source's staging model adds it to the
    unified fact without editing the fact.
    """

    alias: str
    pattern: str
    members: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipe:
    """One SQL model: where it is, what it reads, and the tests declared in its header."""

    name: str
    layer: str
    path: Path
    sql: str
    description: str = ""
    grain: tuple[str, ...] = ()
    not_null: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    union: UnionSpec | None = None
    raw_tables: tuple[str, ...] = ()
    #: Models referenced by name (each must be built first, or this one is skipped).
    models: tuple[str, ...] = ()

    @property
    def depends_on(self) -> tuple[str, ...]:
        """Every model this one reads: named models and union members."""
        members = self.union.members if self.union else ()
        return tuple(sorted(set(self.models) | set(members)))

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
        }


# -- discovery -----------------------------------------------------------------------------


def recipes_root() -> Path:
    """The recipes folder: ``$BOSCO_RECIPES_DIR``, the copy packaged in the wheel
    (``bosco_connectors/_recipes``), or the repository's ``recipes/`` (editable installs)."""
    override = os.environ.get(ENV_RECIPES_DIR)
    if override:
        return Path(override).expanduser()
    package_dir = Path(__file__).resolve().parents[1]
    packaged = package_dir / "_recipes"
    if packaged.is_dir():
        return packaged
    repo = package_dir.parents[1] / "recipes"
    if repo.is_dir():
        return repo
    raise RecipeError(f"no recipes folder found (looked in {packaged} and {repo}; set {ENV_RECIPES_DIR})")


def load_catalog(root: Path | str | None = None) -> list[Recipe]:
    """Read every recipe under `root`, resolve references, and return them in build order."""
    root = Path(root) if root is not None else recipes_root()
    if not root.is_dir():
        raise RecipeError(f"recipes folder {root} does not exist")
    drafts: dict[str, Recipe] = {}
    for path in sorted(root.rglob("*.sql")):
        rel = path.relative_to(root)
        layer = rel.parts[0] if len(rel.parts) > 1 else ""
        if layer not in LAYERS:
            raise RecipeError(f"{rel}: recipes live in a layer folder ({', '.join(LAYERS)})")
        recipe = read_recipe(path, layer)
        if recipe.name in drafts:
            raise RecipeError(f"{rel}: a recipe named '{recipe.name}' already exists at {drafts[recipe.name].path}")
        drafts[recipe.name] = recipe
    resolved = [_resolve(recipe, drafts) for recipe in drafts.values()]
    return topological_order(resolved)


def read_recipe(path: Path, layer: str) -> Recipe:
    """Parse one file: header directives, then the SELECT body."""
    name = path.stem
    if not _NAME.match(name):
        raise RecipeError(f"{path.name}: recipe names are lower_snake_case (they become table names)")
    text = path.read_text(encoding="utf-8")
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

    union = None
    if "union" in directives:
        if len(directives["union"]) > 1:
            raise RecipeError(f"{path.name}: only one '-- union:' header per recipe")
        match = _UNION.match(directives["union"][0])
        if not match:
            raise RecipeError(f"{path.name}: write the union header as '-- union: <alias> = <name pattern>'")
        union = UnionSpec(alias=match.group(1).lower(), pattern=match.group(2).lower())
    recipe = Recipe(
        name=name,
        layer=layer,
        path=path,
        sql=body,
        description=" ".join(directives.get("description", [])),
        grain=_columns(directives.get("grain", []), path, "grain"),
        not_null=_columns(directives.get("not_null", []), path, "not_null"),
        checks=tuple(_check(expr, path) for expr in directives.get("check", [])),
        union=union,
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


def _check(expression: str, path: Path) -> str:
    try:
        parsed = sqlglot.parse_one(expression, read=SOURCE_DIALECT, into=exp.Condition)
    except ParseError as exc:
        raise RecipeError(f"{path.name}: '-- check: {expression}' is not a SQL condition ({_first_line(exc)})") from None
    return parsed.sql(dialect=SOURCE_DIALECT)


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
            sorted(n for n in catalog if n != recipe.name and fnmatch.fnmatchcase(n, union.pattern))
        )
        union = UnionSpec(union.alias, union.pattern, members, _union_columns(where, members, catalog))
    for model in (*models, *(union.members if union else ())):
        if LAYERS.index(catalog[model].layer) > LAYERS.index(recipe.layer):
            raise RecipeError(f"{where}: reads '{model}' from the later layer '{catalog[model].layer}'")
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


def select_recipes(catalog: list[Recipe], select: Iterable[str] | None) -> list[Recipe]:
    """The recipes matching `select` (names, globs or layer names) plus everything upstream.

    Upstream models are always included: every model is rebuilt from what exists now,
    so building a mart without its staging models would read stale tables.
    """
    if not select:
        return list(catalog)
    by_name = {r.name: r for r in catalog}
    wanted: set[str] = set()
    for selector in select:
        selector = selector.strip().lower()
        matched = [r.name for r in catalog if r.layer == selector or fnmatch.fnmatchcase(r.name, selector)]
        if not matched:
            raise RecipeError(f"--select '{selector}' matches no recipe (see `bosco-sync recipes list`)")
        wanted.update(matched)
    stack = list(wanted)
    while stack:
        for dep in by_name[stack.pop()].depends_on:
            if dep not in wanted:
                wanted.add(dep)
                stack.append(dep)
    return [r for r in catalog if r.name in wanted]

