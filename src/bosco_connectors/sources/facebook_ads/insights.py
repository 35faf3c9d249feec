"""Daily insights as asynchronous report jobs (Ads Insights API, ``AdReportRun``).

https://developers.facebook.com/docs/marketing-api/insights/best-practices (asynchronous
jobs) and https://developers.facebook.com/docs/marketing-api/reference/ad-report-run:

1. ``POST act_{id}/insights`` with ``level``, ``fields``, ``time_range`` and
   ``time_increment=1`` starts a job and answers ``{"report_run_id": "..."}``;
2. ``GET {report_run_id}?fields=async_status,async_percent_completion,...`` is polled
   with back-off by the framework's declared job (`jobs.AsyncReport`; its three calls
   are SDK calls here: `start_job`, `poll_job`, `read_rows`). ``async_status`` is one
   of ``Job Not Started``, ``Job Started``, ``Job Running`` (keep waiting),
   ``Job Completed`` (done, once ``async_percent_completion`` is 100), ``Job Failed``
   or ``Job Skipped`` (that job is over: it is started again, up to ``job_attempts``
   times). A job still running at ``job_deadline_seconds`` counts as failed too. Since
   v25.0 a failed run also carries ``error_code`` / ``error_message``;
3. ``GET {report_run_id}/insights?limit=N`` returns the rows, paged with ``after``
   cursors like any edge.

Meta keeps insights for 37 months: a window reaching further back is cut at that limit
(`oldest_day`, the stream's ``oldest_day``) instead of failing with error 3018.

Meta sends every metric as a string, and conversions inside ``actions`` /
``action_values`` lists of ``{"action_type", "value"}``; `shape_row` sums the configured
conversion action types into ``conversions`` and ``conversion_value`` and gives each
type its own column.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, Iterator

import orjson

from ...framework import JobStatus, ReadContext, parse_date
from ...framework.jobs import AsyncReport, JobContext
from .contracts import action_column

if TYPE_CHECKING:
    from .client import MetaClient
    from .config import FacebookAdsConfig

#: Metrics read at every level. ``spend`` and the rates are in the account currency; the
#: ``unique_*`` counts are people (not additive across days or levels); ``purchase_roas``,
#: ``video_play_actions`` and ``video_thruplay_watched_actions`` are lists of action stats
#: (`shape_row` loads them as numbers: see `ACTION_STAT_METRICS`).
METRIC_FIELDS = (
    "account_id", "account_name", "account_currency",
    "spend", "impressions", "clicks", "inline_link_clicks", "reach", "frequency", "cpm", "cpc", "ctr",
    "unique_clicks", "unique_inline_link_clicks", "unique_ctr", "unique_inline_link_click_ctr",
    "actions", "action_values", "purchase_roas", "video_play_actions", "video_thruplay_watched_actions",
)
#: List-of-action-stats metrics loaded as one number: the stat of that action type
#: (``purchase_roas`` of ``omni_purchase``, Meta's purchases across web, app and offline),
#: or the sum of the list's values (video plays and ThruPlays, action type ``video_view``).
ACTION_STAT_METRICS: dict[str, str | None] = {
    "purchase_roas": "omni_purchase",
    "video_play_actions": None,
    "video_thruplay_watched_actions": None,
}
#: Attribution windows always asked for, each kept in its own columns (``conversions_7d_click``,
#: ``conversion_value_1d_view``), besides Meta's ``value`` (the ad set's attribution setting).
FIXED_WINDOWS = ("1d_click", "7d_click", "28d_click", "1d_view")


def attribution_windows(config: Any = None) -> tuple[str, ...]:
    """The fixed windows, then those the config adds."""
    configured = tuple(getattr(config, "action_attribution_windows", None) or ())
    return tuple(dict.fromkeys((*FIXED_WINDOWS, *configured)))


def window_column(window: str, kind: str = "conversions") -> str:
    """``7d_click`` -> ``conversions_7d_click`` (or ``conversion_value_7d_click``)."""
    return f"{kind}_{window}"
#: The level's own id and name, then its parents' (for roll-ups without a join).
LEVEL_FIELDS: dict[str, tuple[str, ...]] = {
    "account": (),
    "campaign": ("campaign_id", "campaign_name"),
    "adset": ("adset_id", "adset_name", "campaign_id", "campaign_name"),
    "ad": ("ad_id", "ad_name", "adset_id", "adset_name", "campaign_id", "campaign_name"),
}

RUNNING = frozenset({"Job Not Started", "Job Started", "Job Running"})
COMPLETED = "Job Completed"
FAILED = frozenset({"Job Failed", "Job Skipped"})
STATUS_FIELDS = ("async_status", "async_percent_completion", "error_code", "error_message")

log = logging.getLogger("bosco_connectors.facebook_ads")

#: "The start date of the time range cannot be beyond 37 months from the current date."
HISTORY_MONTHS = 37

#: Polling: first after 5 s, then 1.5 times longer each time, never more than 30 s apart.
FIRST_POLL_SECONDS = 5.0
MAX_POLL_SECONDS = 30.0


def oldest_day(today: date, months: int = HISTORY_MONTHS) -> date:
    """The first day Meta still serves insights for: ``today`` minus 37 months."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


