"""Google Ads: the Google Ads API v26 (GAQL over ``googleAds:searchStream``), as a dlt source.

Reference: https://developers.google.com/google-ads/api/docs/start (API version v26,
released 2026-10-14; REST base ``https://googleads.googleapis.com/v26/``). Queries are
written in the Google Ads Query Language and sent to
``POST /v26/customers/{customer_id}/googleAds:searchStream`` with ``{"query": ...}``.

Auth: OAuth 2.0 access tokens minted from a refresh token at
``https://oauth2.googleapis.com/token``, plus the ``developer-token`` header and, for
accounts reached through a manager (MCC), the ``login-customer-id`` header. Without
``customer_ids`` the manager is walked (``customer_client``) and every enabled
non-manager client is read.

Loads, per client customer: ``customers``, ``campaigns``, ``ad_groups``, ``ads``
(ad_group_ad), ``keywords`` (ad_group_criterion of type KEYWORD), and daily performance
``campaign_daily``, ``ad_group_daily``, ``ad_daily``, ``keyword_daily`` (keyword_view)
and ``search_terms`` (search_term_view): ``cost_micros`` raw and ``cost`` in currency
units, impressions, clicks, conversions, conversions_value and the customer's currency.
Reports are incremental on ``segments.date`` with a 14-day look-back, 90-day windows.

Transport: REST through httpx by default; ``transport = "grpc"`` uses the official
``google-ads`` SDK instead (extra ``google-ads``), imported only when chosen.
"""

from __future__ import annotations

from datetime import date

from ...framework import Connector
from ...framework.declare import source_function
from .client import API_VERSION, make_client
from .config import GoogleAdsConfig
from .streams import build_streams, streams_for

connector = Connector(
    name="google_ads",
    title="Google Ads",
    api_version=API_VERSION,
    docs_url="https://developers.google.com/google-ads/api/docs/start",
    # v26 came out in October 2026; major versions live "around 12 months" (tentative sunset).
    supported_until=date(2027, 10, 1),
    support_policy="https://developers.google.com/google-ads/api/docs/sunset-dates",
    category="ads",
    config_model=GoogleAdsConfig,
    client_factory=make_client,
    streams=build_streams(),
    streams_for=streams_for,
    sandbox="bosco_connectors.sandbox.google_ads:GoogleAdsApp",
    #: Google's error model with a GoogleAdsFailure detail
    #: (https://developers.google.com/google-ads/api/docs/get-started/handle-errors).
    error_example={  # documented as cassettes/google_ads/bodies/error.auth.json
        "error": {
            "code": 401,
            "message": "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie "
                       "or other valid authentication credential.",
            "status": "UNAUTHENTICATED",
            "details": [{
                "@type": "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
                "errors": [{"errorCode": {"authenticationError": "OAUTH_TOKEN_INVALID"}, "message": "OAuth token in the header is not valid."}],
                "requestId": "Pq8wE1rT5yU9iO3pA6sD0f",
            }],
        }
    },
    description="Google Ads API (GAQL searchStream): accounts, campaigns, ad groups, ads, keywords, "
    "daily performance and search terms, across manager accounts.",
    extras=("google-ads",),
)


#: The dlt source: one parameter per config field (Python, bosco.toml and dlt secrets take the same options).
source = source_function(connector)


__all__ = ["connector", "source", "GoogleAdsConfig"]
