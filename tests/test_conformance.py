"""Every registered source passes the conformance kit, automatically.

A new source registered in pyproject's ``bosco_connectors.sources`` entry points
gets its own test class here without anyone writing one.
"""

from __future__ import annotations

from bosco_connectors.framework.registry import all_connectors
from bosco_connectors.testing import SourceConformance

for _connector in all_connectors():
    _name = f"TestConformance_{_connector.name}"
    globals()[_name] = type(_name, (SourceConformance,), {"connector": _connector})
