"""Auth strategies as `httpx.Auth` objects, each registering its secrets for redaction.

Vendors differ only in where the credential goes: a bearer header, a named header
(TikTok's ``Access-Token``, Shopify's ``X-Shopify-Access-Token``), a query parameter,
HTTP basic, or an OAuth2 access token minted from a long-lived refresh token.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Generator, Mapping

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

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


class JsonBodyAuth(httpx.Auth):
    """Put the credential's fields into every JSON request body (Branch's ``branch_key`` and
    ``branch_secret``); a request without a JSON body gets a JSON object of them alone."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = {name: _plain(value) for name, value in values.items()}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        import orjson

        raw = request.read()
        body = orjson.loads(raw) if raw else {}
        if not isinstance(body, dict):
            raise AuthError("the credential goes into a JSON object body; this request's body is not one")
        content = orjson.dumps({**body, **self._values})
        request.headers["Content-Type"] = "application/json"
        request.headers["Content-Length"] = str(len(content))
        request._content = content
        request.stream = httpx.ByteStream(content)
        yield request


class FormFieldAuth(httpx.Auth):
    """Send the credential as a field of a form body (Matomo's ``token_auth``): never in the URL,
    where web servers' access logs and proxies keep it. A POST without a body gets a form of
    this field alone; one with a form keeps its fields."""

    def __init__(self, key: str | SecretStr, field: str) -> None:
        self._value = _plain(key)
        self.field = field

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        from urllib.parse import parse_qsl

        if request.method != "POST":
            raise AuthError(f"the credential goes in a POST form ({self.field}): a {request.method} request cannot carry it")
        kind = request.headers.get("content-type", "")
        body = request.read()
        if body and not kind.startswith("application/x-www-form-urlencoded"):
            raise AuthError(f"the credential goes in a form field ({self.field}), not in a {kind or 'raw'} body")
        form = [(k, v) for k, v in parse_qsl(body.decode()) if k != self.field] + [(self.field, self._value)]
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("content-length", "content-type")}
        yield httpx.Request(request.method, request.url, headers=headers, data=dict(form), extensions=request.extensions)


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
    #: Headers the token endpoint wants besides the grant (Reddit refuses default User-Agents).
    headers: Mapping[str, str] = {}
    #: Where each API request carries the access token: ``Authorization: Bearer <token>`` unless
    #: the vendor names its own header (Walmart's ``WM_SEC.ACCESS_TOKEN``, Amazon SP-API's
    #: ``x-amz-access-token``, both without a prefix).
    token_header: str = "Authorization"
    token_prefix: str = "Bearer "
    #: How the grant is sent: a form (RFC 6749) or a JSON object (Piwik PRO's ``/auth/token``).
    token_body: str = "form"

    def __init__(self, token_url: str, *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None) -> None:
        self.token_url = token_url
        self._timeout = timeout
        self._transport = transport
        self._lock = threading.Lock()
        self._access_token: str | None = None
        self._expires_at = 0.0

    def grant_form(self) -> dict[str, str]:
        raise NotImplementedError

    def token_request_auth(self) -> httpx.Auth | None:
        """How the client authenticates at the token endpoint besides the form (HTTP basic)."""
        return None

    def _refresh(self) -> str:
        form = self.grant_form()
        from .http import tls_context

        with httpx.Client(timeout=self._timeout, transport=self._transport, verify=tls_context()) as client:
            try:
                body = {"json": form} if self.token_body == "json" else {"data": form}
                response = client.post(self.token_url, **body, auth=self.token_request_auth(), headers=dict(self.headers))
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
        request.headers[self.token_header] = self.token_prefix + self.access_token()
        response = yield request
        if response.status_code == 401:
            request.headers[self.token_header] = self.token_prefix + self.access_token(force=True)
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

    #: ``body``: client id and secret in the form (Google); ``basic``: as HTTP basic auth (RFC 6749 2.3.1).
    client_auth = "body"

    def token_request_auth(self) -> httpx.Auth | None:
        return httpx.BasicAuth(self.client_id, self._client_secret) if self.client_auth == "basic" else None

    def grant_form(self) -> dict[str, str]:
        form = {"grant_type": "refresh_token"}
        if self.client_auth == "body":
            form.update(client_id=self.client_id, client_secret=self._client_secret)
        form["refresh_token"] = self._refresh_token
        if self.scope:
            form["scope"] = self.scope
        return form


