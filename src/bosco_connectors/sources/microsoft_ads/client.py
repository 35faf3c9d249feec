"""One client for Microsoft Advertising's three REST hosts.

Each Bing Ads API v13 service has its own host (web service addresses, and the official
SDKs' ``ServiceClient.endpoints``): Customer Management at ``clientcenter.api``, Campaign
Management at ``campaign.api``, Reporting at ``reporting.api.bingads.microsoft.com``.
A source has one `ApiClient`, bound to one origin; this one hands a request whose path
starts with a service's prefix (``CampaignManagement/v13/...``) to a client of that
service's host. Every client shares the credential (one token cache), the headers, the
rate limiter and the counters, and each still refuses to send credentials to any other
origin. A configured ``base_url`` (a sandbox, the fake API in tests) takes every service.
"""

from __future__ import annotations

from typing import Any, Mapping

from ...framework.http import ApiClient

#: Path prefix -> production host (https://learn.microsoft.com/en-us/advertising/guides/web-service-addresses).
SERVICE_HOSTS = {
    "CustomerManagement/": "https://clientcenter.api.bingads.microsoft.com/",
    "CampaignManagement/": "https://campaign.api.bingads.microsoft.com/",
    "Reporting/": "https://reporting.api.bingads.microsoft.com/",
}


class MicrosoftAdsClient(ApiClient):
    """An `ApiClient` that routes each service's paths to that service's host."""

    def __init__(self, source: str, base_url: str, *, services: Mapping[str, str] | None = None, **options: Any) -> None:
        super().__init__(source, base_url, **options)
        self._services: dict[str, ApiClient] = {}
        for prefix, host in (services or {}).items():
            if host.rstrip("/") == self.base_url.rstrip("/"):
                continue
            sibling = ApiClient(source, host, **options)
            sibling.limiter, sibling.stats = self.limiter, self.stats  # one budget, one count
            self._services[prefix] = sibling

    def request_json(self, method: str, url: str, **kwargs: Any) -> Any:
        for prefix, client in self._services.items():
            if url.startswith(prefix):
                return client.request_json(method, url, **kwargs)
        return super().request_json(method, url, **kwargs)

    def close(self) -> None:
        for client in self._services.values():
            client.close()
        super().close()


def services_for(config: Any) -> dict[str, Any]:
    """The client's options: every production host, unless the config points at one base URL."""
    return {"services": {} if getattr(config, "base_url", None) else dict(SERVICE_HOSTS)}
