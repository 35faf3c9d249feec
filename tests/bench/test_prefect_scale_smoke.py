"""The Prefect scale-out benchmark still runs: two syncs, plain and through the flow, in this process.

Not a benchmark (the wall-time bound is not checked: at this size a sync's fixed cost is all
of its time): it keeps `bench/prefect_scale.py` (its project file, the Prefect test harness,
the lanes' timing, the task runs read back from Prefect's API, the table rows) from rotting.
"""

from __future__ import annotations

from bench import prefect_scale


def test_the_prefect_scale_benchmark_runs_syncs_plain_and_through_the_flow():
    # Syncs of one connection under a vendor limit of one: two workers would otherwise overlap.
    result = prefect_scale.measure(jobs=2, advertisers=2, pages=1, latency=0.02, limit=1, sync_workers=1,
                                   workers=(1, 2), in_process=True)

    runs = result["runs"]
    assert set(runs) == {"plain-1", "flow-1", "flow-2"}
    assert result["requests"] == 2 * 2 and result["rows"] == 2 * 2 * prefect_scale.PAGE_SIZE
    for key, run in runs.items():
        assert run["synced"] == 2, (key, run["failures"])
        assert run["requests_seen"] == result["requests"] and run["rows"] == result["rows"], key
        assert run["max_in_flight"] == 1, key
        assert run["wall"] > 0 and run["extract_mean"] > 0 and run["rest_mean"] > 0, key
    for key in ("flow-1", "flow-2"):
        flow = runs[key]
        assert flow["lane_wait_mean"] > 0, "the flow's lanes were not taken (or not timed)"
        assert flow["task_runs"] == 2 and flow["task_outside_mean"] is not None, "task runs not read back from Prefect"
    assert runs["plain-1"]["lane_wait_mean"] == 0 and runs["plain-1"]["task_runs"] == 0

    rows = prefect_scale.rows_for(result)
    checked = [row for row in rows if row.ok is not None]
    assert len(checked) == 4  # per workers count: the wall time, the requests in flight
    assert all(row.ok for row in checked if "in flight" in row.figure)
    assert any(row.figure.startswith("Prefect's overhead per task, 1 worker: (flow - plain path)") for row in rows)