class OAuth2ClientCredentials(TokenExchangeAuth):
    """The client-credentials grant (RFC 6749 section 4.4): the app itself, no user token."""

    grant_name = "client-credentials exchange"

    def __init__(self, token_url: str, client_id: str, client_secret: str | SecretStr, *, scope: str | None = None,
                 client_auth: str = "body", timeout: float = 30.0, transport: httpx.BaseTransport | None = None,
                 token_body: str = "form") -> None:
        super().__init__(token_url, timeout=timeout, transport=transport)
        self.token_body = token_body
        self.client_id = client_id
        self._client_secret = _plain(client_secret)
        self.scope = scope
        self.client_auth = client_auth

    def grant_form(self) -> dict[str, str]:
        form = {"grant_type": "client_credentials"}
        if self.client_auth == "body":
            form.update(client_id=self.client_id, client_secret=self._client_secret)
        if self.scope:
            form["scope"] = self.scope
        return form

    def token_request_auth(self) -> httpx.Auth | None:
        return httpx.BasicAuth(self.client_id, self._client_secret) if self.client_auth == "basic" else None


class ServiceAccountJwt(TokenExchangeAuth):
    """A service account's key signs a JWT (RS256) exchanged for bearer tokens (RFC 7523).

    Google's server-to-server flow and others like it: claims ``iss`` (the account's
    e-mail), ``scope``, ``aud`` (the token endpoint), ``iat`` and ``exp`` (one hour); the
    assertion is posted as ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer``.
    Signing needs PyJWT with cryptography, imported only when a key is used.
    """

    grant_name = "service-account token exchange"
    GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    LIFETIME = 3600

    def __init__(self, token_url: str, *, email: str, private_key: str | SecretStr, key_id: str | None, scope: str,
                 extra: str = "ga4", timeout: float = 30.0, transport: httpx.BaseTransport | None = None,
                 clock: "Callable[[], float]" = time.time) -> None:
        super().__init__(token_url, timeout=timeout, transport=transport)
        self.email, self.key_id, self.scope, self.extra = email, key_id, scope, extra
        self._key = _plain(private_key)
        self._clock = clock

    def assertion(self) -> str:
        try:
            import jwt  # PyJWT
        except ImportError:  # pragma: no cover - only without the extra installed
            from .errors import ConfigError

            raise ConfigError(f"service-account auth needs PyJWT with cryptography: pip install 'bosco-connectors[{self.extra}]'") from None
        issued = int(self._clock())
        claims = {"iss": self.email, "scope": self.scope, "aud": self.token_url, "iat": issued, "exp": issued + self.LIFETIME}
        try:
            return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.key_id} if self.key_id else None)
        except Exception as exc:  # noqa: BLE001 - never echo the key; name the kind of failure only
            raise AuthError(f"could not sign the service-account JWT with the key's private_key ({type(exc).__name__})") from None

    def grant_form(self) -> dict[str, str]:
        return {"grant_type": self.GRANT, "assertion": self.assertion()}


