"""An in-process gRPC server for ``google.ads.googleads.v26.services.GoogleAdsService/SearchStream``.

It answers from the same `GoogleAdsApp` as the REST fake (same world, same GAQL engine,
same header checks, same scripted failures), using the SDK's own message types
(``SearchGoogleAdsStreamRequest``/``Response``, ``GoogleAdsFailure``): the REST JSON
batches are parsed into ``SearchGoogleAdsStreamResponse`` with ``json_format.ParseDict``
(which accepts exactly the protobuf JSON mapping), and an error becomes the gRPC status
plus the serialized ``GoogleAdsFailure`` in the trailer
``google.ads.googleads.v26.errors.googleadsfailure-bin``, where the SDK looks for it.

It listens on 127.0.0.1 with ``grpc.local_server_credentials``: loopback counts as a
secure channel for gRPC, so OAuth tokens travel in ``authorization`` metadata as they do
against Google. The token endpoint stays HTTP, on the `FakeApi` serving the same app.

Needs the ``google-ads`` extra; nothing imports this module unless a test asks for it.
"""

from __future__ import annotations

from concurrent import futures
from importlib import import_module
from typing import Any, Iterator

import grpc
from google.protobuf import json_format

from .google_ads import API_VERSION, GoogleAdsApp

SERVICE = f"google.ads.googleads.{API_VERSION}.services.GoogleAdsService"
FAILURE_KEY = f"google.ads.googleads.{API_VERSION}.errors.googleadsfailure-bin"


class GoogleAdsGrpcServer:
    """``with GoogleAdsGrpcServer(app) as server: server.endpoint`` -> ``"127.0.0.1:PORT"``."""

    def __init__(self, app: GoogleAdsApp, *, workers: int = 8) -> None:
        self.app = app
        services = import_module(f"google.ads.googleads.{API_VERSION}.services.types.google_ads_service")
        errors = import_module(f"google.ads.googleads.{API_VERSION}.errors.types.errors")
        self._request_type = services.SearchGoogleAdsStreamRequest
        self._response_type = services.SearchGoogleAdsStreamResponse
        self._failure_type = errors.GoogleAdsFailure
        self.metadata: list[dict[str, str]] = []  # what each call carried, for tests
        handler = grpc.unary_stream_rpc_method_handler(
            self._search_stream,
            request_deserializer=self._request_type.deserialize,
            response_serializer=self._response_type.serialize,
        )
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
        self._server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {"SearchStream": handler}),))
        self.port = self._server.add_secure_port("127.0.0.1:0", grpc.local_server_credentials(grpc.LocalConnectionType.LOCAL_TCP))

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "GoogleAdsGrpcServer":
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop(grace=None)

    def __enter__(self) -> "GoogleAdsGrpcServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _search_stream(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        headers = {k.lower(): v for k, v in context.invocation_metadata() if isinstance(v, str)}
        self.metadata.append(headers)
        _, payload = self.app.search_stream(request.customer_id, request.query, headers)
        for item in payload:
            if "error" in item:
                self._abort(item["error"], context)
            message = self._response_type.pb(self._response_type())
            json_format.ParseDict(item, message)
            yield self._response_type.wrap(message)

    def _abort(self, error: dict[str, Any], context: grpc.ServicerContext) -> None:
        trailers = []
        for detail in error.get("details") or []:
            if str(detail.get("@type", "")).endswith(".GoogleAdsFailure"):
                failure = self._failure_type.pb(self._failure_type())
                json_format.ParseDict({k: v for k, v in detail.items() if k != "@type"}, failure)
                trailers.append((FAILURE_KEY, failure.SerializeToString()))
                trailers.append(("request-id", detail.get("requestId", "")))
        context.set_trailing_metadata(tuple(trailers))
        context.abort(grpc.StatusCode[error.get("status", "UNKNOWN")], error.get("message", ""))
