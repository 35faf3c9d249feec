"""Every source passes the conformance kit, automatically.

A new source registered in pyproject's ``bosco_connectors.sources`` entry points
gets its own test class here without anyone writing one. So does a source package
under ``src/bosco_connectors/sources/`` whose entry point is not installed yet (right
after ``bosco-sync new-source``): its kit runs at once, and its registration test fails
naming the install command, so ``pytest -k <name>`` never passes without running it.
"""

from __future__ import annotations

from bosco_connectors.framework.registry import all_connectors, uninstalled_builtins
from bosco_connectors.testing import SourceConformance

for _connector in all_connectors() + uninstalled_builtins():
    _name = f"TestConformance_{_connector.name}"
    globals()[_name] = type(_name, (SourceConformance,), {"connector": _connector})
