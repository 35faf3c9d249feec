"""Branch: the Query API (``POST https://api2.branch.io/v1/query/analytics``), declared.

Reference: https://help.branch.io/developers-hub/reference/query-api (overview and limits) and
the endpoint reference https://help.branch.io/apidocs/postquery ; the parameter tables, the
valid data sources, dimensions and aggregations, and the example answers are those of Branch's
documentation source (github.com/BranchMetrics/docs, ``docs/exports/query-api.md``, rendered at
https://docs.branch.io/exports/query-api/). The API is versioned in its path (``v1``).

Auth: the app's Branch key and secret are fields of every JSON body (``branch_key``,
``branch_secret``; `auth.JsonBodyKeys`). Dates are days (``YYYY-MM-DD``) in the app's time zone
(its Branch account setting); ``end_date`` is exclusive and at most 7 days after ``start_date``.

Streams, one query per day (granularity ``day``; ``limit`` caps results per day, so one day per
query lets the pages follow one list):

- ``installs_daily``: ``data_source`` ``eo_install``, ``aggregation`` ``total_count``;
- ``reinstalls_daily``: ``eo_reinstall``, the same;

both split by ``last_attributed_touch_data_tilde_advertising_partner_name`` (the ad partner),
``last_attributed_touch_data_tilde_campaign``, ``last_attributed_touch_data_tilde_channel`` and
``user_data_os``. An answer is ``{"results": [{"timestamp", "result": {<dimensions>,
"total_count"}}], "paging": {"next_url", "total_count"}}``: pages follow ``paging.next_url``
(a path with ``query_id``, ``limit`` and ``after``; the query body is sent again) until a page
has no results or ``paging.total_count`` results are read. A dimension Branch has no value for
is ``null``; it is loaded as the empty text (it is part of the row's key). Zero counts are left
out (``zero_fill`` false): a missing row means 0.

Look-back: 7 days, our choice: an install is counted on its day once attributed, and the
reference states no window in which a day's counts still change. Rate limits: 5 requests a
second, 20 a minute, 150 an hour (over them, "Limit is exceeded for org..." in the body); at most
50,000 rows per answer; a rolling two-year window.

Not loaded: ``cost`` (the ``cost`` data source) and ``revenue`` (``eo_commerce_event``), whose
currency the reference does not state; the Export API (raw events), not needed by the facts.
Both streams map into the unified ``app_installs_daily`` (installs; re-installs). Category
``attribution``.
"""

from __future__ import annotations

import datetime as dt  # fields may then be named ``date``
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Mapping

import httpx
from pydantic import Field, SecretStr

from bosco_connectors.framework import Contract, SourceConfig
from bosco_connectors.framework.auth import JsonBodyKeys
from bosco_connectors.framework.declare import Api, RateBudget, declare, source_function
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.jsonpath import get_path
from bosco_connectors.framework.paginators import NextUrlInBody, PageRequest
from bosco_connectors.framework.params import Partitions, WindowParams
from bosco_connectors.framework.records import DATE_PREFIX, Records
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream, Stream
from bosco_connectors.sandbox.documented_days import DocumentedDays

DIMENSIONS = {"last_attributed_touch_data_tilde_advertising_partner_name": "ad_partner",
              "last_attributed_touch_data_tilde_campaign": "campaign",
              "last_attributed_touch_data_tilde_channel": "channel",
              "user_data_os": "os"}


class BranchConfig(SourceConfig):
    """Config of the ``branch`` source (plus the fields every source accepts)."""

    branch_key: str = Field(min_length=1, description="The app's Branch key (key_live_...).")
    branch_secret: SecretStr = Field(description="The app's Branch secret (secret_live_...), of a user with Aggregate "
                                                 "Data and Export access.")
    requests_per_minute: float = Field(default=20.0, gt=0, le=20, description="Pace of requests (Branch: 20 a minute, "
                                                                              "150 an hour).")


class EventsDaily(Contract):
    """One day, ad partner, campaign, channel and OS of a Query API count."""

    app_key: str = Field(description="The app: its Branch key (config), which the answer does not repeat.")
    day: dt.date = Field(description="The day, in the app's Branch time zone.")
    ad_partner: str = Field(description="last_attributed_touch_data_tilde_advertising_partner_name; '' when none.")
    campaign: str = Field(description="last_attributed_touch_data_tilde_campaign; '' when none.")
    channel: str = Field(description="last_attributed_touch_data_tilde_channel; '' when none.")
    os: str = Field(description="user_data_os: ANDROID, IOS, ...; '' when none.")
    total_count: int | None = Field(default=None, description="Events counted (total_count).")