#: Always asked for: the row's ids (with the level's own, `LEVEL_FIELDS`) and its day.
KEY_FIELDS = ("account_id",)


def metric_fields(config: Any = None) -> tuple[str, ...]:
    """The fields a "too much data" answer may have asked for in parts (all but the ids), extras included."""
    extra = tuple(getattr(config, "extra_metrics", None) or ())
    return tuple(f for f in (*METRIC_FIELDS, *extra) if f not in KEY_FIELDS)


def published_fields() -> frozenset[str] | None:
    """Every field the Ads Insights reference lists, as the SDK generates them (None without the SDK)."""
    try:
        from facebook_business.adobjects.adsinsights import AdsInsights
    except ImportError:
        return None
    return frozenset(v for k, v in vars(AdsInsights.Field).items() if not k.startswith("_") and isinstance(v, str))


def insights_fields(level: str, only: tuple[str, ...] | None = None, extra: tuple[str, ...] = ()) -> list[str]:
    """The level's ids and every metric (and the extra ones), or only the metrics `only` names (a part of a split read)."""
    if only is None:
        return [*LEVEL_FIELDS[level], *METRIC_FIELDS, *extra]
    return [*LEVEL_FIELDS[level], *KEY_FIELDS, *only]


def insights_params(level: str, since: date, until: date, config: "FacebookAdsConfig",
                    fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The parameters of ``POST act_{id}/insights`` for one level and range (and part of the fields)."""
    params: dict[str, Any] = {
        "level": level,
        "fields": insights_fields(level, fields, tuple(getattr(config, "extra_metrics", None) or ())),
        "time_range": {"since": since.isoformat(), "until": until.isoformat()},
        "time_increment": "1",  # one row per day
    }
    params["action_attribution_windows"] = list(attribution_windows(config))
    return params


# -- the three SDK calls the declared job makes ------------------------------------------------


def start_job(level: str, job: JobContext) -> Any:
    """``POST act_{id}/insights``: the SDK's `AdReportRun` (its id is Meta's ``report_run_id``)."""
    account_id = job.partition["account_id"]
    client: "MetaClient" = job.client
    account = client.account(account_id)
    params = insights_params(level, job.window.start, job.window.end, job.config, job.read.fields)
    return client.call(lambda: account.get_insights_async(params=params), stream=job.stream,
                       what=f"POST act_{account_id}/insights ({job.name})")


def poll_job(job: JobContext, run: Any) -> tuple[JobStatus, str]:
    """``GET {report_run_id}?fields=async_status,...``."""
    job.client.call(lambda: run.api_get(fields=list(STATUS_FIELDS)), stream=job.stream, what=f"GET {run['id']}")
    return job_state(run.get("async_status"), run.get("async_percent_completion"), run.get("error_code"), run.get("error_message"))


def read_rows(job: JobContext, run: Any) -> Iterator[list[dict[str, Any]]]:
    """``GET {report_run_id}/insights``, page by page (``after`` cursors), never all at once."""
    yield from job.client.pages(lambda: run.get_insights(params={"limit": job.config.page_size}),
                                stream=job.stream, what=f"GET {run['id']}/insights")


def report(level: str) -> AsyncReport:
    """Daily insights at one level as a declared async job, through the SDK's calls."""
    return AsyncReport(
        name=lambda ctx: f"insights level={level} act_{ctx.partition['account_id']} {ctx.window.start}..{ctx.window.end}",
        create=partial(start_job, level),
        poll=poll_job,
        download=read_rows,
        job_id=lambda run: run.get("id") or run.get("report_run_id"),
        deadline="job_deadline_seconds",
        attempts="job_attempts",
        first_poll=FIRST_POLL_SECONDS,
        max_poll=MAX_POLL_SECONDS,
    )


