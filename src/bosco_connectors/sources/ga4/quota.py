"""The property's token quota: slow down before Google answers ``RESOURCE_EXHAUSTED``.

Every runReport asks for ``returnPropertyQuota``; the answer's ``propertyQuota`` holds, per
quota, ``{"consumed", "remaining"}`` (proto3 JSON drops zeros: no ``remaining`` means none left).
Standard properties get 200,000 tokens a day, 40,000 an hour and 14,000 per project an hour
(https://developers.google.com/analytics/devguides/reporting/data/v1/quotas). When an hourly
budget falls below ``quota_reserve_tokens``, `QuotaGuard` pauses every request of the source
for ``quota_pause_seconds`` (the client's shared rate limiter).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from ...framework import ApiClient

log = logging.getLogger("bosco_connectors.sources.ga4")


def _remaining(quota: dict[str, Any], name: str) -> int | None:
    status = quota.get(name)
    return int(status.get("remaining", 0) or 0) if isinstance(status, dict) else None


@dataclass
class QuotaGuard:
    """Reads ``propertyQuota`` from each answer; pauses the source when hourly tokens run low."""

    pause: Callable[[float], None]
    reserve_tokens: int = 500
    pause_seconds: float = 60.0
    last: dict[str, Any] = field(default_factory=dict)  # the last propertyQuota seen
    pauses: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, response: Any, body: Any) -> None:
        quota = body.get("propertyQuota") if isinstance(body, dict) else None
        if not isinstance(quota, dict):
            return
        hourly = [(left, name) for name in ("tokensPerHour", "tokensPerProjectPerHour") if (left := _remaining(quota, name)) is not None]
        low = min((item for item in hourly if item[0] < self.reserve_tokens), default=None)
        with self._lock:
            self.last, self.pauses = quota, self.pauses + bool(low and self.pause_seconds > 0)
        if low and self.pause_seconds > 0:
            log.warning("ga4: %s has %d tokens left (reserve %d); pausing requests for %.0f s",
                        low[1], low[0], self.reserve_tokens, self.pause_seconds)
            self.pause(self.pause_seconds)
        if (daily := _remaining(quota, "tokensPerDay")) is not None and daily < self.reserve_tokens:
            log.warning("ga4: only %d tokens left today for this property; the sync may stop on RESOURCE_EXHAUSTED", daily)


class Ga4Client(ApiClient):
    """`ApiClient` plus the property's quota guard, which sees every successful answer."""

    def __init__(self, *args: Any, quota_reserve_tokens: int = 500, quota_pause_seconds: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quota = QuotaGuard(self.limiter.pause_for, quota_reserve_tokens, quota_pause_seconds)

    def on_response(self, response: Any, body: Any) -> None:
        self.quota(response, body)
