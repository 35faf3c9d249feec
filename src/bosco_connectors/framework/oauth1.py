"""OAuth 1.0a request signing (RFC 5849, HMAC-SHA1): every request carries its own signature.

X's Ads API (and its v1.1 API) authenticates a user context this way: an ``Authorization:
OAuth ...`` header whose ``oauth_signature`` is the HMAC-SHA1, keyed by the consumer secret
and the token secret, of a base string made of the method, the URL without its query, and
every query, form-body and ``oauth_*`` parameter, percent-encoded (RFC 3986), sorted and
joined (https://docs.x.com/resources/fundamentals/authentication/oauth-1-0a/creating-a-signature).

- `OAuth1` is the credential a source declares (the names of its four config fields);
- `OAuth1Signer` signs an `httpx.Request` (a fresh nonce and timestamp per request);
- `verify` checks a signed request's header, for fake APIs that hold the same secrets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Callable, Iterable
from urllib.parse import parse_qsl, quote, unquote

import httpx
from pydantic import SecretStr

from .auth import Signed, SignedRequests, _plain, _value

SIGNATURE_METHOD = "HMAC-SHA1"
VERSION = "1.0"
_FORM = "application/x-www-form-urlencoded"


def percent_encode(value: str) -> str:
    """RFC 3986 encoding: everything but ``A-Z a-z 0-9 - . _ ~``, as UTF-8 bytes."""
    return quote(value, safe="-._~")


def base_url(url: httpx.URL | str) -> str:
    """The URL the signature covers: scheme and host in lower case, a non-default port kept, no query."""
    url = httpx.URL(url)
    port = f":{url.port}" if url.port is not None and (url.scheme, url.port) not in (("http", 80), ("https", 443)) else ""
    return f"{url.scheme.lower()}://{url.host.lower()}{port}{url.raw_path.split(b'?', 1)[0].decode()}"


def base_string(method: str, url: httpx.URL | str, params: Iterable[tuple[str, str]]) -> str:
    """``METHOD&<url>&<parameters>``: the parameters encoded, sorted by key then value, then encoded once more."""
    pairs = sorted((percent_encode(k), percent_encode(v)) for k, v in params)
    joined = "&".join(f"{k}={v}" for k, v in pairs)
    return "&".join((method.upper(), percent_encode(base_url(url)), percent_encode(joined)))


def signature(base: str, consumer_secret: str, token_secret: str) -> str:
    """Base64 of the HMAC-SHA1 of `base`, keyed ``<consumer secret>&<token secret>`` (both encoded)."""
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()


def request_params(request: httpx.Request) -> list[tuple[str, str]]:
    """The query and (for a form) body parameters of a request, decoded: what the signature covers."""
    params = list(request.url.params.multi_items())
    if request.headers.get("content-type", "").split(";")[0].strip() == _FORM:
        params += parse_qsl(request.content.decode(), keep_blank_values=True)
    return params


class OAuth1Signer:
    """Signs requests for one consumer (app) and one access token (user)."""

    def __init__(self, consumer_key: str | SecretStr, consumer_secret: str | SecretStr, token: str | SecretStr,
                 token_secret: str | SecretStr, *, clock: Callable[[], float] = time.time,
                 nonce: Callable[[], str] = lambda: secrets.token_hex(16)) -> None:
        # Every part is registered for redaction: none may reach a log line or an error.
        self._consumer_key, self._consumer_secret = _plain(consumer_key), _plain(consumer_secret)
        self._token, self._token_secret = _plain(token), _plain(token_secret)
        self._clock, self._nonce = clock, nonce

    def oauth_params(self) -> dict[str, str]:
        return {"oauth_consumer_key": self._consumer_key, "oauth_nonce": self._nonce(), "oauth_signature_method": SIGNATURE_METHOD,
                "oauth_timestamp": str(int(self._clock())), "oauth_token": self._token, "oauth_version": VERSION}

    def header(self, method: str, url: httpx.URL | str, params: Iterable[tuple[str, str]]) -> str:
        """The ``Authorization`` header value for a request with these parameters."""
        oauth = self.oauth_params()
        base = base_string(method, url, [*params, *oauth.items()])
        oauth["oauth_signature"] = signature(base, self._consumer_secret, self._token_secret)
        return "OAuth " + ", ".join(f'{percent_encode(k)}="{percent_encode(v)}"' for k, v in sorted(oauth.items()))

    def __call__(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = self.header(request.method, request.url, request_params(request))


def parse_header(value: str | None) -> dict[str, str]:
    """The ``oauth_*`` parameters of an ``Authorization: OAuth ...`` header, decoded ({} if it is not one)."""
    if not value or not value.startswith("OAuth "):
        return {}
    out = {}
    for part in value[len("OAuth "):].split(","):
        key, _, quoted = part.strip().partition("=")
        out[unquote(key)] = unquote(quoted.strip('"'))
    return out


def verify(method: str, url: str, params: Iterable[tuple[str, str]], authorization: str | None, *,
           consumer_key: str, consumer_secret: str, token: str, token_secret: str) -> bool:
    """True when `authorization` signs this request with these four secrets (for fake APIs)."""
    oauth = parse_header(authorization)
    if oauth.get("oauth_consumer_key") != consumer_key or oauth.get("oauth_token") != token \
            or oauth.get("oauth_signature_method") != SIGNATURE_METHOD:
        return False
    sent = oauth.pop("oauth_signature", "")
    expected = signature(base_string(method, url, [*params, *oauth.items()]), consumer_secret, token_secret)
    return hmac.compare_digest(sent, expected)


class OAuth1(Signed):
    """OAuth 1.0a user context, named by four config fields (consumer key and secret, access token and secret)."""

    def __init__(self, consumer_key: str = "consumer_key", consumer_secret: str = "consumer_secret",
                 token: str = "access_token", token_secret: str = "access_token_secret") -> None:
        super().__init__(lambda config, request: None, (consumer_key, consumer_secret, token, token_secret))

    def build(self, config: object) -> httpx.Auth:
        return SignedRequests(OAuth1Signer(*(_value(config, name) for name in self.fields)))


__all__ = ["OAuth1", "OAuth1Signer", "base_string", "base_url", "parse_header", "percent_encode", "request_params",
           "signature", "verify"]
