"""TikTok Ads: the TikTok API for Business (Marketing API) v1.3, as a dlt source.

Reference: https://business-api.tiktok.com/portal/docs (API version v1.3, base
``https://business-api.tiktok.com/open_api/v1.3/``, header ``Access-Token``).

Loads, per advertiser: the ad account settings (/advertiser/info/), campaigns, ad groups
and ads (/campaign/get/, /adgroup/get/, /ad/get/), and daily BASIC reports at advertiser,
campaign, ad group and ad level (/report/integrated/get/), stepped in 30-day windows with
a 7-day look-back. See `streams` for the spec and `client` for errors and rate limits.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Optional

import dlt

from ...framework import Connector
from .client import make_client
from .config import TikTokAdsConfig
from .streams import build_streams, streams_for

connector = Connector(
    name="tiktok_ads",
    title="TikTok Ads",
    api_version="v1.3",
    docs_url="https://business-api.tiktok.com/portal/docs",
    category="ads",
    config_model=TikTokAdsConfig,
    client_factory=make_client,
    streams=build_streams(),
    streams_for=streams_for,
    sandbox="bosco_connectors.sandbox.tiktok:TikTokApp",
    #: A return-code error in TikTok's envelope (https://business-api.tiktok.com/portal/docs?id=1737172488964097):
    #: HTTP 200 with a non-zero ``code``.
    error_example={
        "code": 40001,
        "message": "No permission to operate advertiser 7012345678901234567.",
        "request_id": "2026112009300001024519904410C2E1A",
        "data": {},
    },
    description="TikTok Marketing API: ad accounts, campaigns, ad groups, ads and daily performance reports.",
)


@dlt.source(name="tiktok_ads")
def source(
    access_token: str = dlt.secrets.value,
    advertiser_ids: Any = dlt.config.value,
    start_date: Optional[date] = None,
    end_date: Optional[date] = None,
    lookback_days: Optional[int] = None,
    base_url: Optional[str] = None,
    page_size: Optional[int] = None,
    requests_per_second: Optional[float] = None,
    max_workers: Optional[int] = None,
    tenant_id: str = "default",
    streams: Optional[list[str]] = None,
) -> Any:
    """TikTok Ads streams for one tenant; config is validated before any request."""
    return connector.source_resources(locals())


__all__ = ["connector", "source", "TikTokAdsConfig"]
