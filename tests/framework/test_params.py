"""`params.ParentBatches`: a parent stream's ids in batches, never mixing two groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import pytest

from bosco_connectors.framework.params import ParentBatches
from bosco_connectors.framework.spec import Contract, FullRefresh, ReadContext, Stream


@dataclass(kw_only=True)
class InMemory(Stream):
    """A parent stream whose pages are given (one per partition)."""

    pages: dict[str, list[dict[str, Any]]]

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        yield self.pages[ctx.partition["account_id"]]


class Row(Contract):
    id: str


def parent() -> InMemory:
    rows = {
        "acc1": [{"id": "c1", "account_id": "acc1"}, {"id": "c2", "account_id": "acc1"}, {"id": "c3", "account_id": "acc1"},
                 {"id": "c1", "account_id": "acc1"},  # a repeated id: in one batch only
                 {"id": None, "account_id": "acc1"}],  # no id: no batch
        "acc2": [{"id": "c9", "account_id": "acc2"}],
    }
    return InMemory(name="campaigns", contract=Row, primary_key=("id",), cursor=FullRefresh(), pages=rows,
                    partitions=lambda config: [{"account_id": "acc1"}, {"account_id": "acc2"}])


def test_ids_are_batched_per_group_in_first_seen_order():
    batches = ParentBatches(parent(), ids=("entity_ids", "id"), group={"account_id": "account_id"}, size=2)
    assert batches.for_read(config=None, client=object()) == [
        {"account_id": "acc1", "entity_ids": "c1,c2"}, {"account_id": "acc1", "entity_ids": "c3"},
        {"account_id": "acc2", "entity_ids": "c9"}]
    assert batches.params == ("account_id", "entity_ids")


def test_a_batch_may_be_encoded_otherwise_and_needs_a_client():
    batches = ParentBatches(parent(), ids=("ids", "id"), size=20, encode=list)
    assert batches.for_read(config=None, client=object()) == [{"ids": ["c1", "c2", "c3", "c9"]}]  # no group: one batch
    with pytest.raises(ValueError, match="need an API client"):
        batches.for_read(config=None)


def test_an_instant_with_another_offset_is_written_in_utc():
    """A cursor saved from a vendor time with an offset (PayPal's "2026-11-16T18:05:01-0800") is the
    same instant as 2026-11-17 02:05:01 UTC: a window starting there must say so, not 18:05:01Z."""
    from datetime import datetime, timedelta, timezone

    from bosco_connectors.framework.params import DATETIME, EPOCH, render_bound

    pacific = datetime(2026, 11, 16, 18, 5, 1, tzinfo=timezone(timedelta(hours=-8)))
    assert render_bound(pacific, DATETIME) == "2026-11-17T02:05:01Z"
    assert render_bound(pacific, EPOCH) == int(datetime(2026, 11, 17, 2, 5, 1, tzinfo=timezone.utc).timestamp())
    assert render_bound(pacific, "%Y-%m-%d %H:%M") == "2026-11-17 02:05"
