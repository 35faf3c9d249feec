"""Every registered source passes the conformance kit, automatically.

A new source registered in pyproject's ``bosco_connectors.sources`` entry points
gets its own test class here without anyone writing one.

Cost per source, measured on this 2-core machine with the whole file in one process
(other work running, load ~5): about 3 s of wall time and 2 s of CPU (2026-12: the
five sources 19 s together, the kit before this layout 59 s). Most of it is dlt's own
work for five syncs: the documented replay (no load: dummy destination), two sandbox
syncs into an in-memory DuckDB shared by the class's checks, and two that fail at their
first request (a wrong credential, an error body under HTTP 200). Keep a new check on
the shared `Sandbox` rather than adding a sync; anything slower goes behind ``-m slow``.
"""

from __future__ import annotations

from bosco_connectors.framework.registry import all_connectors
from bosco_connectors.testing import SourceConformance

for _connector in all_connectors():
    _name = f"TestConformance_{_connector.name}"
    globals()[_name] = type(_name, (SourceConformance,), {"connector": _connector})
