"""The one thing the runner needs from a database: run a statement, get rows back.

`Executor` is a callable ``execute(sql) -> list[tuple]``. `as_executor` adapts what
callers already hold: a ``duckdb`` connection, a dlt ``sql_client`` (inside its
``with`` block), or any DB-API connection (``snowflake.connector``, fakesnow). Each
statement is sent on its own, because Snowflake's connector runs one per call.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol


class Executor(Protocol):
    def __call__(self, sql: str) -> list[tuple[Any, ...]]: ...


def as_executor(conn: Any) -> Callable[[str], list[tuple[Any, ...]]]:
    """Wrap `conn` as an `Executor`; a callable is taken as one already."""
    if hasattr(conn, "execute_sql") and hasattr(conn, "capabilities"):
        # dlt SqlClientBase: returns rows for queries, None for DDL.
        return lambda sql: [tuple(r) for r in (conn.execute_sql(sql) or [])]
    if type(conn).__module__.split(".")[0] in ("duckdb", "_duckdb"):
        return lambda sql: [tuple(r) for r in conn.execute(sql).fetchall()]
    if hasattr(conn, "cursor"):

        def run(sql: str) -> list[tuple[Any, ...]]:
            cursor = conn.cursor()
            try:
                cursor.execute(sql)
                return [tuple(r) for r in cursor.fetchall()] if cursor.description else []
            finally:
                cursor.close()

        return run
    if callable(conn):
        return conn
    raise TypeError(
        f"cannot run SQL on {type(conn).__name__}: pass a duckdb connection, a dlt sql_client, "
        "a DB-API connection or a callable execute(sql) -> rows"
    )


def dialect_of(conn: Any) -> str:
    """Guess the sqlglot dialect of `conn` (``duckdb`` unless it is clearly Snowflake)."""
    caps = getattr(conn, "capabilities", None)
    if caps is not None and getattr(caps, "sqlglot_dialect", None):
        return str(caps.sqlglot_dialect)
    module = type(conn).__module__
    if module.startswith(("snowflake", "fakesnow")):
        return "snowflake"
    return "duckdb"
