"""``python -m bench [NAME...] [--quick]``: run benchmarks and print one table.

Names: throughput, memory, concurrency, startup, recipes (default: all, in that
order; about 15 minutes on a 2-core machine), and by name only: per_source (every registered
source's largest stream against a raw loader; ``python -m bench.per_source`` runs some sources,
and ``python -m bench.source_table`` writes the README's table), shopify_bulk (a Shopify bulk
export of ~30,000 orders against a raw JSONL loader, and at 10x) and prefect_scale (200 syncs
through the Prefect flow under a vendor limit, 1/2/4 workers). ``--quick`` shrinks every size ~10x
for a smoke run whose figures are not the recorded ones; ``--whole-catalog`` makes
the recipes benchmark build every recipe instead of the fact and its upstream. Progress goes to stderr, the
table to stdout; the exit code is 1 when a target was missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib import import_module

from .common import Row, conditions, print_table, say

BENCHMARKS = ("throughput", "memory", "concurrency", "startup", "recipes")
#: Runnable by name, not part of a bare ``python -m bench`` (every source: about an hour;
#: prefect_scale: the Prefect extra and ~12-20 minutes).
OPTIONAL = ("per_source", "shopify_bulk", "prefect_scale")

#: Sizes per benchmark: the recorded run, and the --quick smoke run.
FULL = {
    "throughput": dict(rows=1_000_000, repeats=5),
    "memory": dict(small=1_000_000, large=10_000_000),
    "concurrency": dict(),
    "startup": dict(),
    "recipes": dict(rows=10_000_000),
    "per_source": dict(seconds=15.0, rounds=2),
    "shopify_bulk": dict(days=375, rounds=3),
    "prefect_scale": dict(jobs=200),
}
QUICK = {
    "throughput": dict(rows=100_000, repeats=1),
    "memory": dict(small=100_000, large=1_000_000),
    "concurrency": dict(accounts=10, pages=10, tenants=3),
    "startup": dict(repeats=2, plugins=100),
    "recipes": dict(rows=1_000_000),
    "per_source": dict(seconds=2.0, rounds=1),
    "shopify_bulk": dict(days=38, rounds=1),
    "prefect_scale": dict(jobs=20, overhead_jobs=10),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, *OPTIONAL, []], metavar="NAME",
                        help=", ".join(BENCHMARKS) + " (default: these); also " + ", ".join(OPTIONAL))
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--whole-catalog", action="store_true", help="recipes: build every recipe, not just the fact and its upstream")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    sizes = {k: dict(v) for k, v in (QUICK if args.quick else FULL).items()}
    if args.whole_catalog:
        sizes["recipes"]["scope"] = "all"
    rows: list[Row] = []
    started = time.perf_counter()
    before = conditions()
    for name in names:
        say(f"== {name}")
        t0 = time.perf_counter()
        rows.extend(import_module(f"bench.{name}").run(**sizes[name]))
        say(f"   ({time.perf_counter() - t0:.0f}s)")
    print_table(rows)
    print(f"\nbefore: {before}\nafter:  {conditions()}\ntotal {time.perf_counter() - started:.0f}s"
          + (" (--quick sizes)" if args.quick else ""))
    return 1 if any(r.ok is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
