"""Testing tools for connector authors: the conformance kit, documented-fixture replay, fakes.

```python
# tests/test_my_source.py
from bosco_connectors.testing import SourceConformance
from my_package import connector

class TestMySource(SourceConformance):
    connector = connector
```

``pytest_plugins = ["bosco_connectors.testing.fixtures"]`` adds `fake_api_factory` for a
source's own tests; the kit needs no fixture plugin.
"""

from .cassettes import use_cassette
from .conformance import CONFORMANCE_WORLD, SourceConformance
from .sandbox_runs import Sandbox

__all__ = ["CONFORMANCE_WORLD", "Sandbox", "SourceConformance", "use_cassette"]
