"""Find sources through the ``bosco_connectors.sources`` entry-point group.

Built-in sources are registered in our own pyproject exactly as a third-party package
registers its own, so a plugin needs no change here. Loading an entry point imports
only the source module; vendor SDKs are imported inside the functions that use them,
which keeps ``bosco-sync sources`` fast and free of SDK imports.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from functools import lru_cache
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Iterator

from .errors import ConfigError

if TYPE_CHECKING:
    from .connector import Connector

GROUP = "bosco_connectors.sources"
#: What a contributor runs to install a new entry point (pip reads pyproject.toml only at install).
INSTALL_COMMAND = "pip install -e '.[test]'"

#: Connectors reachable by name for a while although no entry point is installed (`provisional`).
_PROVISIONAL: dict[str, "Connector"] = {}

#: Sources made known by `registered`, over the entry points, innermost last.
_registered: list["Connector"] = []


def _entry_points() -> dict[str, EntryPoint]:
    """The installed sources' entry points. Reading them scans every distribution's metadata
    (~25 ms here), and a run looks sources up by name many times: read once per import path."""
    return dict(_entry_points_on(tuple(sys.path)))


@lru_cache(maxsize=4)
def _entry_points_on(path: tuple[str, ...]) -> tuple[tuple[str, EntryPoint], ...]:
    return tuple((ep.name, ep) for ep in entry_points(group=GROUP))


@contextmanager
def registered(*connectors: "Connector") -> Iterator[None]:
    """Make `connectors` known by name inside the block, as if installed.

    For a source under test that is not (yet) in any package's entry points: the CLI,
    `run_sync` and the conformance kit find it by name. One registered here wins over an
    installed source of the same name.
    """
    _registered.extend(connectors)
    try:
        yield
    finally:
        for connector in connectors:
            _registered.remove(connector)


def source_names() -> list[str]:
    """Names of every registered source, without importing any of them."""
    return sorted(set(_entry_points()) | {c.name for c in _registered})


def get_connector(name: str) -> "Connector":
    for connector in reversed(_registered):
        if connector.name == name:
            return connector
    if name in _PROVISIONAL and name not in _entry_points():
        return _PROVISIONAL[name]
    return _installed(name)


@lru_cache(maxsize=None)
def _installed(name: str) -> "Connector":
    eps = _entry_points()
    if name not in eps:
        known = ", ".join(source_names()) or "none"
        raise ConfigError(f"unknown source '{name}' (registered: {known})")
    try:
        connector = eps[name].load()
    except Exception as exc:  # noqa: BLE001 - a broken plugin must not hide the others
        raise ConfigError(f"source plugin '{name}' ({eps[name].value}) failed to load: {type(exc).__name__}: {exc}") from exc
    if getattr(connector, "name", None) != name:
        raise ConfigError(f"entry point '{name}' does not point at a Connector named '{name}'")
    return connector


def _forget() -> None:
    """Forget loaded plugins and the entry points read (tests that install or remove one)."""
    _installed.cache_clear()
    _entry_points_on.cache_clear()


get_connector.cache_clear = _forget  # type: ignore[attr-defined]


def all_connectors() -> list["Connector"]:
    """Every registered source; raises if any plugin is broken (tests want to know)."""
    return [get_connector(name) for name in source_names()]


@contextmanager
def provisional(connector: "Connector") -> Iterator[None]:
    """Make a connector whose entry point is not installed yet reachable by name in a block.

    What looks a source up by name (`run_sync`, the generated fake API) then finds it, so
    the conformance kit runs right after ``bosco-sync new-source``. `source_names` never
    lists it and an installed entry point of the same name wins, so the kit's registration
    check still fails until the package is reinstalled.
    """
    if connector.name in _entry_points():
        yield
        return
    _PROVISIONAL[connector.name] = connector
    try:
        yield
    finally:
        _PROVISIONAL.pop(connector.name, None)


def uninstalled_builtins() -> list["Connector"]:
    """Source packages under ``bosco_connectors.sources`` whose entry point is not installed.

    Right after ``bosco-sync new-source`` (which edits pyproject.toml) and before
    ``pip install -e .``, a new package is here but not in the entry points.
    """
    import pkgutil

    from .. import sources

    registered = {ep.value.partition(":")[0] for ep in _entry_points().values()}
    found = []
    for info in pkgutil.iter_modules(sources.__path__):
        module = f"{sources.__name__}.{info.name}"
        if info.ispkg and module not in registered:
            found.append(import_module(module).connector)
    return found


def load_connectors() -> tuple[list["Connector"], list[str]]:
    """Every source that loads, and one line per plugin that does not (for listings)."""
    loaded, problems = [], []
    for name in source_names():
        try:
            loaded.append(get_connector(name))
        except ConfigError as exc:
            problems.append(str(exc))
    return loaded, problems