API = Api(
    base_url="https://api2.branch.io/",
    auth=JsonBodyKeys("branch_key", "branch_secret"),
    # Branch documents no error body (only "Limit is exceeded for org..." in the body of a rate-limited answer): the status decides.
    errors=ErrorMap("Branch", message=("error.message", "error", "message"), statuses={429: Action.RETRY, 400: Action.FAIL},
                    hints={Action.AUTH: "check the Branch key and secret, and that their user has Aggregate Data and "
                                        "Export access"}),
    rate=RateBudget(per_minute="requests_per_minute"),
)


@dataclass
class NextPageWhileResults(NextUrlInBody):
    """Branch's ``paging.next_url``, followed while pages bring results and fewer than
    ``paging.total_count`` have been read (the reference does not say what the last page's
    ``next_url`` holds)."""

    path: str = "paging.next_url"
    _read: int = 0

    def first(self) -> PageRequest:
        self._read = 0
        return PageRequest()

    def next(self, response: httpx.Response, body: Any, records: list[Any]) -> PageRequest | None:
        self._read += len(records)
        total = get_path(body, "paging.total_count")
        if not records or (total is not None and self._read >= int(total)):
            return None
        return super().next(response, body, records)


@dataclass(frozen=True)
class TheApp(Partitions):
    """The one app the credential reads, named by its Branch key (not secret), for every row."""

    def for_read(self, config: Any, client: Any = None) -> list[Mapping[str, Any]]:
        return [{"app_key": config.branch_key}]


def _no_null_keys(row: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """A dimension without a value (null) as the empty text: it is part of the row's key."""
    for column in DIMENSIONS.values():
        if row.get(column) is None:
            row[column] = ""
    return row


def query(name: str, data_source: str, description: str, unified: Maps) -> RestStream:
    return DocumentedDays(
        name=name, fake_days={"timestamp": "%Y-%m-%d"}, description=description, path="v1/query/analytics", method="POST",
        params={"data_source": data_source, "dimensions": list(DIMENSIONS), "granularity": "day",
                "aggregation": "total_count", "zero_fill": False},
        window=WindowParams("start_date", "end_date", end_exclusive=True),
        partitions=TheApp(), path_only=("app_key",), paginator=NextPageWhileResults,
        records=Records("results", flatten=("result",), rename={**DIMENSIONS, "timestamp": "day"},
                        formats={"day": DATE_PREFIX}, from_partition=("app_key",)),
        transform=_no_null_keys, contract=EventsDaily, primary_key=("app_key", "day", "ad_partner", "campaign", "channel", "os"),
        cursor=Cursor("day", lookback=timedelta(days=7), window=timedelta(days=1)),
        history=timedelta(days=730), unified=unified,
    )


MEANINGS = {"date": "the day in the app's Branch time zone",
            "media_source": "last_attributed_touch_data_tilde_advertising_partner_name: the ad partner of the last "
                            "attributed touch ('' when none: organic)",
            "campaign": "last_attributed_touch_data_tilde_campaign ('' when none)"}


def streams(config: BranchConfig | None) -> list[Stream]:
    return [
        query("installs_daily", "eo_install", "Installs per day, ad partner, campaign, channel and OS.",
              Maps("app_installs_daily", date="day", app_id="app_key", app_os="os", media_source="ad_partner",
                   campaign="campaign", installs="total_count",
                   meanings={**MEANINGS, "app_id": "the app's Branch key (config)", "installs": "eo_install total_count: first installs Branch counted"})),
        query("reinstalls_daily", "eo_reinstall", "Re-installs per day, ad partner, campaign, channel and OS.",
              Maps("app_installs_daily", date="day", app_id="app_key", app_os="os", media_source="ad_partner",
                   campaign="campaign", reinstalls="total_count",
                   meanings={**MEANINGS, "app_id": "the app's Branch key (config)", "reinstalls": "eo_reinstall total_count: installs by users Branch had seen before"})),
    ]


connector = declare(
    "branch", title="Branch", api=API, config=BranchConfig, streams=streams, api_version="v1",
    docs_url="https://help.branch.io/developers-hub/reference/query-api", category="attribution",
    description="Branch Query API: installs and re-installs per day, ad partner, campaign, channel and OS.",
)
source = source_function(connector)

__all__ = ["connector", "source", "BranchConfig"]
