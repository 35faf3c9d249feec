"""The whole kit passes on the correct example source: what the mutations break is all they break.

The example is registered for this module only (`example_registered`); the kit itself runs
it by object, as it runs the unregistered variants in `test_mutations.py`.
"""

from __future__ import annotations

import pytest

from bosco_connectors.testing import SourceConformance
from tests.kit import example_ads

pytestmark = pytest.mark.usefixtures("example_registered")


class TestExampleAds(SourceConformance):
    connector = example_ads.connector