class SignedSecretClientCredentials(OAuth2ClientCredentials):
    """Client credentials whose client secret is a JWT the client signs with its private key, made
    fresh for each token exchange (Apple Ads: ES256, ``iss`` the team id, ``sub`` the client id,
    ``aud`` the token service, ``kid`` the key id). Each signed secret is redacted like any secret.
    """

    grant_name = "signed client-secret exchange"

    def __init__(self, token_url: str, client_id: str, *, issuer: str, key_id: str, private_key: str | SecretStr,
                 audience: str, algorithm: str = "ES256", lifetime: float = 3600, scope: str | None = None,
                 extra: str = "", timeout: float = 30.0, transport: httpx.BaseTransport | None = None,
                 clock: "Callable[[], float]" = time.time) -> None:
        super().__init__(token_url, client_id, "", scope=scope, timeout=timeout, transport=transport)
        self.issuer, self.key_id, self.audience, self.algorithm, self.lifetime = issuer, key_id, audience, algorithm, lifetime
        self.extra = extra
        self._key = _plain(private_key)
        self._clock = clock

    def client_secret(self) -> str:
        try:
            import jwt  # PyJWT, with cryptography for EC keys
        except ImportError:  # pragma: no cover - only without the extra installed
            from .errors import ConfigError

            raise ConfigError(f"signing the client secret needs PyJWT with cryptography: pip install 'bosco-connectors[{self.extra}]'") from None

        if problem := key_problem(self._key, self.algorithm):
            raise AuthError(f"{self.grant_name} failed: the private key {problem}")
        issued = int(self._clock())
        claims = {"iss": self.issuer, "sub": self.client_id, "aud": self.audience, "iat": issued, "exp": issued + int(self.lifetime)}
        try:
            secret = jwt.encode(claims, self._key, algorithm=self.algorithm, headers={"kid": self.key_id})
        except Exception as exc:  # noqa: BLE001 - never echo the key; name the kind of failure only
            raise AuthError(f"{self.grant_name} failed: could not sign the client secret with the private key "
                            f"({type(exc).__name__})") from None
        register_secret(secret)
        return secret

    def grant_form(self) -> dict[str, str]:
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret()}
        if self.scope:
            form["scope"] = self.scope
        return form

    def token_request_auth(self) -> httpx.Auth | None:
        return None


class SignedRequests(httpx.Auth):
    """For APIs that sign each request (an HMAC of the method, path and time): the source's
    `sign(request)` sets whatever headers or parameters its vendor documents."""

    def __init__(self, sign: "Callable[[httpx.Request], None]") -> None:
        self.sign = sign

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request


# -- declarations: which config fields hold the credential, and how it is sent ---------------


class Credential:
    """How a source authenticates, named by config fields; `build` makes the `httpx.Auth`."""

    #: Config fields this credential reads (all must be set for it to apply).
    fields: tuple[str, ...] = ()

    def applies(self, config: object) -> bool:
        return all(getattr(config, name, None) not in (None, "") for name in self.fields)

    def problem(self, config: object) -> str | None:
        """Why `config` cannot use this credential (a field missing, a malformed key), or None.
        For the config model's validation: a bad credential fails before any request."""
        missing = [name for name in self.fields if getattr(config, name, None) in (None, "")]
        return f"missing {', '.join(missing)}" if missing else None

    def build(self, config: object) -> httpx.Auth:
        raise NotImplementedError

    def sandbox_values(self) -> dict[str, str]:
        """Values of a shape this credential checks (a PEM private key), for fake APIs' configs:
        ``{config field: value}``; other secret fields get any text."""
        return {}


def _value(config: object, name: str) -> str:
    value = getattr(config, name)
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


class ApiKey(Credential):
    """A key in a header (``Access-Token: <key>``, ``Authorization: Bearer <key>``), a query
    parameter, or a field of a POST form (``form="token_auth"``: Matomo)."""

    def __init__(self, field: str, *, header: str | None = None, query: str | None = None, form: str | None = None,
                 prefix: str = "") -> None:
        if sum(place is not None for place in (header, query, form)) != 1:
            raise ValueError("ApiKey goes in one of a header, a query parameter or a form field")
        self.fields = (field,)
        self.header, self.query, self.form, self.prefix = header, query, form, prefix

    def build(self, config: object) -> httpx.Auth:
        key = _value(config, self.fields[0])
        if self.form:
            return FormFieldAuth(key, self.form)
        return QueryParamAuth(key, self.query) if self.query else HeaderAuth(key, self.header or "Authorization", self.prefix)


class JsonBodyKeys(Credential):
    """Config fields sent as fields of every JSON request body, under their own names
    (Branch's Query API: ``{"branch_key": ..., "branch_secret": ..., <the query>}``)."""

    def __init__(self, *fields: str) -> None:
        if not fields:
            raise ValueError("JsonBodyKeys names at least one config field")
        self.fields = fields

    def build(self, config: object) -> httpx.Auth:
        return JsonBodyAuth({name: _value(config, name) for name in self.fields})


