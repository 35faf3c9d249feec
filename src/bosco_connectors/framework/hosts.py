"""One source, several API hosts: a client that sends each path prefix to its own host.

Some vendors split one product across services on different hosts (Display & Video 360's
entities at ``displayvideo.googleapis.com``, its reports at ``doubleclickbidmanager.googleapis.com``).
A declared source has one `ApiClient`, bound to one origin; `ServiceHosts` hands a request
whose path starts with a declared prefix (``v2/queries``) to a sibling client of that
prefix's host. The siblings share the credential (one token cache), the headers, the rate
limiter and the request counts, and each still refuses to send credentials to any other
origin. A configured ``base_url`` (a sandbox, the fake API in tests) takes every prefix:
``Api(client_class=ServiceHosts, client_options=hosts_unless_base_url({...}))``.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from .http import ApiClient


class ServiceHosts(ApiClient):
    """An `ApiClient` that routes each declared path prefix to its own host (see the module docstring)."""

    def __init__(self, source: str, base_url: str, *, services: Mapping[str, str] | None = None, **options: Any) -> None:
        super().__init__(source, base_url, **options)
        self._services: dict[str, ApiClient] = {}
        for prefix, host in (services or {}).items():
            if host.rstrip("/") == self.base_url.rstrip("/"):
                continue
            sibling = ApiClient(source, host, **options)
            sibling.limiter, sibling.stats = self.limiter, self.stats  # one budget, one count
            self._services[prefix] = sibling

    def _for(self, url: str) -> ApiClient | None:
        return next((client for prefix, client in self._services.items() if url.startswith(prefix)), None)

    def request_json(self, method: str, url: str, **kwargs: Any) -> Any:
        sibling = self._for(url)
        return sibling.request_json(method, url, **kwargs) if sibling is not None else super().request_json(method, url, **kwargs)

    def download_file(self, url: str, **kwargs: Any) -> Any:
        sibling = self._for(url)
        return sibling.download_file(url, **kwargs) if sibling is not None else super().download_file(url, **kwargs)

    def close(self) -> None:
        for client in self._services.values():
            client.close()
        super().close()


def hosts_unless_base_url(services: Mapping[str, str]) -> Callable[[Any], dict[str, Any]]:
    """The `Api.client_options` of a `ServiceHosts` source: every production host, unless the
    config points the source at one base URL (a sandbox, the fake API)."""
    return lambda config: {"services": {} if getattr(config, "base_url", None) else dict(services)}


__all__ = ["ServiceHosts", "hosts_unless_base_url"]
