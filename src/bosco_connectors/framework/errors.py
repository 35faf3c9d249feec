"""Error types: every failure names where it happened, never what the secrets are.

A cron operator reads one line per failure, so each error renders as
``source/stream: reason`` and carries the vendor's own message when there is one.
"""

from __future__ import annotations

from .redaction import one_line, redact


class BoscoError(Exception):
    """Base class for every error raised by bosco-connectors."""

    exit_code = 1


class ConfigError(BoscoError):
    """Configuration is missing or invalid; raised before any request is sent."""

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class SourceError(BoscoError):
    """A failure while reading one stream of one source."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        stream: str | None = None,
        request: str | None = None,
    ) -> None:
        self.source = source
        self.stream = stream
        self.request = request
        self.reason = one_line(message)  # vendor text: never a second line, never an escape code
        super().__init__(self._render())

    def _render(self) -> str:
        where = "/".join(p for p in (self.source, self.stream) if p)
        reason = redact(self.reason)  # vendors sometimes echo the credential in their error text
        text = f"{where}: {reason}" if where else reason
        if self.request:
            text += f" [{self.request}]"
        return text

    def located(self, *, source: str | None = None, stream: str | None = None) -> "SourceError":
        """Fill in the source/stream if the layer that raised did not know them."""
        self.source = self.source or source
        self.stream = self.stream or stream
        self.args = (self._render(),)
        return self


class ApiError(SourceError):
    """The API answered with an error (HTTP status or an error envelope in the body)."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        vendor_code: str | int | None = None,
        retry_after: float | None = None,
        **where: str | None,
    ) -> None:
        self.status = status
        self.vendor_code = vendor_code
        self.retry_after = retry_after
        super().__init__(message, **where)


class RetryableApiError(ApiError):
    """Rate limiting, 5xx, throttling codes: worth another attempt after a wait."""

    retryable = True


class AuthError(ApiError):
    """401/403 or an invalid-token envelope: retrying will not help, the credential must change."""

    exit_code = 1


class ResponseFormatError(SourceError):
    """The body was not what the API documents (HTML instead of JSON, truncated JSON, ...)."""


class ContractError(SourceError):
    """A record does not satisfy the stream's schema contract."""


class ReportJobError(SourceError):
    """An asynchronous report job failed, or did not finish before its deadline."""


class PaginationLoop(ResponseFormatError):
    """The API sent us back to a page we had already read: following it would never end."""


def cause_chain(exc: BaseException) -> list[BaseException]:
    """`exc` and what caused it, outermost first (``__cause__``, else ``__context__``; each once)."""
    seen, chain, current = set(), [], exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
