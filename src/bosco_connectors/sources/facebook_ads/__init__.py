"""Facebook Ads: the Meta Marketing API (Graph API v26.0) through the official SDK, as a dlt source.

Reference: https://developers.facebook.com/docs/marketing-api (version v26.0, released
2026-07-29; host ``https://graph.facebook.com``; token in the ``access_token`` parameter,
plus ``appsecret_proof`` when an app secret is configured). Calls go through the
``facebook-business`` SDK (``pip install bosco-connectors[facebook]``), imported only
when a sync runs.

Loads, per ad account: the account itself, campaigns, ad sets, ads and ad creatives,
and daily insights at account, campaign, ad set and ad level, each read as an
asynchronous insights job with a 28-day attribution look-back. See `streams` for the
spec, `insights` for the job flow, `client` for errors and rate limits, `usage` for
Meta's usage headers.
"""

from __future__ import annotations

from datetime import date

from ...framework import Connector
from ...framework.declare import source_function
from .client import API_VERSION, make_client
from .config import FacebookAdsConfig
from .streams import build_streams, streams_for

connector = Connector(
    name="facebook_ads",
    title="Facebook Ads (Meta)",
    api_version=API_VERSION,
    docs_url="https://developers.facebook.com/docs/marketing-api",
    # v26.0 came out on 2026-07-29; a Graph API version is available for at least two years.
    supported_until=date(2028, 7, 29),
    support_policy="https://developers.facebook.com/docs/graph-api/guides/versioning",
    category="ads",
    config_model=FacebookAdsConfig,
    client_factory=make_client,
    streams=build_streams(),
    streams_for=streams_for,
    sandbox="bosco_connectors.sandbox.facebook_ads:FacebookAdsApp",
    #: The Graph API's error response (https://developers.facebook.com/docs/graph-api/guides/error-handling).
    error_example={
        "error": {
            "message": "Error validating access token: The session has been invalidated because the user changed their password.",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 460,
            "fbtrace_id": "EJplcsCHuLu",
        }
    },
    description="Meta Marketing API: ad accounts, campaigns, ad sets, ads, creatives and daily insights (async jobs).",
    extras=("facebook",),
    required_extras=("facebook",),  # every request goes through facebook-business
)


#: The dlt source: one parameter per config field (Python, bosco.toml and dlt secrets take the same options).
source = source_function(connector)


__all__ = ["connector", "source", "FacebookAdsConfig"]