class Bearer(ApiKey):
    def __init__(self, field: str = "access_token") -> None:
        super().__init__(field, header="Authorization", prefix="Bearer ")


class Basic(Credential):
    """HTTP basic auth from two config fields, or with a fixed user name where the vendor
    ignores it and takes the key as the password (Mailchimp: ``Basic(password="api_key",
    username="anystring", fixed_username=True)``), or with the key as the user name and an
    empty password (Chargebee: ``Basic("api_key", None)``)."""

    def __init__(self, username: str, password: str | None, *, fixed_username: bool = False) -> None:
        if password is None and fixed_username:
            raise ValueError("Basic: a fixed user name needs a password field")
        self.fixed_username = username if fixed_username else None
        self.empty_password = password is None
        self.fields = (password,) if fixed_username else (username,) if password is None else (username, password)

    @property
    def parts(self) -> tuple[str | None, str | None]:
        """The config fields of the user name and the password; None where the part is fixed
        (the user name given, or the empty password)."""
        if self.fixed_username is not None:
            return None, self.fields[0]
        return self.fields[0], None if self.empty_password else self.fields[1]

    @property
    def password_field(self) -> str | None:
        return self.parts[1]

    def build(self, config: object) -> httpx.Auth:
        user_field, password_field = self.parts
        user = self.fixed_username if user_field is None else _value(config, user_field)
        return basic(user, "" if password_field is None else _value(config, password_field))


class RefreshToken(Credential):
    """OAuth2 refresh token; the client's id and secret in the form (``body``) or as ``basic`` auth.

    ``token_headers``: headers the token request carries, or a function of config that
    gives them (Reddit wants the app's own User-Agent there as on every API call).
    ``header``/``prefix``: where requests carry the access token (``Authorization: Bearer``
    unless the vendor names its own header: Amazon SP-API's ``x-amz-access-token``)."""

    def __init__(self, token_url: str, *, client_id: str = "client_id", client_secret: str = "client_secret",
                 refresh_token: str = "refresh_token", scope: str | None = None, client_auth: str = "body",
                 token_url_field: str | None = "token_url",
                 token_headers: Mapping[str, str] | Callable[[Any], Mapping[str, str]] | None = None,
                 header: str = "Authorization", prefix: str = "Bearer ") -> None:
        self.fields = (client_id, client_secret, refresh_token)
        self.token_url, self.scope, self.client_auth, self.token_url_field = token_url, scope, client_auth, token_url_field
        self.token_headers, self.header, self.prefix = token_headers, header, prefix

    def build(self, config: object) -> httpx.Auth:
        url = (getattr(config, self.token_url_field, None) if self.token_url_field else None) or self.token_url
        cid, secret, token = (_value(config, f) for f in self.fields)
        flow = OAuth2RefreshToken(url, cid, secret, token, scope=self.scope)
        if self.client_auth == "basic":
            flow.client_auth = "basic"
        return _placed(flow, config, self.token_headers, self.header, self.prefix)


def _placed(flow: TokenExchangeAuth, config: object, token_headers: Any, header: str, prefix: str) -> TokenExchangeAuth:
    """`flow` with the token endpoint's extra headers (a mapping, or a function of config) and
    the request header that carries the access token."""
    if token_headers is not None:
        flow.headers = dict(token_headers(config) if callable(token_headers) else token_headers)
    flow.token_header, flow.token_prefix = header, prefix
    return flow


