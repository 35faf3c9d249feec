"""Helpers shared by the framework tests: a fake clock and the acme fake API on loopback."""

from __future__ import annotations

import threading
from typing import Iterator

import pytest

from bosco_connectors.sandbox import FakeApi
from tests.framework.toy_api import AcmeApp


class FakeClock:
    """A monotonic clock whose `sleep` records the wait and moves time forward instantly.

    Passing ``clock.sleep`` to the code under test lets a test assert the exact waits
    (``Retry-After: 2`` -> one 2.0 s wait) without really sleeping.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def acme_app() -> AcmeApp:
    return AcmeApp()


@pytest.fixture
def acme_api(acme_app: AcmeApp) -> Iterator[FakeApi]:
    """The acme fake app served by the real `FakeApi` over loopback."""
    with FakeApi([acme_app]) as api:
        yield api
