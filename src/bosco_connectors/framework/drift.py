"""A field the vendor stops sending must not erase the values already loaded.

Rows are merged with delete-insert on their key, so a re-read row (the look-back) replaces
the loaded one whole: if the vendor drops a field, the re-read days would get NULL over
good values. A merge that keeps the old value cannot be said to every destination (a
source never talks to one), so the framework refuses instead, before anything is loaded:

- every run remembers, in the stream's dlt state (saved with the load, like the cursor),
  which contract fields the vendor has sent (a key present in at least one record);
- a run that reads records and finds none of them carrying a field it sent before fails
  the stream with one line naming the field and what to do. Fields no longer in the
  contract (a configuration change) are forgotten, not refused.

Absent means the key is missing from every record; a field sent as null (TikTok's ``"-"``)
is present. See docs/schema-drift.md.
"""

from __future__ import annotations

import threading
from typing import Any, MutableMapping

import pyarrow as pa

from .errors import ContractError

#: Schema metadata on an Arrow page: the contract fields no record of the page carried.
ABSENT_KEY = b"bosco.absent"
STATE_KEY = "fields_sent"
#: Columns the framework writes, never the vendor.
_OURS = frozenset({"tenant_id"})


def mark_absent(table: pa.Table, absent: list[str]) -> pa.Table:
    """`table` with the names of the contract fields its records lacked in its metadata."""
    if not absent:
        return table
    metadata = dict(table.schema.metadata or {})
    metadata[ABSENT_KEY] = ",".join(absent).encode()
    return table.replace_schema_metadata(metadata)


def fields_in(page: Any) -> set[str]:
    """The fields a page's records carried: an Arrow page's columns minus those marked absent."""
    if isinstance(page, pa.Table):
        absent = (page.schema.metadata or {}).get(ABSENT_KEY, b"").decode().split(",")
        return set(page.column_names) - set(absent) - _OURS
    names: set[str] = set()
    for record in page:
        names.update(record)
    return names - _OURS


class SentFields:
    """The fields the records of one run carried, gathered from every reader thread."""

    def __init__(self) -> None:
        self.fields: set[str] = set()
        self.rows = 0
        self._lock = threading.Lock()

    def add(self, page: Any) -> None:
        names, rows = fields_in(page), len(page)
        with self._lock:
            self.fields |= names
            self.rows += rows

    def settle(self, state: MutableMapping[str, Any], contract_fields: set[str], *, tenant: str, source: str,
               stream: str) -> None:
        """Refuse the run if a field sent before is missing from every record; else remember what was sent."""
        before = set(state.get(STATE_KEY, ())) & contract_fields
        if self.rows:
            dropped = sorted(before - self.fields)
            if dropped:
                names = ", ".join(f"'{name}'" for name in dropped)
                raise ContractError(
                    f"field {names} is missing from all {self.rows} records of this run, though the vendor sent it "
                    "before: loading them would replace the values already loaded for the re-read days with NULL, "
                    "so nothing was loaded. If the vendor retired it, forget what this stream saw with `bosco-sync "
                    f"state reset --tenant {tenant} --source {source} --stream {stream} --yes` (the next run re-reads "
                    "from start_date)", source=source, stream=stream)
        state[STATE_KEY] = sorted(before | (self.fields & contract_fields))
