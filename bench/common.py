"""What every benchmark shares: result rows, the table, child processes, load conditions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
#: Every world the benchmarks serve ends here, so runs do not depend on today's date.
END_DATE = date(2026, 11, 20)
#: What the pitfalls in DESIGN.md advise for large loads; every contender gets the same.
BENCH_ENV = {
    "DATA_WRITER__DISABLE_COMPRESSION": "true",
    "RUNTIME__LOG_LEVEL": "WARNING",
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
}


@dataclass
class Row:
    """One line of the table: a figure, what was measured, the target, and the verdict."""

    bench: str
    figure: str
    measured: str
    target: str = ""
    ok: bool | None = None  # None: informative only

    @property
    def mark(self) -> str:
        return "" if self.ok is None else ("PASS" if self.ok else "FAIL")


def print_table(rows: list[Row], out: Any = None) -> None:
    out = out or sys.stdout
    header = ("figure", "measured", "target", "pass/fail")
    cells = [(f"{r.bench}: {r.figure}", r.measured, r.target, r.mark) for r in rows]
    widths = [max(len(c[i]) for c in [header, *cells]) for i in range(4)]
    line = lambda c: "| " + " | ".join(str(v).ljust(w) for v, w in zip(c, widths)) + " |"  # noqa: E731
    print(line(header), file=out)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|", file=out)
    for c in cells:
        print(line(c), file=out)


def conditions() -> str:
    """Machine and load, printed with every table: absolute numbers depend on both."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load} (1/5/15 min), Python {sys.version.split()[0]}"


def run_child(module: str, *args: str, timeout: float = 1800, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m <module> <args>`` in a fresh process; return its last JSON line."""
    env = {**os.environ, **BENCH_ENV, **(env or {})}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{module} {args[:1]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


@contextmanager
def served(module: str, *args: str, what: str = "the fake API") -> Iterator[dict[str, Any]]:
    """A fake API in its own process (``python -m <module> <args>``), which prints one JSON line
    with its ``port`` once it listens and stops when its stdin closes; yields that line, with
    ``root`` (its URL) added."""
    env = {**os.environ, **BENCH_ENV}
    proc = subprocess.Popen([sys.executable, "-m", module, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, cwd=ROOT, env=env)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise RuntimeError(f"{what} did not start")
        info = json.loads(line)
        info["root"] = f"http://127.0.0.1:{info['port']}"
        yield info
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def fmt_int(n: float) -> str:
    return f"{n:,.0f}"


def say(message: str) -> None:
    """Progress goes to stderr, so stdout is only the table."""
    print(message, file=sys.stderr, flush=True)