def job_state(status: Any, percent: Any, error_code: Any = None, error_message: Any = None) -> tuple[JobStatus, str]:
    """Map Meta's ``async_status`` to the framework's job state, with a readable text."""
    text = f"{status or 'no async_status'}, {percent if percent is not None else '?'}%"
    if error_code is not None or error_message:
        text += f", error_code {error_code}: {error_message or 'no message'}"
    if status == COMPLETED:
        complete = percent is None or _number(percent) >= 100
        return (JobStatus.DONE if complete else JobStatus.RUNNING), text
    if status in FAILED:
        return JobStatus.FAILED, text
    return JobStatus.RUNNING, text  # Not Started / Started / Running, or a status Meta adds later


def shape_row(record: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """Meta's insights row -> the contract's row (numbers stay strings for the Arrow cast)."""
    row = dict(record)
    row["date_start"] = parse_date(record["date_start"])
    if record.get("date_stop"):
        row["date_stop"] = parse_date(record["date_stop"])
    row["account_id"] = record.get("account_id") or ctx.partition["account_id"]  # an Id: the contract renders it
    for name in getattr(ctx.config, "extra_metrics", None) or ():
        value = record.get(name)  # extra metrics load as text: lists of action stats as their JSON
        if value is not None and not isinstance(value, str):
            row[name] = orjson.dumps(value).decode()
    types = ctx.config.conversion_action_types
    windows = attribution_windows(ctx.config)
    # Meta leaves out an empty list; a part of a split read that did not ask for it leaves
    # its columns out, for the other part to fill (`framework.splitting.join_parts`).
    if ctx.fields is None or "actions" in ctx.fields:
        actions = record.get("actions") or []
        counts = by_action_type(actions)
        for action_type in types:
            row[action_column(action_type)] = counts.get(action_type, 0.0)
        row["conversions"] = sum(counts.get(t, 0.0) for t in types)
        for window in windows:
            per_window = by_action_type(actions, key=window)
            row[window_column(window)] = sum(per_window.get(t, 0.0) for t in types)
        row["actions"] = orjson.dumps(actions).decode() if actions else None
    if ctx.fields is None or "action_values" in ctx.fields:
        values = record.get("action_values") or []
        amounts = by_action_type(values, Decimal)  # money: exact
        for action_type in types:
            row[action_column(action_type, "action_values")] = amounts.get(action_type, Decimal(0))
        row["conversion_value"] = sum((amounts.get(t, Decimal(0)) for t in types), Decimal(0))
        for window in windows:
            per_window = by_action_type(values, Decimal, key=window)
            row[window_column(window, "conversion_value")] = sum((per_window.get(t, Decimal(0)) for t in types), Decimal(0))
        row["action_values"] = orjson.dumps(values).decode() if values else None
    for name, action_type in ACTION_STAT_METRICS.items():
        if ctx.fields is None or name in ctx.fields:
            stats = record.get(name) or []
            if action_type is None:
                row[name] = sum(by_action_type(stats, int).values()) if stats else 0
            else:
                row[name] = by_action_type(stats).get(action_type)  # a ratio: absent is unknown, not 0
    return row


def by_action_type(stats: list[dict[str, Any]], number: type = float, key: str = "value") -> dict[str, Any]:
    """``[{"action_type": "lead", "value": "3"}]`` -> ``{"lead": 3.0}`` (Meta's values are strings);
    ``number=Decimal`` for money (action_values), summed exactly; `key` an attribution window
    (``"7d_click"``) reads that window's figure instead of ``value`` (absent: 0)."""
    out: dict[str, Any] = {}
    for stat in stats:
        action_type = stat.get("action_type")
        if action_type:
            out[action_type] = out.get(action_type, number(0)) + _number(stat.get(key, 0), number)
    return out


def _number(value: Any, number: type = float) -> Any:
    try:
        return number(str(value))
    except (TypeError, ValueError, ArithmeticError):
        return number(0)
