"""Human-readable run summary: one row per sync, then rows loaded per table."""

from __future__ import annotations

from typing import Any


def render_summary(summary: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    failed = any(not s["ok"] and not s.get("interrupted") for s in summary["syncs"])
    outcome = "some syncs FAILED" if failed else "interrupted" if summary.get("interrupted") else "all syncs succeeded"
    syncs = Table(title=f"bosco-sync: {outcome} ({summary['seconds']:.1f}s, {summary['destination']}.{summary['dataset']})")
    for col in ("tenant", "source", "status", "rows", "requests", "retries", "seconds"):
        syncs.add_column(col, justify="right" if col in ("rows", "requests", "retries", "seconds") else "left")
    for s in summary["syncs"]:
        status = "ok" if s["ok"] else "interrupted" if s.get("interrupted") else "FAILED"
        syncs.add_row(
            s["tenant"], s["source"], status, str(s["total_rows"]),
            str(s["requests"]), str(s["retries"]), f"{s['seconds']:.1f}",
        )
    console.print(syncs)
    if summary["tables"]:
        tables = Table(title="rows loaded per table")
        tables.add_column("table")
        tables.add_column("rows", justify="right")
        for name, rows in summary["tables"].items():
            tables.add_row(name, str(rows))
        console.print(tables)