class ClientCredentials(Credential):
    """OAuth2 client credentials (the app itself); the token endpoint may be overridden by the
    config's ``token_url_field`` (a sandbox, a test server); ``token_headers``, ``header`` and
    ``prefix`` as for `RefreshToken` (Walmart: the token in ``WM_SEC.ACCESS_TOKEN``, no prefix)."""

    def __init__(self, token_url: str, *, client_id: str = "client_id", client_secret: str = "client_secret",
                 scope: str | None = None, client_auth: str = "body", token_url_field: str | None = "token_url",
                 token_headers: Mapping[str, str] | Callable[[Any], Mapping[str, str]] | None = None,
                 header: str = "Authorization", prefix: str = "Bearer ", token_body: str = "form") -> None:
        self.fields = (client_id, client_secret)
        self.token_url, self.scope, self.client_auth, self.token_url_field = token_url, scope, client_auth, token_url_field
        self.token_headers, self.header, self.prefix = token_headers, header, prefix
        #: ``json``: the grant as a JSON object, not a form (Piwik PRO).
        self.token_body = token_body

    def build(self, config: object) -> httpx.Auth:
        url = (getattr(config, self.token_url_field, None) if self.token_url_field else None) or self.token_url
        flow = OAuth2ClientCredentials(url, _value(config, self.fields[0]), _value(config, self.fields[1]),
                                       scope=self.scope, client_auth=self.client_auth, token_body=self.token_body)
        return _placed(flow, config, self.token_headers, self.header, self.prefix)


class SignedClientSecret(ClientCredentials):
    """OAuth2 client credentials whose secret the client signs itself: a JWT made from config fields
    (the client id, the issuer, the key id and a PEM private key) for each exchange
    (`SignedSecretClientCredentials`). Apple Ads: ES256 with a P-256 key, ``aud`` https://appleid.apple.com.
    Validate the key in the config model (`problem`) so that a bad key fails before any request.
    """

    def __init__(self, token_url: str, *, audience: str, extra: str, client_id: str = "client_id", issuer: str = "team_id",
                 key_id: str = "key_id", private_key: str = "private_key", algorithm: str = "ES256",
                 lifetime: float = 3600, scope: str | None = None, token_url_field: str | None = "token_url") -> None:
        super().__init__(token_url, client_id=client_id, scope=scope, token_url_field=token_url_field)
        self.fields = (client_id, issuer, key_id, private_key)
        self.audience, self.algorithm, self.lifetime, self.extra = audience, algorithm, lifetime, extra

    def problem(self, config: object) -> str | None:
        """Missing fields, or a private key that cannot sign (for a config model that wants it checked early;
        otherwise the token exchange, the first request, fails with the same words as an auth error)."""
        if missing := super().problem(config):
            return missing
        problem = key_problem(_value(config, self.fields[3]), self.algorithm)
        return f"{self.fields[3]} {problem}" if problem else None

    def build(self, config: object) -> httpx.Auth:
        url = (getattr(config, self.token_url_field, None) if self.token_url_field else None) or self.token_url
        client_id, issuer, key_id, private_key = (_value(config, f) for f in self.fields)
        return SignedSecretClientCredentials(url, client_id, issuer=issuer, key_id=key_id, private_key=private_key.strip(),
                                             audience=self.audience, algorithm=self.algorithm, lifetime=self.lifetime,
                                             scope=self.scope, extra=self.extra)

    def sandbox_values(self) -> dict[str, str]:
        return {self.fields[3]: throwaway_private_key(self.algorithm)}


class SignedJwtAuth(httpx.Auth):
    """``Authorization: Bearer <a JWT this client signs>``, made again shortly before it expires
    (App Store Connect: ES256, ``iss`` the issuer id, ``kid`` the key id, ``aud`` appstoreconnect-v1,
    at most 20 minutes). Each token is redacted like any secret; a key that cannot sign fails as an
    auth error, never echoing the key."""

    def __init__(self, *, issuer: str, key_id: str, private_key: str | SecretStr, audience: str, algorithm: str = "ES256",
                 lifetime: float = 1200, extra: str = "", clock: "Callable[[], float]" = time.time) -> None:
        self.issuer, self.key_id, self.audience, self.algorithm = issuer, key_id, audience, algorithm
        self.lifetime, self.extra, self._clock = lifetime, extra, clock
        self._key = _plain(private_key).strip()
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            now = self._clock()
            if self._token is None or now >= self._expires - 60:
                self._token, self._expires = self._sign(int(now)), now + self.lifetime
            return self._token

    def _sign(self, issued: int) -> str:
        try:
            import jwt  # PyJWT, with cryptography for EC keys
        except ImportError:  # pragma: no cover - only without the extra installed
            from .errors import ConfigError

            raise ConfigError(f"signing JWTs needs PyJWT with cryptography: pip install 'bosco-connectors[{self.extra}]'") from None
        if problem := key_problem(self._key, self.algorithm):
            raise AuthError(f"signing the request token failed: the private key {problem}")
        claims = {"iss": self.issuer, "aud": self.audience, "iat": issued, "exp": issued + int(self.lifetime)}
        try:
            token = jwt.encode(claims, self._key, algorithm=self.algorithm, headers={"kid": self.key_id, "typ": "JWT"})
        except Exception as exc:  # noqa: BLE001 - never echo the key; name the kind of failure only
            raise AuthError(f"could not sign the request token with the private key ({type(exc).__name__})") from None
        register_secret(token)
        return token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request


