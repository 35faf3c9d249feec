"""An app-wide vendor budget cut into lanes, which syncs on any worker take and give back.

A vendor limits the developer app as a whole (TikTok: 10 requests a second on the Basic
tier), so fifty workers that each pace themselves at the full figure get the app
banned. The budget (`AppLimits`) is cut into N equal lanes; a sync takes k of them for its
extract step from a counter every worker sees (a Prefect global concurrency limit of N
slots) and paces itself at k/N of the budget with its own in-process limiter. k is a fair
share (`fair_share`): when a flow run has J syncs of the source to run on T task threads,
up to min(J, T) of them run at once, so each takes N // min(J, T) lanes (at least 1, at
most its own concurrency): concurrent syncs of one source share the budget instead of
queueing behind one that holds all of it, and a lone sync still takes every lane. Whatever
the number of workers, the running syncs hold at most N lanes, so their sum stays within
the budget; and the shared counter is asked once per sync, not once per request (each
ask is an API round trip that polls while the lanes are full).

N is the smallest of the whole budgets: requests in flight, report jobs, and requests per
second rounded down (at least 1), so that every lane carries at least one request in
flight, one report job and a fair share of the rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..framework.ratelimit import AppLimits, _tighter

#: Prefect global concurrency limits are named ``bosco-app-<source>``.
LIMIT_PREFIX = "bosco-app-"


@dataclass(frozen=True)
class Lanes:
    """N lanes and what each one carries (None: that figure is not limited app-wide)."""

    count: int
    in_flight: int | None
    per_second: float | None
    report_jobs: int | None

    def share(self, taken: int) -> "Share":
        """What a sync holding `taken` lanes may use."""
        return Share(
            lanes=taken,
            in_flight=self.in_flight * taken if self.in_flight else None,
            per_second=self.per_second * taken if self.per_second else None,
            report_jobs=self.report_jobs * taken if self.report_jobs else None,
        )


@dataclass(frozen=True)
class Share:
    lanes: int
    in_flight: int | None
    per_second: float | None
    report_jobs: int | None


def lanes_for(limits: AppLimits) -> Lanes:
    rate = limits.requests_per_second
    budgets = [b for b in (limits.in_flight, limits.report_jobs) if b]
    if rate:
        budgets.append(max(1, int(rate)))
    count = max(1, min(budgets)) if budgets else 1
    return Lanes(
        count=count,
        in_flight=limits.in_flight // count if limits.in_flight else None,
        per_second=rate / count if rate else None,
        report_jobs=limits.report_jobs // count if limits.report_jobs else None,
    )


def limit_name(source: str) -> str:
    return f"{LIMIT_PREFIX}{source}"


def fair_share(count: int, jobs: int, threads: int) -> int:
    """Lanes per sync when `jobs` syncs of a source run on `threads` task threads.

    At most min(jobs, threads) of them run at once, so each may take count // that many
    (at least 1): their sum is at most `count` whenever every one gets a lane. Past
    `count` syncs at once, each takes 1 and the shared counter makes the rest wait.
    """
    return max(1, count // max(1, min(jobs, threads)))


def lanes_wanted(client: Any, lanes: Lanes, jobs: int = 1, threads: int = 1) -> int:
    """The sync's fair share of the lanes (`fair_share`), never more than its own concurrency.

    The defaults (one job, one thread) are a lone sync: every lane it can use."""
    own = getattr(getattr(client, "limiter", None), "limit", None)
    concurrency = getattr(own, "max_concurrency", None)
    share = fair_share(lanes.count, jobs, threads)
    return max(1, min(share, concurrency or share))


def fit(client: Any, share: Share) -> None:
    """Narrow a sync's client to its share of the app budget, before its first request.

    The client also keeps the share (``client.lanes``): its readers then use the lanes
    from the first request (`resources._run_concurrently`) instead of first probing
    whether the API is slow enough for threads; lanes held and left idle are lost to
    every other sync of the app."""
    limiter = getattr(client, "limiter", None)
    if limiter is not None:
        limiter.narrow(max_concurrency=share.in_flight, per_second=share.per_second)
    if share.report_jobs:
        client.report_jobs = _tighter(getattr(client, "report_jobs", None), share.report_jobs)
    client.lanes = share
