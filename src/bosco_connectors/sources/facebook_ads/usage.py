"""Meta's usage headers, and how long to pause before Meta starts refusing calls.

Meta sends no ``Retry-After``. Instead most responses carry JSON headers that say how
much of each rate-limit budget is used, in percent
(https://developers.facebook.com/docs/graph-api/overview/rate-limiting,
https://developers.facebook.com/docs/marketing-api/overview/rate-limiting):

- ``X-Business-Use-Case-Usage``: ``{"<business id>": [{"type": "ads_insights",
  "call_count": 28, "total_cputime": 25, "total_time": 25,
  "estimated_time_to_regain_access": 0, "ads_api_access_tier": "standard_access"}]}``;
  ``estimated_time_to_regain_access`` is in minutes;
- ``X-Ad-Account-Usage``: ``{"acc_id_util_pct": 9.67, "reset_time_duration": 100,
  "ads_api_access_tier": "standard_access"}``; ``reset_time_duration`` is in seconds;
- ``X-App-Usage``: ``{"call_count": 28, "total_time": 25, "total_cputime": 25}``;
- ``X-FB-Ads-Insights-Throttle``: ``{"app_id_util_pct": 0, "acc_id_util_pct": 0}``.

A budget at 100% means calls fail (codes 4, 17, 613, 80000-80014). `UsagePolicy` slows
down first: from 75% it pauses a few seconds, growing towards a minute near 95%, and
above 95% it waits for the reset Meta announces; an announced
``estimated_time_to_regain_access`` is always honoured.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping

import orjson

log = logging.getLogger("bosco_connectors.facebook_ads")

BUC_HEADER = "x-business-use-case-usage"
AD_ACCOUNT_HEADER = "x-ad-account-usage"
APP_HEADER = "x-app-usage"
INSIGHTS_HEADER = "x-fb-ads-insights-throttle"

_PERCENT_KEYS = ("call_count", "total_cputime", "total_time", "acc_id_util_pct", "app_id_util_pct")


@dataclass(frozen=True)
class Usage:
    """The most-used budget across every usage header of one response."""

    percent: float = 0.0
    #: ``estimated_time_to_regain_access`` (sent in minutes), in seconds.
    regain_seconds: float = 0.0
    #: ``reset_time_duration`` of the ad-account budget, in seconds.
    reset_seconds: float = 0.0
    #: Which header and budget the highest percentage came from, for the log line.
    source: str = ""


def _json(value: str | None) -> Any:
    if not value:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        log.debug("ignoring a usage header that is not JSON: %.80s", value)
        return None


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def read_usage(headers: Mapping[str, str]) -> Usage:
    """Combine the usage headers of one response (names are case-insensitive)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    budgets: list[tuple[str, Mapping[str, Any]]] = []
    buc = _json(lowered.get(BUC_HEADER))
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else [entries]:
                if isinstance(entry, dict):
                    budgets.append((f"business use case {entry.get('type', '?')}", entry))
    for header in (AD_ACCOUNT_HEADER, APP_HEADER, INSIGHTS_HEADER):
        body = _json(lowered.get(header))
        if isinstance(body, dict):
            budgets.append((header, body))
    percent, source, regain, reset = 0.0, "", 0.0, 0.0
    for name, budget in budgets:
        for key in _PERCENT_KEYS:
            value = _number(budget.get(key))
            if value > percent:
                percent, source = value, f"{name} {key}"
        regain = max(regain, _number(budget.get("estimated_time_to_regain_access")) * 60.0)
        reset = max(reset, _number(budget.get("reset_time_duration")))
    return Usage(percent, regain, reset, source)


@dataclass(frozen=True)
class UsagePolicy:
    """Seconds to pause every request of the source after seeing `Usage`."""

    slow_from: float = 75.0
    stop_from: float = 95.0
    slow_pause: float = 5.0
    stop_pause: float = 60.0
    #: A pause longer than this is cut short: a cron run should fail and retry later
    #: rather than sleep for an hour; the next throttled call then reports the error.
    max_pause: float = 900.0

    def pause(self, usage: Usage) -> float:
        wait = usage.regain_seconds
        if usage.percent >= self.stop_from:
            wait = max(wait, usage.reset_seconds, self.stop_pause)
        elif usage.percent >= self.slow_from:
            share = (usage.percent - self.slow_from) / (self.stop_from - self.slow_from)
            wait = max(wait, self.slow_pause + share * (self.stop_pause - self.slow_pause))
        return min(wait, self.max_pause)
