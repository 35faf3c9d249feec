"""Async insights jobs against the fake Meta API: waiting, retrying a failed or late job, giving up.

Time is a fake clock: every poll interval is recorded, nothing really sleeps.
"""

from __future__ import annotations

from decimal import Decimal
import json
from datetime import date
from urllib.parse import parse_qsl

import dlt
import pytest

from bosco_connectors.framework.errors import ReportJobError
from bosco_connectors.sources.facebook_ads.insights import oldest_day
from bosco_connectors.sync import SyncJob, run_sync

from .conftest import expected_daily, extract, sandbox_config

STREAM = "insights_campaign_daily"


def polls(api) -> list[str]:
    """Paths of the status polls, in order (GET {report_run_id}/)."""
    return [r.path for r in api.requests if r.method == "GET" and r.path.rstrip("/").split("/")[-1].isdigit()]


def test_running_job_is_waited_for_with_backoff(meta_app, meta_api, fast_client):
    meta_app.script_jobs(["Job Not Started", "Job Started", "Job Running", "Job Running", "Job Completed"])

    rows = extract(sandbox_config(meta_app, meta_api), [STREAM])[STREAM]

    (job,) = meta_app.jobs()
    assert job.polls == 5
    assert fast_client.sleeps == [5.0, 7.5, 11.25, 16.875]  # first poll after 5 s, then 1.5 times longer
    expected = expected_daily(meta_app.world, "campaign")
    assert {(r["campaign_id"], r["date_start"]): r["spend"] for r in rows} == {k: Decimal(str(v["spend"])) for k, v in expected.items()}


def test_job_completed_below_100_percent_is_polled_again(meta_app, meta_api, fast_client, monkeypatch):
    from bosco_connectors.sources.facebook_ads import insights

    answers = iter([("Job Completed", 90), ("Job Completed", 100)])
    original = insights.job_state
    monkeypatch.setattr(insights, "job_state", lambda status, percent, *a: original(*next(answers)))

    extract(sandbox_config(meta_app, meta_api), [STREAM])

    assert fast_client.sleeps == [5.0]


@pytest.mark.parametrize("first", [["Job Running", "Job Failed"], ["Job Skipped"]])
def test_failed_or_skipped_job_is_started_again(meta_app, meta_api, fast_client, first):
    meta_app.script_jobs(first, ["Job Running", "Job Completed"])

    rows = extract(sandbox_config(meta_app, meta_api), [STREAM])[STREAM]

    jobs = meta_app.jobs()
    assert len(jobs) == 2 and jobs[0].status == first[-1] and jobs[1].status == "Job Completed"
    fetched = {r.path.split("/")[2] for r in meta_api.requests if r.path.endswith("/insights") and r.method == "GET"}
    assert fetched == {jobs[1].id}, "only the completed job's rows are read"
    assert len(rows) == len(expected_daily(meta_app.world, "campaign"))


def test_job_failing_every_time_fails_the_stream_with_one_clear_line(tmp_path, meta_app, meta_api, fast_client):
    meta_app.script_jobs(["Job Running", "Job Failed"], ["Job Failed"])
    destination = dlt.destinations.duckdb(str(tmp_path / "x.duckdb"))

    result = run_sync(SyncJob("t1", "facebook_ads", sandbox_config(meta_app, meta_api), streams=[STREAM]),
                      destination=destination, pipelines_dir=tmp_path / "p")

    assert not result.ok and result.stream == STREAM
    line = result.failure_line
    assert "\n" not in line
    assert "source=facebook_ads" in line and f"stream={STREAM}" in line
    assert "gave up after 2 attempts" in line and "Job Failed" in line
    assert "Generating the report failed" in line  # Meta's own error_message (v25.0+)
    assert len(meta_app.jobs()) == 2


def test_job_past_its_deadline_is_started_again_then_fails(meta_app, meta_api, fast_client):
    meta_app.script_jobs(["Job Running"], ["Job Started", "Job Running"])
    config = sandbox_config(meta_app, meta_api, job_deadline_seconds=60)

    with pytest.raises(Exception) as info:
        extract(config, [STREAM])

    error = info.value
    while not isinstance(error, ReportJobError):  # dlt wraps the source's error
        error = error.__cause__ or error.__context__ or getattr(error, "exception", None)
        assert error is not None, "a ReportJobError should be in the chain"
    assert str(error).startswith(f"facebook_ads/{STREAM}: report job insights level=campaign")
    assert "deadline of 60s passed while 'Job Running" in str(error)
    assert len(meta_app.jobs()) == 2
    # each attempt polls until the next wait would cross its 60 s deadline: 5 + 7.5 + 11.25 + 16.875 = 40.6
    assert fast_client.sleeps == [5.0, 7.5, 11.25, 16.875] * 2


def test_job_request_carries_metas_parameters(meta_app, meta_api, fast_client):
    config = sandbox_config(meta_app, meta_api, action_attribution_windows=["7d_click", "7d_view"])

    extract(config, ["insights_ad_daily"])

    (post,) = [r for r in meta_api.requests if r.method == "POST"]
    assert post.path == f"/v26.0/act_{meta_app.world.accounts[0].id}/insights"
    form = dict(parse_qsl(post.body.decode()))
    assert form["level"] == "ad" and form["time_increment"] == "1"
    assert form["time_range"] == f'{{"since":"{meta_app.world.start_date}","until":"{meta_app.world.end_date}"}}'
    # the fixed windows (issue 12), then the configured one they lack
    assert form["action_attribution_windows"] == '["1d_click","7d_click","28d_click","1d_view","7d_view"]'
    assert {"ad_id", "adset_id", "campaign_id", "spend", "actions", "action_values", "account_currency"} <= set(
        json.loads(form["fields"]))
    assert len(polls(meta_api)) == 1


@pytest.mark.parametrize(
    ("today", "oldest"),
    [(date(2026, 11, 29), date(2023, 10, 29)), (date(2026, 3, 31), date(2023, 2, 28)), (date(2026, 1, 15), date(2022, 12, 15))],
)
def test_insights_history_is_37_months(today, oldest):
    assert oldest_day(today) == oldest


def test_windows_older_than_37_months_are_cut_not_failed(meta_app, meta_api, fast_client, monkeypatch):
    from bosco_connectors.sources.facebook_ads import streams

    monkeypatch.setattr(streams, "utc_today", lambda: date(2029, 11, 15))  # 37 months after 2026-10-15
    config = sandbox_config(meta_app, meta_api, start_date=date(2026, 9, 1))

    extract(config, ["insights_account_daily"])

    ranges = [json.loads(dict(parse_qsl(r.body.decode()))["time_range"]) for r in meta_api.requests if r.method == "POST"]
    assert sorted(ranges, key=lambda r: r["since"]) == [  # 2026-09-01..09-30 skipped, the next window cut
        {"since": "2026-10-15", "until": "2026-10-30"},
        {"since": "2026-10-31", "until": "2026-11-20"},
    ]
