"""Start-up: what ``bosco-sync --help`` and ``bosco-sync sources`` import, and how long they take.

Each command runs under ``python -X importtime``; a vendor SDK or a destination
driver among its imports fails the check (`FORBIDDEN`). Wall times are the best of
`repeats` fresh processes, printed beside ``python -c "import dlt"`` as a ratio.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from .common import BENCH_ENV, ROOT, Row, say

#: Vendor SDKs and destination drivers: never needed to print help or list sources.
FORBIDDEN = (
    "duckdb", "snowflake", "fakesnow", "pyarrow", "psycopg2",
    "facebook_business", "google.ads", "googleapiclient", "google.analytics", "grpc", "shopify",
)
CLI = "import sys; from bosco_connectors.cli.app import main; sys.argv = ['bosco-sync', *sys.argv[1:]]; main()"


def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", CLI, *args]


def imported(cmd: list[str]) -> set[str]:
    proc = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True, text=True, env=dict(os.environ, **BENCH_ENV), cwd=ROOT, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[-2:])} failed: {proc.stderr[-2000:]}")
    return {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:") and "|" in line}


def wall(cmd: list[str], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=dict(os.environ, **BENCH_ENV), cwd=ROOT, timeout=120, check=True)
        best = min(best, time.perf_counter() - started)
    return best


def run(repeats: int = 5) -> list[Row]:
    dlt_time = wall([sys.executable, "-c", "import dlt"], repeats)
    say(f"startup: python -c 'import dlt' {dlt_time:.2f}s (best of {repeats})")
    table = []
    for args in (("--help",), ("sources",)):
        cmd = _command(*args)
        modules = imported(cmd)
        bad = sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))
        seconds = wall(cmd, repeats)
        uses_dlt = "dlt" in modules
        say(f"  bosco-sync {' '.join(args)}: {seconds:.2f}s, {len(modules)} modules{', imports dlt' if uses_dlt else ''}")
        name = f"bosco-sync {' '.join(args)}"
        table.append(Row("startup", f"{name}: vendor SDK / destination driver imports", ", ".join(bad) or "none", "none", not bad))
        table.append(Row("startup", f"{name}: wall time / `python -c \"import dlt\"`",
                         f"{seconds:.2f}s / {dlt_time:.2f}s = {seconds / dlt_time:.2f}{' (imports dlt)' if uses_dlt else ' (no dlt)'}", ""))
    return table