class SignedJwt(Credential):
    """A JWT the client signs itself and sends as a bearer token on every request, no token
    exchange (`SignedJwtAuth`): App Store Connect's API keys (issuer id, key id, a P-256 private key)."""

    def __init__(self, *, audience: str, extra: str, issuer: str = "issuer_id", key_id: str = "key_id",
                 private_key: str = "private_key", algorithm: str = "ES256", lifetime: float = 1200) -> None:
        self.fields = (issuer, key_id, private_key)
        self.audience, self.algorithm, self.lifetime, self.extra = audience, algorithm, lifetime, extra

    def problem(self, config: object) -> str | None:
        if missing := super().problem(config):
            return missing
        problem = key_problem(_value(config, self.fields[2]), self.algorithm)
        return f"{self.fields[2]} {problem}" if problem else None

    def build(self, config: object) -> httpx.Auth:
        issuer, key_id, private_key = (_value(config, f) for f in self.fields)
        return SignedJwtAuth(issuer=issuer, key_id=key_id, private_key=private_key, audience=self.audience,
                             algorithm=self.algorithm, lifetime=self.lifetime, extra=self.extra)

    def sandbox_values(self) -> dict[str, str]:
        return {self.fields[2]: throwaway_private_key(self.algorithm)}


def key_problem(pem: str, algorithm: str) -> str | None:
    """Why `pem` cannot sign `algorithm` JWTs (not a PEM private key, the wrong kind of key), or None;
    never echoes the key."""
    try:
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
    except ImportError:  # pragma: no cover - cryptography comes with PyJWT[crypto]
        return None
    try:
        key = load_pem_private_key(pem.strip().encode(), password=None)
    except Exception:  # noqa: BLE001 - never echo the key
        return "is not a PEM private key (-----BEGIN EC PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----)"
    wanted, kind = (ec.EllipticCurvePrivateKey, "EC") if algorithm.startswith("ES") else (rsa.RSAPrivateKey, "RSA")
    if not isinstance(key, wanted):
        return f"is not an {kind} key, which {algorithm} signs with"
    return None


