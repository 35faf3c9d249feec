"""StackAdapt's GraphQL requests as declared REST posts: one endpoint, one named query per stream.

StackAdapt's GraphQL endpoint accepts only ``query``, ``operationName`` and ``variables``
in a request body and refuses any other key with HTTP 400 (observed: ``Unexpected parameter
"jsonrpc" in the request body``). A `Query` sends exactly those three: the fixed query and
its operation name, and variables built from the partition (the advertiser filter), the
window (``variables.date``) and the page (``variables.cursor``). Declared as a `RestStream`
posting to ``graphql``, the generated fake tells the streams apart by their fixed query.

Two things only this API needs:

- a delivery query may answer ``Progress`` (its stats job still running) instead of its
  ``...Outcome``: the same request is sent again after a pause, a bounded number of times
  (`PROGRESS_WAITS`), then the sync fails naming the query;
- the account's currency is a field of ``account``, beside the advertisers, not of each
  advertiser: ``carry`` copies body values onto every record of the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from ...framework.errors import ApiError
from ...framework.jsonpath import get_path
from ...framework.paginators import PageRequest
from ...framework.spec import ReadContext, RestStream

#: Pauses (seconds) between the sends of a delivery query that answered ``Progress``.
PROGRESS_WAITS = (2.0, 4.0, 8.0, 15.0, 30.0, 30.0, 30.0, 30.0)
ENDPOINT = "graphql"


@dataclass(kw_only=True)
class Query(RestStream):
    """One named GraphQL query (see the module docstring)."""

    path: str = ENDPOINT
    method: str = "POST"  # type: ignore[assignment]
    #: ``{variable: partition key}``: the advertiser filter, as a one-id list.
    filters: Mapping[str, str] = field(default_factory=dict)
    #: ``{variable: value or config field name}`` sent with every page (the page size).
    fixed_variables: Mapping[str, Any] = field(default_factory=dict)
    #: ``{column: dotted path in the body}``: values of the answer copied onto each record.
    carry: Mapping[str, str] = field(default_factory=dict)
    #: Where the delivery payload's ``__typename`` is (``Progress`` or the outcome).
    typename_at: str | None = None
    #: Pauses between sends while the payload is ``Progress``.
    progress_waits: tuple[float, ...] = PROGRESS_WAITS

    def request_params(self, ctx: ReadContext, page: PageRequest) -> dict[str, Any]:
        variables: dict[str, Any] = {name: [str(ctx.partition[key])] for name, key in self.filters.items()}
        for name, value in self.fixed_variables.items():
            variables[name] = getattr(ctx.config, value) if isinstance(value, str) and hasattr(ctx.config, value) else value
        body: dict[str, Any] = {**dict(self.params), "variables": variables}
        if self.window is not None:
            self.window.apply(body, ctx.window)  # dotted paths: variables.date.from / .to
        variables.update(page.variables)
        return body

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        waits = iter(self.progress_waits)
        while True:
            response, body = super().send(ctx, page)
            if self.typename_at is None or get_path(body, self.typename_at) != "Progress":
                break
            wait = next(waits, None)
            if wait is None:
                raise ApiError(f"{self.params.get('operationName')}: StackAdapt still answers Progress (its stats job is "
                               f"running) after {len(self.progress_waits)} retries; try a shorter window", stream=self.name)
            (getattr(ctx.client, "sleep", None) or _sleep)(wait)
        if self.carry and isinstance(body, dict):
            values = {column: get_path(body, where) for column, where in self.carry.items()}
            for record in self.record_spec.select(body):
                if isinstance(record, dict):
                    record.update(values)
        return response, body

    # -- the generated fake (sandbox.generated): the advertiser filter names the world's account --

    def fake_records(self, app: Any, route: Any) -> Iterator[dict[str, Any]]:
        from ...framework.unified import Performance
        from ...sandbox.generated import Route

        variables = route.params.get("variables") or {}
        partition = {key: (variables.get(name) or [None])[0] for name, key in self.filters.items()}
        scoped = Route(route.stream, {**route.params, **partition}, route.path_values)
        spec = self.unified
        yield from (app._performance(spec, scoped) if isinstance(spec, Performance) else app._entities(spec, scoped))


def _sleep(seconds: float) -> None:
    from ...framework import interrupt

    interrupt.sleep(seconds)


def query_text(operation: str, signature: str, selection: str) -> str:
    """``query <operation>(<signature>) { <selection> }`` on one line, as it is sent."""
    return " ".join(f"query {operation}({signature}) {{ {selection} }}".split())


__all__ = ["Query", "query_text", "ENDPOINT", "PROGRESS_WAITS"]
