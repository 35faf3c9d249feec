"""pytest fixtures of the kit. Enable with ``pytest_plugins = ["bosco_connectors.testing.fixtures"]``."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from ..sandbox import FakeApi, FaultPlan, app_for


@pytest.fixture
def fake_api_factory() -> Iterator[Callable[..., FakeApi]]:
    """Start fake APIs for connectors; all are stopped when the test ends."""
    started: list[FakeApi] = []

    def start(*connectors: Any, faults: FaultPlan | None = None, latency: float = 0.0, **world: Any) -> FakeApi:
        api = FakeApi([app_for(c, **world) for c in connectors], faults=faults, latency=latency).start()
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()
