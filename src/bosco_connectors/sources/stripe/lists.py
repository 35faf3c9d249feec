"""Stripe's list endpoints, read by creation time, and the events that change older objects.

A list endpoint filters on ``created`` only: a charge created last month and refunded today
is not in today's window. Stripe records every change as an event (``GET /v1/events``,
kept 30 days), whose ``data.object`` is the object as it was after the change. So a
`StripeList` with `Changes` reads, after its ``created`` window, the events of that window
whose object it loads (``charge.*`` events carrying a charge), keeps the newest event per
object, and loads those objects created before the window (and not before the sync's
``start_date``) as updates of their rows: the refunded charge's row gets its new
``amount_refunded``, merged on its id, never a second row. Objects created inside the
window are already read by the list in their current state.

Every row carries ``updated``: its ``created``, or the time of the event it came from.
That is the stream's cursor, so a row from an event moves the cursor like a new object.
A first run (the window starts at ``start_date``) reads no events: the list has every
object of the range as it is now.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any, Iterator

from ...framework.records import Records, drop_nulls
from ...framework.spec import FullRefresh, ReadContext, Record, RestStream

log = logging.getLogger("bosco_connectors.read")

#: ``GET /v1/events`` lists events "going back up to 30 days".
EVENTS_KEPT = timedelta(days=30)


@dataclass(frozen=True)
class Changes:
    """The events that carry a stream's objects: ``type`` is the events filter (``charge.*``);
    ``object`` the object type kept from them (``charge.dispute.*`` events carry disputes)."""

    type: str
    object: str


@dataclass(kw_only=True)
class StripeList(RestStream):
    """A Stripe list endpoint (see the module docstring): `changes` turns on the events pass;
    `drop` names fields never loaded (a PaymentIntent's ``client_secret``)."""

    changes: Changes | None = None
    drop: tuple[str, ...] = ()

    def shape(self, raw: list[Record], ctx: ReadContext) -> Any:
        rows = self.shape_records(raw, ctx)
        declared = self._declared
        for row in rows:
            for name in self.drop:
                row.pop(name, None)
            if self.changes is not None:
                row["updated"] = row.get("created")
            drop_nulls(row, keep=declared)
        return rows

    @property
    def _declared(self) -> frozenset[str]:
        return frozenset(info.alias or name for name, info in self.contract.model_fields.items())

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        yield from super().read(ctx)
        if self.changes is not None:
            yield from self._changed_before(ctx)

    def _changed_before(self, ctx: ReadContext) -> Iterator[Any]:
        """Objects created before the window (from ``start_date`` on) that the window's events changed."""
        first = datetime.combine(ctx.config.start_date, time.min, tzinfo=timezone.utc)
        start = ctx.window.start
        if start is None or start <= first:
            return
        kept_since = datetime.now(timezone.utc) - EVENTS_KEPT
        if start < kept_since:
            log.warning("stripe/%s: Stripe keeps events 30 days: changes made before %s to objects created before %s "
                        "cannot be read (a backfill from start_date reads those objects as they are now)",
                        self.name, kept_since.date(), start)
        latest: dict[str, tuple[datetime, Record]] = {}
        for page in self._events().read_records(ctx):
            for event in page:  # newest first: the first event of an object holds its latest state
                found = _object_of(event, self.changes.object)
                if found is None or found["id"] in latest:
                    continue
                created = datetime.fromtimestamp(found["created"], timezone.utc)
                if first <= created < start:
                    latest[found["id"]] = (datetime.fromtimestamp(event["created"], timezone.utc), found)
        if not latest:
            return
        rows = self.shape([obj for _, obj in latest.values()], ctx)
        for row in rows:
            row["updated"] = latest[row["id"]][0]
        yield rows

    def _events(self) -> RestStream:
        """``GET /v1/events`` of this stream's objects, in the same window and pages."""
        limit = self.params.get("limit") if isinstance(self.params, dict) else None
        return RestStream(
            name=self.name, path="events", params={"type": self.changes.type, **({"limit": limit} if limit else {})},
            window=self.window, paginator=self.paginator, records=Records("data"), contract=self.contract,
            primary_key=("id",), cursor=FullRefresh("read inside a StripeList's window"),
        )


def _object_of(event: Record, kind: str) -> Record | None:
    """The event's object if it is a `kind` with an id and a creation time, else None."""
    data = event.get("data") if isinstance(event, dict) else None
    found = data.get("object") if isinstance(data, dict) else None
    if not isinstance(found, dict) or found.get("object") != kind or not found.get("id"):
        return None
    if not isinstance(found.get("created"), (int, float)) or not isinstance(event.get("created"), (int, float)):
        return None
    return found


__all__ = ["Changes", "EVENTS_KEPT", "StripeList"]
