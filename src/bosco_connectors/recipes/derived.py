"""Derived columns (ratios, reporting-currency amounts): defined once, written into the recipes that name them.

``ctr``, ``cpc``, ``cpm``, ``roas``, ``conversion_rate``, ``fx_rate`` and the ``*_reporting``
amounts are the same expressions in every fact and roll-up. ``derived.sql`` (at the top of
the recipes folder) holds each once, as one ``SELECT <expression> AS <name>, ...`` over the
unified column names (a later definition may use an earlier one). A recipe that declares
``-- derived: ctr, fx_rate`` gets, in its outermost SELECT:

- the bare projection ``ctr`` replaced by ``<ctr's expression> AS ctr``;
- a bare ``fx_rate`` inside another projection (``revenue * fx_rate AS revenue_reporting``)
  replaced by ``(<fx_rate's expression>)``.

The recipe must make the definitions' input columns unambiguous (usually a CTE that
selects them). Expansion happens when the catalog loads, so the runner, the incremental
analysis and every engine only ever see plain SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

#: The definitions file, at the top of a recipes folder.
FILE = "derived.sql"


class DerivedError(ValueError):
    """derived.sql or a recipe's ``-- derived:`` header is malformed (reported as a RecipeError)."""


@dataclass(frozen=True)
class Definitions:
    """Name -> expression (earlier definitions already written into later ones), from `path`."""

    path: Path
    expressions: dict[str, exp.Expression]

    @property
    def signature(self) -> str:
        """What the definitions say (a parsed recipe that used them stays valid while it is the same)."""
        return f"{self.path}|" + "|".join(f"{name}={expr.sql()}" for name, expr in self.expressions.items())

    def expand(self, query: exp.Query, names: tuple[str, ...]) -> exp.Query:
        """`query` with the derived columns `names` written into its outermost SELECT."""
        unknown = [n for n in names if n not in self.expressions]
        if unknown:
            raise DerivedError(f"'-- derived: {', '.join(unknown)}' is not defined in {self.path.name} (defined: {', '.join(self.expressions)})")
        if not isinstance(query, exp.Select):
            raise DerivedError("'-- derived:' needs the recipe's outermost statement to be a SELECT (not a UNION)")
        query = query.copy()
        wanted, used = set(names), set()
        for projection in list(query.expressions):
            if _bare(projection, wanted):
                used.add(projection.name)
                projection.replace(exp.alias_(self.expressions[projection.name].copy(), projection.name))
                continue
            for column in list(projection.find_all(exp.Column)):
                if _bare(column, wanted):
                    used.add(column.name)
                    column.replace(exp.paren(self.expressions[column.name].copy(), copy=False))
        unused = [n for n in names if n not in used]
        if unused:
            raise DerivedError(f"'-- derived: {', '.join(unused)}' is declared but not selected by the outermost SELECT")
        return query


def _bare(node: exp.Expression, names: set[str]) -> bool:
    return isinstance(node, exp.Column) and not node.table and node.name in names


def read_definitions(path: Path, sql: exp.Query) -> Definitions:
    """Check the parsed derived.sql: one SELECT without FROM of ``<expression> AS <name>``."""
    if not isinstance(sql, exp.Select) or any(value for key, value in sql.args.items() if key != "expressions"):
        raise DerivedError(f"{path.name}: write one SELECT of '<expression> AS <name>' without FROM")
    expressions: dict[str, exp.Expression] = {}
    for projection in sql.expressions:
        if not isinstance(projection, exp.Alias) or not projection.alias:
            raise DerivedError(f"{path.name}: '{projection.sql()}' needs a name ('<expression> AS <name>')")
        name = projection.alias.lower()
        if name in expressions:
            raise DerivedError(f"{path.name}: '{name}' is defined twice")
        if any(_bare(c, {name}) for c in projection.this.find_all(exp.Column)):
            raise DerivedError(f"{path.name}: '{name}' refers to itself")
        earlier = set(expressions)
        expressions[name] = projection.this.transform(
            lambda node: exp.paren(expressions[node.name].copy(), copy=False) if _bare(node, earlier) else node
        )
    return Definitions(path, expressions)
