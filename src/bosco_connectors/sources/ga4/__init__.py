"""Google Analytics 4: the Google Analytics Data API v1beta, as a dlt source.

Reference: https://developers.google.com/analytics/devguides/reporting/data/v1/rest
(API version v1beta, ``POST https://analyticsdata.googleapis.com/v1beta/properties/{property_id}:runReport``,
OAuth 2.0 bearer tokens with the ``analytics.readonly`` scope).

Loads, for one GA4 property, daily reports from runReport:

- ``traffic_daily`` -> ``ga4_traffic_daily``: sessions, users, new users, engaged sessions,
  key events, total and purchase revenue by date x session source / medium / campaign name
  (the campaign names are the utm_campaign values that join to the ad platforms);
- ``landing_pages_daily`` -> ``ga4_landing_pages_daily``: the same metrics by date x landing page;
- one stream per user-defined report in config ``reports`` (``{name, dimensions, metrics}``).

Incremental on ``date`` with a 3-day look-back, windows of ``window_days``, offset/limit
paging, quota-aware pacing. Auth: an OAuth refresh token or a service-account key (JWT
bearer grant; needs the ``ga4`` extra). See `streams`, `client` and `auth`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Optional

import dlt

from ...framework import Connector
from .client import make_client
from .config import Ga4Config
from .streams import build_streams, streams_for

connector = Connector(
    name="ga4",
    title="Google Analytics 4",
    api_version="v1beta",
    docs_url="https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport",
    category="analytics",
    config_model=Ga4Config,
    client_factory=make_client,
    streams=build_streams(),
    streams_for=streams_for,
    sandbox="bosco_connectors.sandbox.ga4:Ga4App",
    #: Google's error model (https://cloud.google.com/apis/design/errors), as runReport sends it.
    error_example={
        "error": {
            "code": 403,
            "message": "User does not have sufficient permissions for this property. To learn more about Property ID, "
                       "see https://developers.google.com/analytics/devguides/reporting/data/v1/property-id.",
            "status": "PERMISSION_DENIED",
        }
    },
    description="GA4 Data API runReport: daily traffic by source/medium/campaign, landing pages, and user-defined reports.",
    extras=("ga4",),
)


@dlt.source(name="ga4")
def source(
    property_id: str = dlt.config.value,
    client_id: Optional[str] = None,
    client_secret: Optional[str] = dlt.secrets.value,
    refresh_token: Optional[str] = dlt.secrets.value,
    service_account_key: Optional[str] = dlt.secrets.value,
    token_url: Optional[str] = None,
    reports: Any = None,
    page_size: Optional[int] = None,
    window_days: Optional[int] = None,
    start_date: Optional[date] = None,
    end_date: Optional[date] = None,
    lookback_days: Optional[int] = None,
    base_url: Optional[str] = None,
    max_workers: Optional[int] = None,
    tenant_id: str = "default",
    streams: Optional[list[str]] = None,
) -> Any:
    """GA4 report streams for one tenant; give either the refresh-token trio or a service-account key."""
    return connector.source_resources(locals())


__all__ = ["connector", "source", "Ga4Config"]
