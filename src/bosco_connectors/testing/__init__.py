"""Testing tools for connector authors: the conformance kit, cassettes, fixtures.

```python
# tests/test_my_source.py
from bosco_connectors.testing import SourceConformance
from my_package import connector

pytest_plugins = ["bosco_connectors.testing.fixtures"]

class TestMySource(SourceConformance):
    connector = connector
```
"""

from .cassettes import use_cassette
from .conformance import CONFORMANCE_WORLD, SourceConformance

__all__ = ["CONFORMANCE_WORLD", "SourceConformance", "use_cassette"]