def throwaway_private_key(algorithm: str = "ES256") -> str:
    """A new PEM private key for `algorithm`, made on the spot: for fakes and replays, so no key is stored."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key = ec.generate_private_key(ec.SECP256R1()) if algorithm.startswith("ES") else rsa.generate_private_key(65537, 2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


class ServiceAccountKey(BaseModel):
    """The fields of a service account's JSON key file (Google's format) that the JWT-bearer grant uses."""

    model_config = ConfigDict(extra="ignore")

    type: str
    client_email: str
    private_key: SecretStr
    private_key_id: str | None = None
    token_uri: str | None = None

    @classmethod
    def parse(cls, raw: str | SecretStr) -> "ServiceAccountKey":
        """A key from its JSON text or the path of its file; the `ValueError` never echoes its content."""
        import json
        from pathlib import Path

        text = (raw.get_secret_value() if isinstance(raw, SecretStr) else raw).strip()
        if not text.startswith("{"):
            path = Path(text).expanduser()
            if not path.is_file():
                raise ValueError("is neither the JSON key itself nor the path of a readable key file")
            text = path.read_text()
        try:
            data = json.loads(text)
        except ValueError:
            raise ValueError("is not valid JSON (expected the service account's key file)") from None
        if not isinstance(data, dict):
            raise ValueError("is not a JSON object (expected the service account's key file)")
        if missing := [k for k in ("type", "client_email", "private_key") if not data.get(k)]:
            raise ValueError(f"lacks {', '.join(missing)} (expected a service account key file)")
        if data["type"] != "service_account":
            raise ValueError(f"has type '{data['type']}', expected 'service_account'")
        if "PRIVATE KEY-----" not in str(data["private_key"]):
            raise ValueError("has a private_key that is not a PEM private key")
        return cls.model_validate(data)


class ServiceAccount(Credential):
    """A service account's JSON key (its text, or the path of its file) -> `ServiceAccountJwt`.

    The token endpoint: the config's ``token_url_field`` if set, else the key's ``token_uri``,
    else `token_url`. Validate the key in the config model (`ServiceAccountKey.parse`) so that
    a bad key fails before any request.
    """

    def __init__(self, token_url: str, *, key: str = "service_account_key", scope: str, extra: str,
                 token_url_field: str | None = "token_url") -> None:
        self.fields = (key,)
        self.token_url, self.scope, self.extra, self.token_url_field = token_url, scope, extra, token_url_field

    def problem(self, config: object) -> str | None:
        if missing := super().problem(config):
            return missing
        try:
            ServiceAccountKey.parse(_value(config, self.fields[0]))
        except ValueError as exc:
            return f"{self.fields[0]} {exc}"
        return None

    def build(self, config: object) -> httpx.Auth:
        key = ServiceAccountKey.parse(_value(config, self.fields[0]))
        url = (getattr(config, self.token_url_field, None) if self.token_url_field else None) or key.token_uri or self.token_url
        return ServiceAccountJwt(url, email=key.client_email, private_key=key.private_key, key_id=key.private_key_id,
                                 scope=self.scope, extra=self.extra)


class Signed(Credential):
    def __init__(self, sign: "Callable[[object, httpx.Request], None]", fields: tuple[str, ...]) -> None:
        self.fields, self.sign = fields, sign

    def build(self, config: object) -> httpx.Auth:
        return SignedRequests(lambda request: self.sign(config, request))


class AllOf(Credential):
    """Several credentials on every request (AdRoll: a personal access token in ``Authorization``
    and the application's key in the ``apikey`` query parameter). Each part sets the request once:
    keys and fixed tokens, not grants that answer a 401 with a refresh."""

    def __init__(self, *parts: Credential) -> None:
        self.parts = parts
        self.fields = tuple(name for part in parts for name in part.fields)

    def problem(self, config: object) -> str | None:
        return next((p for p in (part.problem(config) for part in self.parts) if p), None)

    def build(self, config: object) -> httpx.Auth:
        return _AllAuths([part.build(config) for part in self.parts])

    def sandbox_values(self) -> dict[str, str]:
        return {k: v for part in self.parts for k, v in part.sandbox_values().items()}


class _AllAuths(httpx.Auth):
    def __init__(self, auths: list[httpx.Auth]) -> None:
        self.auths = auths

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        for auth in self.auths:
            request = next(auth.sync_auth_flow(request))
        yield request


class OneOf(Credential):
    """The first credential whose fields are all set (GA4: a service account, or a user's refresh token)."""

    def __init__(self, *choices: Credential) -> None:
        self.choices = choices
        self.fields = ()

    def applies(self, config: object) -> bool:
        return any(c.applies(config) for c in self.choices)

    def problem(self, config: object) -> str | None:
        """Exactly one choice must be given, and given whole."""
        given = [c for c in self.choices if any(getattr(config, name, None) not in (None, "") for name in c.fields)]
        names = " or ".join("/".join(c.fields) for c in self.choices)
        if len(given) != 1:
            return f"give one credential: {names}, not several" if given else f"no credential: give {names}"
        return given[0].problem(config)

    def build(self, config: object) -> httpx.Auth:
        for choice in self.choices:
            if choice.applies(config):
                return choice.build(config)
        from .errors import ConfigError

        names = " or ".join("+".join(c.fields) for c in self.choices)
        raise ConfigError(f"no credential configured: set {names}")
