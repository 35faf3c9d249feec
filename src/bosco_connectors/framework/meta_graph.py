"""What every source on Meta's Graph API shares: host, version, error codes, paging, insight days.

One piece for the SDK-based ``facebook_ads`` (its error codes) and the declared organic
sources ``facebook_pages`` and ``instagram`` (all of it):

- Errors (https://developers.facebook.com/docs/graph-api/guides/error-handling, rate
  limits at https://developers.facebook.com/docs/graph-api/overview/rate-limiting) come
  as ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``: throttling
  (4 app, 17 user, 32 Pages, 613 custom, 80000-80014 business use case: 80001 Pages,
  80002 Instagram) and 1/2 (unknown, service unavailable) are retried; 102, 104, 190
  (token missing, invalid, expired), 10 and 200-299 (permission) stop with one line.
- Edges page with cursors (https://developers.facebook.com/docs/graph-api/results):
  ``paging.cursors.after`` is sent back as ``after``; "if ``next`` is not included, this
  is the last page", so ``paging.next`` is the has-more marker (its URL, which carries
  the token, is never followed).
- Insights with ``period=day`` name each day by its ``end_time``, the midnight that ends
  it in Pacific time: "if you set since to January 1, 2018, the end_time will be
  January 2, 2018 at 8:00 GMT" (https://developers.facebook.com/docs/pages-api/insights/page).
  `insight_day` turns one back into the day it ends, across summer time changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from .errormap import Action, ErrorMap
from .paginators import CursorInBody

#: The Graph API host (versions are a path prefix: ``https://graph.facebook.com/v27.0/``).
GRAPH_URL = "https://graph.facebook.com"
#: The Graph API version the declared Meta sources follow: v27.0, released 2026-11-04,
#: the newest in https://developers.facebook.com/docs/graph-api/changelog (facebook_ads
#: stays on the version its SDK is generated for).
GRAPH_VERSION = "v27.0"
GRAPH_VERSION_RELEASED = dt.date(2026, 11, 4)
#: "A version will be available for at least 2 years from its release date"
#: (https://developers.facebook.com/docs/graph-api/guides/versioning).
GRAPH_VERSION_UNTIL = dt.date(2028, 11, 4)

#: Rate limiting: app (4), user (17), Pages (32), custom (613), business use case (80000-80014).
THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
#: Unknown error, service temporarily unavailable: Meta says retry.
TRANSIENT_CODES = frozenset({1, 2})
#: (code, subcode) pairs that are transient although their code is not: 100/1504018 is
#: "Request timed out" in Meta's error reference.
TRANSIENT_SUBCODES = frozenset({(100, 1504018)})
#: Missing, invalid or expired tokens, and permissions the token lacks.
AUTH_CODES = frozenset({10, 102, 104, 190, *range(200, 300)})

#: The zone Meta's daily insights are cut in (their ``end_time`` is Pacific midnight).
INSIGHTS_ZONE = "America/Los_Angeles"
_PACIFIC = ZoneInfo(INSIGHTS_ZONE)


def graph_errors(vendor: str) -> ErrorMap:
    """Meta's error reference as an `ErrorMap` (``vendor`` names the lines: "Instagram code 190")."""
    codes: dict[object, Action] = {}
    for code in (*THROTTLE_CODES, *TRANSIENT_CODES):
        codes[code] = Action.RETRY
    for code in AUTH_CODES:
        codes[code] = Action.AUTH
    return ErrorMap(
        vendor, code="error.code", message=("error.message",), request_id="error.fbtrace_id", codes=codes,
        hints={Action.AUTH: "check the access token and that it has the permissions this source needs"},
    )


def graph_cursor() -> CursorInBody:
    """Cursor paging of a Graph API edge: ``after`` until a page has no ``paging.next``."""
    return CursorInBody("paging.cursors.after", "after", has_more_path="paging.next")


def insight_day(end_time: str | dt.datetime) -> dt.date:
    """The day a ``period=day`` insight value covers: the Pacific day before its ``end_time``.

    ``2026-11-02T08:00:00+0000`` (midnight PST) is 1 November, ``2026-11-01T07:00:00+0000``
    (midnight PDT) 31 October: a fixed offset would put one of them on the wrong day.
    """
    moment = dt.datetime.strptime(end_time, "%Y-%m-%dT%H:%M:%S%z") if isinstance(end_time, str) else end_time
    return moment.astimezone(_PACIFIC).date() - dt.timedelta(days=1)


def dated_insight(record: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """A stream transform: a daily insight value's ``date``, from its ``end_time`` (`insight_day`)."""
    record["date"] = insight_day(record["end_time"])
    return record


#: An insights answer as rows: one per metric (its ``name``) and value, the metric's own
#: title, description and id left out (`Records` keywords).
INSIGHT_ROWS: dict[str, Any] = dict(explode="values", rename={"name": "metric"}, drop=("title", "description", "id"))


def insight_metric(name: str) -> str:
    """The SQL picking one metric's value out of insight rows (a `facts.Expr` summed per day)."""
    return f"case when metric = '{name}' then value end"


#: The Graph API's documented error response (https://developers.facebook.com/docs/graph-api/guides/error-handling).
GRAPH_ERROR_EXAMPLE: dict[str, Any] = {
    "error": {"message": "Error validating access token: The session has been invalidated because the user "
                         "changed their password.", "type": "OAuthException", "code": 190,
              "error_subcode": 460, "fbtrace_id": "EJplcsCHuLu"}}


__all__ = ["AUTH_CODES", "GRAPH_URL", "GRAPH_VERSION", "INSIGHTS_ZONE", "THROTTLE_CODES", "TRANSIENT_CODES", "TRANSIENT_SUBCODES",
           "GRAPH_ERROR_EXAMPLE", "INSIGHT_ROWS", "dated_insight", "graph_cursor", "graph_errors", "insight_day", "insight_metric"]
