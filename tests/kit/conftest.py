"""The example source is registered nowhere: only the test that checks registration makes it known."""

from __future__ import annotations

from typing import Iterator

import pytest

from bosco_connectors.framework.registry import registered
from tests.kit import example_ads


@pytest.fixture
def example_registered() -> Iterator[None]:
    with registered(example_ads.connector):
        yield
