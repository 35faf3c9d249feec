"""A process-wide request to stop, which `bosco-sync run` makes on SIGINT or SIGTERM.

Code that waits long (a report job polling its vendor, a bulk export) sleeps through
`sleep`, which wakes the moment a stop is requested and raises `Interrupted`, so the
run stops promptly instead of after the next poll, on any thread. Syncs call `check`
between their steps. Nothing here acts unless `request_stop` was called: a library
user's pipeline behaves as before.
"""

from __future__ import annotations

import signal
import threading

_requested = threading.Event()
_signum = 0


class Interrupted(BaseException):
    """The run was asked to stop.

    A `BaseException`, like `KeyboardInterrupt`, so that the ``except Exception`` of a
    sync (which turns errors into a failed sync) lets it through to the runner.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"interrupted by {signal_name(signum)}")


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def request_stop(signum: int) -> None:
    global _signum
    _signum = _signum or signum
    _requested.set()


def stop_requested() -> int:
    """The signal that asked the run to stop, or 0."""
    return _signum if _requested.is_set() else 0


def reset() -> None:
    global _signum
    _requested.clear()
    _signum = 0


def check() -> None:
    """Raise `Interrupted` if a stop was requested."""
    if _requested.is_set():
        raise Interrupted(_signum)


def sleep(seconds: float) -> None:
    """`time.sleep` that ends early, raising `Interrupted`, when a stop is requested."""
    if _requested.wait(max(0.0, seconds)):
        raise Interrupted(_signum)
