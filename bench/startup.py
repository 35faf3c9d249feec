"""Start-up with 100+ sources: ``bosco-sync --help``, ``sources`` and ``sources --json``.

Besides the built-in sources, `plugins` throwaway sources are installed into a scratch
folder the way pip installs a plugin package (a package and a ``*.dist-info`` with its
entry point: `bosco_connectors.testing.plugins`), so each command sees 100+ registered
sources. The first listing describes the plugins by importing them once (and caches the
descriptions: `bosco_connectors.catalog_cache`); every later one must import neither dlt
nor any source, nor a vendor SDK or destination driver (`FORBIDDEN`), which is checked
on ``sys.modules`` at exit (``-X importtime`` does not see ``importlib.import_module``,
which is how entry points load). Wall times are the best of `repeats` fresh processes,
beside ``python -c pass``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import BENCH_ENV, ROOT, Row, say

#: Vendor SDKs and destination drivers: never needed to print help or list sources.
FORBIDDEN = (
    "duckdb", "snowflake", "fakesnow", "pyarrow", "psycopg2",
    "facebook_business", "google.ads", "googleapiclient", "google.analytics", "grpc", "shopify",
)
#: Nor dlt, nor any source (built-in or plugin), once the plugins have been listed once.
HEAVY = ("dlt", "bosco_connectors.sources", "bosco_plugin_")
CLI = ("import atexit, json, sys; out = sys.argv[1]; "
       "atexit.register(lambda: out and open(out, 'w').write(json.dumps(sorted(sys.modules)))); "
       "from bosco_connectors.cli.app import main; sys.argv = ['bosco-sync', *sys.argv[2:]]; main()")
TARGETS = {"--help": 0.4, "sources --json": 0.6}


def _command(*args: str, dump: str = "") -> list[str]:
    return [sys.executable, "-c", CLI, dump, *args]


def _env(site: Path, cache: Path) -> dict[str, str]:
    return {**os.environ, **BENCH_ENV, "BOSCO_CACHE_DIR": str(cache),
            "PYTHONPATH": os.pathsep.join([str(site), BENCH_ENV["PYTHONPATH"]])}


def imported(cmd_args: tuple[str, ...], env: dict[str, str]) -> set[str]:
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / "modules.json"
        proc = subprocess.run(_command(*cmd_args, dump=str(dump)), capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"bosco-sync {' '.join(cmd_args)} failed: {proc.stderr[-2000:]}")
        return set(json.loads(dump.read_text()))


def wall(cmd: list[str], env: dict[str, str], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, cwd=ROOT, timeout=300, check=True)
        best = min(best, time.perf_counter() - started)
    return best


def _matching(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p if p.endswith("_") else p + ".") for p in prefixes))


def install_plugins(site: Path, count: int) -> None:
    from bosco_connectors.testing.plugins import install_plugin

    for i in range(count):
        install_plugin(site, f"bench_source_{i:03d}")


def run(repeats: int = 5, plugins: int = 120) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        site, cache = Path(folder) / "site", Path(folder) / "cache"
        install_plugins(site, plugins)
        env = _env(site, cache)
        pass_time = wall([sys.executable, "-c", "pass"], env, repeats)
        started = time.perf_counter()
        first = subprocess.run(_command("sources", "--json"), capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
        cold = time.perf_counter() - started
        if first.returncode != 0:
            raise RuntimeError(f"bosco-sync sources --json failed: {first.stderr[-2000:]}")
        listed = len(json.loads(first.stdout))
        say(f"startup: {listed} sources registered ({plugins} throwaway plugins); python -c pass {pass_time:.3f}s; "
            f"first listing (imports and caches the plugins) {cold:.2f}s")
        table = [Row("startup", f"sources registered (built-in + {plugins} throwaway plugins)", str(listed), f">= {plugins}", listed >= plugins),
                 Row("startup", "first `sources --json` after installing them (imports each plugin once, caches it)", f"{cold:.2f}s", "")]
        for args in (("--help",), ("sources",), ("sources", "--json")):
            name = " ".join(args)
            modules = imported(args, env)
            bad, heavy = _matching(modules, FORBIDDEN), _matching(modules, HEAVY)
            seconds = wall(_command(*args), env, repeats)
            say(f"  bosco-sync {name}: {seconds:.3f}s, {len(modules)} modules" + (f", imports {', '.join(heavy[:3])}..." if heavy else ""))
            table.append(Row("startup", f"bosco-sync {name}: dlt, source, vendor SDK or driver imports",
                             ", ".join((bad + heavy)[:4]) or "none", "none", not bad and not heavy))
            target = TARGETS.get(name)
            table.append(Row("startup", f"bosco-sync {name}: wall time (best of {repeats}) / `python -c pass`",
                             f"{seconds:.2f}s / {pass_time:.2f}s", f"< {target}s" if target else "",
                             seconds < target if target else None))
    return table
