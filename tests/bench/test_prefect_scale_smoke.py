"""The Prefect scale-out benchmark still runs: a few syncs, plain and through the flow, in worker processes.

Not a benchmark (the wall-time bound is not checked: at this size a sync's fixed cost is all
of its time): it keeps `bench/prefect_scale.py` (its project files, the Prefect test harness,
worker processes sharing its API, the lanes' timing, the task runs read back from Prefect's
API, the table rows) from rotting. Slow (~30 s: the harness and each worker's imports).
"""

from __future__ import annotations

import pytest

from bench import prefect_scale


@pytest.mark.slow
def test_the_prefect_scale_benchmark_runs_syncs_plain_and_through_the_flow_in_worker_processes():
    # Syncs of one connection under a vendor limit of one: two workers would otherwise overlap.
    result = prefect_scale.measure(jobs=2, advertisers=2, pages=1, latency=0.02, limit=1, sync_workers=1,
                                   workers=(1, 2), threads=2, overhead_jobs=1)

    runs = result["runs"]
    assert set(runs) == {"plain-1x1", "flow-1x1", "flow-1", "flow-2"}
    assert result["requests"] == 2 * 2 and result["rows"] == 2 * 2 * prefect_scale.PAGE_SIZE
    assert runs["flow-2"]["processes"] == 2 and len(runs["flow-2"]["walls"]) == 2
    for key in ("flow-1", "flow-2"):
        run = runs[key]
        assert run["synced"] == 2, (key, run["failures"])
        assert run["requests_seen"] == result["requests"] and run["rows"] == result["rows"], key
        assert run["max_in_flight"] == 1, key
        assert run["wall"] > 0 and run["extract_mean"] > 0 and run["rest_mean"] > 0, key
        assert run["lane_wait_mean"] > 0, "the flow's lanes were not taken (or not timed)"
        assert run["task_runs"] == 2 and run["task_outside_mean"] is not None, "task runs not read back from Prefect"
    for key in ("plain-1x1", "flow-1x1"):
        assert runs[key]["synced"] == 1 and runs[key]["rows"] == result["overhead_rows"], key
    assert runs["plain-1x1"]["lane_wait_mean"] == 0 and runs["plain-1x1"]["task_runs"] == 0

    rows = prefect_scale.rows_for(result)
    checked = [row for row in rows if row.ok is not None]
    assert len(checked) == 5  # per workers count: the wall time, the requests in flight; the overhead pair's syncs
    assert all(row.ok for row in checked if "in flight" in row.figure or "overhead" in row.figure)
    assert any(row.figure.startswith("Prefect's overhead per task: (flow, 1 worker x 1 thread - plain path") for row in rows)
