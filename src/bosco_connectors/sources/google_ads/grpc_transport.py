"""gRPC transport: ``GoogleAdsService.SearchStream`` through the official ``google-ads`` SDK.

Chosen with ``transport = "grpc"``; the SDK (``pip install 'bosco-connectors[google-ads]'``)
is imported here only, and this module only when that transport is chosen, so the REST
default never loads it. Production uses the SDK's public entry point,
``GoogleAdsClient(...).get_service("GoogleAdsService", version=API_VERSION)``, with
``google.oauth2.credentials.Credentials`` minting access tokens from the refresh token at
``token_url``.

A loopback endpoint (``127.0.0.1:PORT``: a local emulator, the tests' in-process
server) cannot present Google's TLS certificate, and gRPC refuses to send an OAuth
token over a plain channel. For that case the same service stack (the SDK's transport
class, its metadata and exception interceptors, the same credentials) is built over
``grpc.local_channel_credentials``, which gRPC treats as secure on loopback. Nothing
else differs.

Each streamed ``SearchGoogleAdsStreamResponse`` is converted with
``json_format.MessageToDict``: the protobuf JSON mapping the REST API returns, so the
streams flatten both transports' rows with one piece of code and failures render
through the same `client.google_ads_error`.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from typing import Any, Callable, Iterator, Mapping

from ...framework import AuthError, ConfigError, RetryableApiError, RetryPolicy, SourceError
from ...framework.auth import TokenEndpointUnavailable
from ...framework.http import RequestStats
from ...framework.redaction import redact, register_secret
from .client import (
    ADWORDS_SCOPE,
    API_VERSION,
    SOURCE,
    CustomerDirectory,
    google_ads_error,
)
from .config import GoogleAdsConfig

log = logging.getLogger("bosco_connectors.google_ads")

DEFAULT_ENDPOINT = "googleads.googleapis.com"
#: The SDK's own channel options: large metadata (failures travel in trailers) and messages.
CHANNEL_OPTIONS = [("grpc.max_metadata_size", 16 * 1024 * 1024), ("grpc.max_receive_message_length", 64 * 1024 * 1024)]
#: HTTP status codes of the canonical gRPC codes (https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto).
HTTP_OF = {
    "CANCELLED": 499, "UNKNOWN": 500, "INVALID_ARGUMENT": 400, "DEADLINE_EXCEEDED": 504, "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409, "PERMISSION_DENIED": 403, "UNAUTHENTICATED": 401, "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400, "ABORTED": 409, "OUT_OF_RANGE": 400, "UNIMPLEMENTED": 501, "INTERNAL": 500,
    "UNAVAILABLE": 503, "DATA_LOSS": 500,
}


def require_sdk() -> None:
    """Fail with an install hint, before any request, when the optional SDK is missing."""
    try:
        import google.ads.googleads.client  # noqa: F401
    except ImportError:
        raise ConfigError(
            "transport 'grpc' needs the google-ads SDK: pip install 'bosco-connectors[google-ads]'", source=SOURCE
        ) from None


def is_loopback(endpoint: str) -> bool:
    host = endpoint.rsplit(":", 1)[0].strip("[]") if ":" in endpoint else endpoint
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _as_pb(message: Any) -> Any:
    """Raw protobuf message of a proto-plus wrapper (or the message itself)."""
    import proto

    return type(message).pb(message) if isinstance(message, proto.Message) else message


class GoogleAdsGrpcClient:
    """The gRPC twin of `client.GoogleAdsRestClient`: same ``search_stream`` and ``customers``."""

    def __init__(self, config: GoogleAdsConfig, *, retry: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        require_sdk()
        import grpc
        from google.oauth2.credentials import Credentials

        self.source = SOURCE
        self.config = config
        self.retry = retry or RetryPolicy(max_attempts=5, initial_wait=2.0, max_wait=60.0)
        self.stats = RequestStats()
        self._sleep = sleep
        self._grpc = grpc
        self._token_lock = threading.Lock()
        self.endpoint = config.grpc_endpoint or DEFAULT_ENDPOINT
        self.credentials = Credentials(
            token=None,
            refresh_token=config.refresh_token.get_secret_value(),
            client_id=config.client_id,
            client_secret=config.client_secret.get_secret_value(),
            token_uri=config.token_url,
            scopes=[ADWORDS_SCOPE],
        )
        self._service = self._build_service()
        self.customers = CustomerDirectory(config, self.search_stream)

    # -- the service ---------------------------------------------------------------------

    def _build_service(self) -> Any:
        from google.ads.googleads.client import GoogleAdsClient

        developer_token = None
        if self.config.developer_token is not None:  # sunset on 2026-09-09: optional, ignored by Google
            from .client import warn_developer_token

            warn_developer_token()
            developer_token = self.config.developer_token.get_secret_value()
        if not is_loopback(self.endpoint):
            client = GoogleAdsClient(
                self.credentials,
                developer_token=developer_token,
                login_customer_id=self.config.login_customer_id,
                endpoint=self.endpoint,
                version=API_VERSION,
                use_proto_plus=False,  # raw protobuf messages: no wrapper cost per row
            )
            return client.get_service("GoogleAdsService", version=API_VERSION)
        return self._loopback_service(developer_token)

    def _loopback_service(self, developer_token: str) -> Any:
        from importlib import import_module

        from google.ads.googleads.interceptors import (
            ExceptionInterceptor,
            MetadataInterceptor,
        )

        module = import_module(f"google.ads.googleads.{API_VERSION}.services.services.google_ads_service")
        service_class = module.GoogleAdsServiceClient
        transport_class = service_class.get_transport_class("grpc")
        grpc = self._grpc
        channel = transport_class.create_channel(
            host=self.endpoint,
            credentials=self.credentials,
            ssl_credentials=grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP),
            options=CHANNEL_OPTIONS,
        )
        channel = grpc.intercept_channel(
            channel,
            MetadataInterceptor(developer_token, self.config.login_customer_id, None),
            ExceptionInterceptor(API_VERSION, use_proto_plus=False),
        )
        return service_class(transport=transport_class(channel=channel))

    # -- requests ------------------------------------------------------------------------

    def _ensure_token(self, *, force: bool = False) -> None:
        """Mint (or re-mint) the access token now, so a bad refresh token is an `AuthError`
        here rather than an opaque "metadata plugin failed" inside gRPC."""
        from google.auth.exceptions import RefreshError, TransportError
        from google.auth.transport.requests import Request

        with self._token_lock:
            if self.credentials.valid and not force:
                return
            try:
                self.credentials.refresh(Request())
            except RefreshError as exc:
                # google-auth marks 5xx, 429, 408 and "temporarily_unavailable" retryable (after
                # its own few tries): the endpoint failed, not the credential, so say so.
                reason = redact(str(exc.args[0] if exc.args else type(exc).__name__))
                if exc.retryable:
                    raise TokenEndpointUnavailable(f"token endpoint unavailable: {reason}", source=SOURCE) from None
                raise AuthError(f"refresh-token exchange failed: {reason}", source=SOURCE) from None
            except TransportError as exc:
                raise TokenEndpointUnavailable(f"token endpoint unreachable: {redact(str(exc))}", source=SOURCE) from None
            register_secret(self.credentials.token)

    def search_stream(self, customer_id: str, query: str, *, stream: str | None = None) -> Iterator[Mapping[str, Any]]:
        """Yield each batch of the stream as its JSON mapping, once the stream has finished.

        Batches are collected first, as the REST transport reads its whole response first:
        a stream that breaks half-way (quota, unavailable, internal) is then retried as a
        whole, waiting Google's ``retryDelay`` when it gives one, and never hands on the
        same rows twice.
        """
        from google.protobuf.json_format import MessageToDict

        attempt, refreshed, force = 0, False, False
        while True:
            attempt += 1
            try:
                self._ensure_token(force=force)
                force = False
                self.stats.add(requests=1)
                responses = self._service.search_stream(customer_id=customer_id, query=query, retry=None)
                batches = [MessageToDict(_as_pb(response)) for response in responses]
            except Exception as exc:  # noqa: BLE001 - translated below, re-raised if unknown
                error = exc if isinstance(exc, SourceError) else self.translate(exc)
                if error is None:
                    raise
                error = error.located(source=SOURCE, stream=stream)
                if isinstance(error, AuthError) and error.status == 401 and not refreshed:
                    refreshed = force = True  # an expired or revoked access token: mint a new one, once
                    continue
                if not isinstance(error, RetryableApiError) or attempt >= self.retry.max_attempts:
                    raise error from None
                delay = error.retry_after if error.retry_after is not None else self.retry.backoff(attempt)
                if delay > self.retry.max_retry_after:
                    raise error from None
                log.warning("%s/%s: retrying after %s (attempt %d of %d)", SOURCE, stream or "-", redact(str(error)), attempt, self.retry.max_attempts)
                self.stats.add(retries=1, waited_seconds=delay)
                self._sleep(delay)
                continue
            yield from batches
            return

    def translate(self, exc: BaseException) -> Any:
        """A gRPC failure (``GoogleAdsException`` or plain ``RpcError``) as our error, or None."""
        from google.ads.googleads.errors import GoogleAdsException
        from google.api_core.exceptions import GoogleAPICallError
        from google.protobuf.json_format import MessageToDict

        grpc = self._grpc
        failure_pb = None
        if isinstance(exc, GoogleAdsException):
            call = exc.error
            failure_pb = exc.failure
        elif isinstance(exc, (grpc.RpcError, GoogleAPICallError)):
            # The SDK leaves quota and internal errors unwrapped, and api_core turns an error
            # in the middle of a stream into its own exception: the gRPC call is underneath.
            call = exc if isinstance(exc, grpc.RpcError) else (exc.response or exc.__cause__)
            if not isinstance(call, grpc.RpcError):
                return google_ads_error(http_status=exc.code, status=getattr(exc.grpc_status_code, "name", None), message=exc.message, failure=None)
            failure_pb = self._failure_from_trailers(call)
        else:
            return None
        code = call.code() if hasattr(call, "code") else None
        status = code.name if code is not None else None
        details = call.details() if hasattr(call, "details") else None
        if details and "metadata from plugin failed" in details:  # the credentials could not mint a token
            return AuthError(f"refresh-token exchange failed: {redact(details)}", source=SOURCE, status=401)
        failure = MessageToDict(_as_pb(failure_pb)) if failure_pb is not None else None
        return google_ads_error(http_status=HTTP_OF.get(status or ""), status=status, message=details, failure=failure)

    def _failure_from_trailers(self, call: Any) -> Any:
        from importlib import import_module

        key = f"google.ads.googleads.{API_VERSION}.errors.googleadsfailure-bin"
        try:
            trailers = call.trailing_metadata() or ()
        except Exception:  # noqa: BLE001 - a transport failure has no trailers
            return None
        for name, value in trailers:
            if name == key:
                errors = import_module(f"google.ads.googleads.{API_VERSION}.errors.types.errors")
                return errors.GoogleAdsFailure.deserialize(value)
        return None

    def close(self) -> None:
        transport = getattr(self._service, "transport", None)
        if transport is not None:
            transport.close()
