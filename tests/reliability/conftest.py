"""Fixtures of the reliability suites."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from bosco_connectors.framework.connector import Connector


@pytest.fixture
def fast_clients(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Give connectors their own clients with a quick retry policy and a short read timeout."""
    from .helpers import fast_factory

    def install(*connectors: Connector, attempts: int = 8, timeout: float = 0.5) -> None:
        for connector in connectors:
            original = getattr(connector.client_factory, "__wrapped__", connector.client_factory)
            monkeypatch.setattr(connector, "client_factory", fast_factory(original, attempts=attempts, timeout=timeout))

    return install


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Undo what an in-process `bosco-sync` run does to logging (see helpers.restored_logging)."""
    from .helpers import restored_logging

    with restored_logging():
        yield
