"""Auth strategies as `httpx.Auth` objects, each registering its secrets for redaction.

Vendors differ only in where the credential goes: a bearer header, a named header
(TikTok's ``Access-Token``, Shopify's ``X-Shopify-Access-Token``), a query parameter,
HTTP basic, or an OAuth2 access token minted from a long-lived refresh token.
"""

from __future__ import annotations

import threading
import time
from typing import Generator

import httpx
from pydantic import SecretStr

from .errors import AuthError, RetryableApiError
from .redaction import register_secret


def _plain(value: str | SecretStr) -> str:
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    register_secret(text)
    return text


class HeaderAuth(httpx.Auth):
    """Send the credential in a header: ``Authorization: Bearer <token>`` or a vendor header."""

    def __init__(self, token: str | SecretStr, header: str = "Authorization", prefix: str = "") -> None:
        self._value = f"{prefix}{_plain(token)}"
        self.header = header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.header] = self._value
        yield request


def bearer(token: str | SecretStr) -> HeaderAuth:
    return HeaderAuth(token, "Authorization", "Bearer ")


def api_key_header(key: str | SecretStr, header: str) -> HeaderAuth:
    return HeaderAuth(key, header)


class QueryParamAuth(httpx.Auth):
    """Send the credential as a query parameter (redaction masks it in logged URLs)."""

    def __init__(self, key: str | SecretStr, param: str) -> None:
        self._value = _plain(key)
        self.param = param

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.url = request.url.copy_merge_params({self.param: self._value})
        yield request


def basic(username: str, password: str | SecretStr) -> httpx.BasicAuth:
    return httpx.BasicAuth(username, _plain(password))


class TokenEndpointUnavailable(AuthError, RetryableApiError):
    """The token endpoint failed the way any server can (down, 429, 5xx, a cut-off body).

    Still an `AuthError` (no access token was obtained), but retryable: the API client
    that triggered the exchange retries the request, which exchanges the token again.
    """


class TokenExchangeAuth(httpx.Auth):
    """Bearer tokens minted at an OAuth2 token endpoint, cached until expiry, refreshed once on 401.

    Subclasses say only which grant they send (`grant_form`). The endpoint is called with
    its own plain client (no retries on 4xx): an invalid grant is a credential problem for
    the operator, raised as `AuthError`; transient failures raise
    `TokenEndpointUnavailable`, which the API client retries.
    """

    #: How failures are introduced in messages ("refresh-token exchange", ...).
    grant_name = "token exchange"

    def __init__(self, token_url: str, *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None) -> None:
        self.token_url = token_url
        self._timeout = timeout
        self._transport = transport
        self._lock = threading.Lock()
        self._access_token: str | None = None
        self._expires_at = 0.0

    def grant_form(self) -> dict[str, str]:
        raise NotImplementedError

    def _refresh(self) -> str:
        form = self.grant_form()
        with httpx.Client(timeout=self._timeout, transport=self._transport) as client:
            try:
                response = client.post(self.token_url, data=form)
            except httpx.HTTPError as exc:
                raise TokenEndpointUnavailable(f"token endpoint unreachable: {type(exc).__name__}") from None
        if response.is_redirect:
            # Not followed: the grant (client secret, refresh token) is for this URL only.
            target = response.headers.get("location", "?")
            raise AuthError(
                f"{self.grant_name}: refused a redirect (HTTP {response.status_code}) from the token endpoint "
                f"to {target.split('?')[0]}; check the token URL",
                status=response.status_code,
            )
        if response.status_code != 200:
            try:
                body = response.json()
                reason = body.get("error_description") or body.get("error") or response.reason_phrase
            except ValueError:
                reason = response.reason_phrase
            message = f"{self.grant_name} failed ({response.status_code}): {reason}"
            if response.status_code in (408, 429) or response.status_code >= 500:
                from .http import parse_retry_after

                wait = parse_retry_after(response.headers.get("Retry-After"))
                raise TokenEndpointUnavailable(message, status=response.status_code, retry_after=wait)
            raise AuthError(message, status=response.status_code)
        try:
            body = response.json()
        except ValueError:
            raise TokenEndpointUnavailable("token endpoint answered 200 with a body that is not JSON", status=200) from None
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:  # some vendors answer 200 with an error body
            reason = (body.get("error_description") or body.get("error")) if isinstance(body, dict) else None
            raise AuthError(f"token endpoint answered without an access_token: {reason or 'no reason given'}", status=200)
        register_secret(token)
        self._access_token = token
        self._expires_at = time.monotonic() + float(body.get("expires_in", 3600)) - 60
        return token

    def access_token(self, *, force: bool = False) -> str:
        with self._lock:
            if force or not self._access_token or time.monotonic() >= self._expires_at:
                return self._refresh()
            return self._access_token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.access_token()}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self.access_token(force=True)}"
            yield request


class OAuth2RefreshToken(TokenExchangeAuth):
    """The refresh-token grant (RFC 6749 section 6): a long-lived refresh token, short-lived access tokens."""

    grant_name = "refresh-token exchange"

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str | SecretStr,
        refresh_token: str | SecretStr,
        *,
        scope: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(token_url, timeout=timeout, transport=transport)
        self.client_id = client_id
        self._client_secret = _plain(client_secret)
        self._refresh_token = _plain(refresh_token)
        self.scope = scope

    def grant_form(self) -> dict[str, str]:
        form = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "refresh_token": self._refresh_token,
        }
        if self.scope:
            form["scope"] = self.scope
        return form
