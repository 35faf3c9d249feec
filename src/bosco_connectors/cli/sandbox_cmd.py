"""``bosco-sync sandbox [SOURCE]...``: serve the fake vendor APIs locally, until Ctrl-C.

Try a source with no credentials: the fake APIs the demo and the tests use (the
hand-written ones, and the one generated from a declared source's declarations and
documented fixtures) are served on one local port, each under its own path, and what
a source needs to reach its fake (base_url, sandbox credentials, account ids) is
printed as a ``bosco.toml`` that ``bosco-sync run --config`` can use as it is, or whose
values go straight into ``<source>.source(...)`` in Python.
"""

from __future__ import annotations

import json
import signal
import threading
from datetime import date
from typing import Any

#: The sandbox's port unless --port says otherwise (the README's Python example uses it).
DEFAULT_PORT = 8765


def sandbox_connectors(names: list[str]) -> list[Any]:
    """The connectors named (all with a fake API when none is named); `ConfigError` for an unknown one."""
    from ..framework.errors import ConfigError
    from ..framework.registry import all_connectors, get_connector

    if not names:
        return [c for c in all_connectors() if c.sandbox]
    connectors = [get_connector(n) for n in names]
    without = [c.name for c in connectors if not c.sandbox]
    if without:
        raise ConfigError(f"no fake API for {', '.join(without)}")
    return connectors


def sandbox_configs(api: Any, connectors: list[Any]) -> dict[str, dict[str, Any]]:
    """Per source, the options that point it at its fake: base_url, credentials, account ids, dates."""
    from ..sandbox import sandbox_config

    return {c.name: sandbox_config(api, c) for c in connectors}


def as_project(configs: dict[str, dict[str, Any]]) -> str:
    """A ``bosco.toml`` that syncs every served source from the sandbox, as tenant ``sandbox``."""
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment("bosco.toml for the fake APIs of `bosco-sync sandbox` and their demo credentials"))
    doc.add(tomlkit.comment("(a real bosco.toml names credentials as references: { env = \"...\" }, never values)"))
    starts = [c["start_date"] for c in configs.values() if isinstance(c.get("start_date"), date)]
    if starts:
        doc["defaults"] = {"start_date": min(starts).isoformat()}
    tenant = tomlkit.table()
    tenant["id"] = "sandbox"
    sources = tomlkit.table(is_super_table=True)
    for name, config in configs.items():
        table = tomlkit.table()
        for key, value in config.items():
            if key in ("start_date", "end_date"):
                continue  # the fake serves its days; a run reads from [defaults]
            table[key] = value.isoformat() if isinstance(value, date) else value
        sources[name] = table
    tenant["sources"] = sources
    tenants = tomlkit.aot()
    tenants.append(tenant)
    doc["tenants"] = tenants
    return tomlkit.dumps(doc)


def run_sandbox(names: list[str], *, port: int, seed: int, size: str, as_json: bool, out: Any, err: Any,
                stop: threading.Event | None = None) -> int:
    """Serve until `stop` is set (SIGTERM and Ctrl-C set it); exit code."""
    from ..framework.errors import ConfigError
    from ..sandbox import serve
    from ..sandbox.world import SIZES

    if size not in SIZES:
        err.print(f"error: --size must be one of {', '.join(SIZES)}", markup=False)
        return 2
    try:
        connectors = sandbox_connectors(names)
    except ConfigError as exc:
        err.print(f"error: {exc}", markup=False)
        return 2
    try:
        api = serve(connectors, seed=seed, size=size, port=port, record=False)
    except OSError as exc:
        err.print(f"error: cannot listen on 127.0.0.1:{port} ({exc.strerror or exc}); choose another --port", markup=False)
        return 2
    stop = stop or threading.Event()
    try:
        configs = sandbox_configs(api, connectors)
        if as_json:
            out.file.write(json.dumps({"url": api.url("").rstrip("/"), "sources": configs}, default=str) + "\n")
            out.file.flush()
        else:
            out.print(as_project(configs), markup=False, highlight=False, end="")
            out.file.flush()
        err.print(f"serving fake APIs for {', '.join(configs)} on {api.url('').rstrip('/')} "
                  f"(seed {seed}, size {size}); Ctrl-C stops", markup=False)
        _stop_on_signals(stop)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
    err.print("sandbox stopped", markup=False)
    return 0


def _stop_on_signals(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
