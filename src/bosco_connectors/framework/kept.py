"""A stream whose raw table must exist even when the vendor has no record of it yet.

The unified facts may sum another stream's rows into a row (`facts.Total`: Paddle's refund
adjustments, Braintree's refunds), and a staging model whose raw table is missing is
skipped by the recipe runner, taking the whole fact of that source with it. dlt creates a
table only when it receives rows (or an Arrow table, even an empty one): a `KeptTable`
that read nothing loads an empty Arrow table of its contract. Its pages are Arrow tables
too (``arrow=True``, no per-record ``transform``), so the table is always loaded one way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from .spec import ReadContext, RestStream


@dataclass(kw_only=True)
class KeptTable(RestStream):
    """A `RestStream` that loads an empty table of its contract when it read no record."""

    arrow: bool = True

    def __post_init__(self) -> None:
        if not self.arrow or self.transform is not None:
            raise ValueError(f"stream {self.name}: a KeptTable loads Arrow pages (arrow=True, no transform)")

    def read(self, ctx: ReadContext) -> Iterator[Any]:
        loaded = False
        for page in super().read(ctx):
            loaded = True
            yield page
        if not loaded:
            from .arrow import columns_to_arrow  # pyarrow: off the CLI's import path

            yield columns_to_arrow({}, 0, self.contract, self.name)


__all__ = ["KeptTable"]
