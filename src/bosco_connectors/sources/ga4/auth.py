"""Service-account auth: a JWT signed with the key's RSA private key, exchanged for a token.

Google's server-to-server flow (https://developers.google.com/identity/protocols/oauth2/service-account)
is the JWT-bearer grant of RFC 7523: the client signs a JWT (RS256, header ``kid`` = the
key's ``private_key_id``) whose claims are ``iss`` (the service account's e-mail),
``scope``, ``aud`` (the token endpoint), ``iat`` and ``exp`` (at most one hour later), and
POSTs it as ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<jwt>`` to
the key's ``token_uri``. The answer is an ordinary ``{"access_token", "expires_in"}``.

Signing uses PyJWT with the ``cryptography`` backend (the ``ga4`` extra), imported only
when a service account is actually used, so listing sources never imports it. The token
request goes through a plain httpx client, like the framework's `OAuth2RefreshToken`:
an invalid grant is a credential problem, raised as `AuthError`, never retried.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import httpx

from ...framework import AuthError, ConfigError
from ...framework.auth import TokenExchangeAuth
from ...framework.redaction import register_secret
from .config import ANALYTICS_READONLY_SCOPE, ServiceAccountKey

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: Google accepts assertions valid for at most one hour.
ASSERTION_LIFETIME = 3600


def _jwt_module() -> Any:
    try:
        import jwt  # PyJWT
    except ImportError:  # pragma: no cover - exercised only without the extra installed
        raise ConfigError(
            "service-account auth needs PyJWT with cryptography: pip install 'bosco-connectors[ga4]'", source="ga4"
        ) from None
    return jwt


def sign_assertion(key: ServiceAccountKey, token_url: str, scope: str = ANALYTICS_READONLY_SCOPE, now: float | None = None) -> str:
    """The signed JWT of the grant; its claims name the service account, scope and token URL."""
    jwt = _jwt_module()
    issued = int(now if now is not None else time.time())
    claims = {"iss": key.client_email, "scope": scope, "aud": token_url, "iat": issued, "exp": issued + ASSERTION_LIFETIME}
    headers = {"kid": key.private_key_id} if key.private_key_id else None
    try:
        return jwt.encode(claims, key.private_key.get_secret_value(), algorithm="RS256", headers=headers)
    except Exception as exc:  # noqa: BLE001 - never echo the key; name the kind of failure only
        raise AuthError(f"could not sign the service-account JWT with the key's private_key ({type(exc).__name__})") from None


class ServiceAccountAuth(TokenExchangeAuth):
    """Bearer tokens for a service account, minted with the JWT-bearer grant (refresh, caching
    and the one retry on 401 come from the framework's `TokenExchangeAuth`)."""

    grant_name = "service-account token exchange"

    def __init__(
        self,
        key: ServiceAccountKey,
        *,
        token_url: str | None = None,
        scope: str = ANALYTICS_READONLY_SCOPE,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(token_url or key.token_uri, timeout=timeout, transport=transport)
        self.key = key
        self.scope = scope
        register_secret(key.private_key)
        self._clock = clock

    def grant_form(self) -> dict[str, str]:
        assertion = sign_assertion(self.key, self.token_url, self.scope, now=self._clock())
        return {"grant_type": JWT_BEARER_GRANT, "assertion": assertion}
