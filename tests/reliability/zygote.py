"""A test-only fork server: `bosco-sync run` processes without paying for imports each time.

The crash suite kills a sync process 20+ times. Starting a fresh interpreter for each
costs seconds of imports (dlt, duckdb, pyarrow), so this script imports them once and
then forks one child per request. Each child is a real OS process running the CLI's
``main()`` exactly as the ``bosco-sync`` entry point does; the test SIGKILLs it by pid.

Protocol (one JSON object per line on stdin): ``{"argv": [...], "env": {...}, "cwd": "...",
"out": "path", "kill": {"phase": "load", "at": 7}}`` (``kill`` optional). The child's stdout
and stderr go to ``out``; when ``main()`` returns, the exit code is written to
``out + ".rc"`` and the number of kill points each phase passed to ``out + ".points"``.
The zygote answers each request with the child's pid on stdout. Children are reaped
automatically (SIGCHLD ignored).

Kill points: a child with ``kill`` SIGKILLs itself at the ``at``-th point of that phase,
so where a kill lands does not depend on the machine's speed. The phases are the sync's
own (`bosco_connectors.framework.hooks.on_phase`: recover, extract, normalize, load);
the points are every request the sync sends and every file dlt renames (how its load
packages move from state to state in every phase).
"""

from __future__ import annotations

import json
import os
import signal
import sys


def _child(request: dict) -> None:
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    fd = os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    code = 0
    points = _kill_points(request.get("kill"))
    try:
        from bosco_connectors.cli.app import main

        sys.argv = ["bosco-sync", *request["argv"]]
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - report anything unexpected as a crash of the CLI
        import traceback

        traceback.print_exc()
        code = 99
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        with open(request["out"] + ".points", "w") as f:
            json.dump(points, f)
        with open(request["out"] + ".rc", "w") as rc:
            rc.write(str(code))
        os._exit(code)


_SUBSCRIPTIONS: list = []


def _kill_points(kill: dict | None) -> dict[str, int]:
    """Count the points each phase passes (returned, filled as the run goes); SIGKILL at `kill`'s."""
    import threading

    from bosco_connectors.framework import hooks

    counts: dict[str, int] = {}
    current = {"phase": None}
    lock = threading.Lock()

    def point(*_: object) -> None:
        phase = current["phase"]
        if phase is None:
            return
        with lock:
            counts[phase] = counts.get(phase, 0) + 1
            if kill and phase == kill["phase"] and counts[phase] >= kill["at"]:
                os.kill(os.getpid(), signal.SIGKILL)

    def entered(event: hooks.PhaseStarted) -> None:
        current["phase"] = event.phase

    # Entered for the life of this child process (kept referenced: a collected context would leave).
    _SUBSCRIPTIONS.extend([hooks.on_phase(entered), hooks.on_request(point)])
    for subscription in _SUBSCRIPTIONS:
        subscription.__enter__()
    for name in ("rename", "replace"):
        original = getattr(os, name)

        def counted(*args, _original=original, **kwargs):  # noqa: ANN001, ANN002, ANN003
            point()
            return _original(*args, **kwargs)

        setattr(os, name, counted)
    return counts


def serve() -> None:
    # What `bosco-sync run` imports, loaded once; dlt resolves its dirs from the env at run time.
    import dlt  # noqa: F401
    import dlt.destinations  # noqa: F401
    import duckdb  # noqa: F401
    import pyarrow  # noqa: F401

    import bosco_connectors.cli.app  # noqa: F401
    import bosco_connectors.cli.runner  # noqa: F401
    import bosco_connectors.destinations  # noqa: F401
    from bosco_connectors.framework.registry import source_names

    for name in sys.argv[1:]:
        if name in source_names():
            __import__(f"bosco_connectors.sources.{name}")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        print(pid, flush=True)


if __name__ == "__main__":
    serve()
