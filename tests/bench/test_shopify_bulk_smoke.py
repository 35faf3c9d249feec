"""The Shopify bulk benchmark harness still runs: a few hundred orders, one round.

Not a benchmark (the figures are not held against the targets here): it keeps
`bench/shopify_bulk.py`, its fake shop's process (bulk results written to and served from
disk), both contenders and the 10x run from rotting.
"""

from __future__ import annotations

import pytest

from bench import shopify_bulk


@pytest.mark.slow  # a benchmark harness end to end (fake in its own process, fresh processes): make test-slow
def test_the_shopify_bulk_harness_loads_every_order_both_ways_at_a_tiny_size():
    rows = shopify_bulk.run(days=3, rounds=1, scale=3, warmup=False)

    by_figure = {row.figure.split(" (")[0].split(",")[0]: row for row in rows}
    # every order and line item loaded by ours (1x and 3x) and by the raw loader
    assert by_figure["ours"].ok and by_figure["raw"].ok, [r.measured for r in rows]
    assert by_figure["peak RSS of ours"].ok is not None
    assert [row.ok for row in rows if row.figure.startswith("peak RSS of ours, 3x")] == [True]
    assert "orders/s" in by_figure["ours"].measured and "orders/s" in by_figure["raw"].measured
    assert "round by round" in by_figure["ours / raw"].measured
    assert rows[-1].figure.startswith("load average")
