"""Find sources through the ``bosco_connectors.sources`` entry-point group.

Built-in sources are registered in our own pyproject exactly as a third-party package
registers its own, so a plugin needs no change here. Loading an entry point imports
only the source module; vendor SDKs are imported inside the functions that use them,
which keeps ``bosco-sync sources`` fast and free of SDK imports.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    from .connector import Connector

GROUP = "bosco_connectors.sources"


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def source_names() -> list[str]:
    """Names of every registered source, without importing any of them."""
    return sorted(_entry_points())


@lru_cache(maxsize=None)
def get_connector(name: str) -> "Connector":
    eps = _entry_points()
    if name not in eps:
        known = ", ".join(sorted(eps)) or "none"
        raise ConfigError(f"unknown source '{name}' (registered: {known})")
    connector = eps[name].load()
    if getattr(connector, "name", None) != name:
        raise ConfigError(f"entry point '{name}' does not point at a Connector named '{name}'")
    return connector


def all_connectors() -> list["Connector"]:
    return [get_connector(name) for name in source_names()]
