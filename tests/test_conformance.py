"""Every source passes the conformance kit, automatically.

A new source registered in pyproject's ``bosco_connectors.sources`` entry points
gets its own test class here without anyone writing one. So does a source package
under ``src/bosco_connectors/sources/`` whose entry point is not installed yet (right
after ``bosco-sync new-source``): its kit runs at once, and its registration test fails
naming the install command, so ``pytest -k <name>`` never passes without running it.

Cost per source, measured on this 2-core machine with the whole file in one process
(load 3-4 from other work): 2.2-3.1 s of wall time, about 2 s of CPU; the five sources
16-18 s together, against 24 s (4.4 s a source; TikTok 7.4 s, its rate-limit waits included)
before the kit shared its syncs. So 100 sources cost the suite about 4.5 minutes. Most
of it is dlt's own work for five syncs: the documented replay (dummy destination: no
load), two sandbox syncs into an in-memory DuckDB shared by the class's checks, and two
that fail at their first request (a wrong credential, an error body under HTTP 200).
Put a new check on the shared `Sandbox` rather than adding a sync; anything slower goes
behind ``-m slow``.
"""

from __future__ import annotations

from bosco_connectors.framework.registry import all_connectors, uninstalled_builtins
from bosco_connectors.testing import SourceConformance

for _connector in all_connectors() + uninstalled_builtins():
    _name = f"TestConformance_{_connector.name}"
    globals()[_name] = type(_name, (SourceConformance,), {"connector": _connector})
