"""Descriptions of third-party source plugins, cached on disk so listing them imports none.

The built-in sources are described by ``catalog.json``, written at development time. A
plugin installed beside them (another package's entry point) can only be described by
importing it, which imports dlt and costs ~0.1 s per plugin: with 100 plugins every
``bosco-sync sources`` would take seconds. So the first listing imports each plugin once
and keeps its description here; later listings read it back.

Each description is keyed on what would change it without the entry point changing its
name: the entry point's target, its distribution's name and version, and the size and
modification time of every ``.py`` file of the plugin's package (found on ``sys.path``
without importing anything). Installing, upgrading, editing or removing a plugin
therefore refreshes its entry; an entry whose plugin is gone is dropped. The whole file
is also keyed on this package's version and ``catalog.json`` (what a description
contains can change with them).

The cache lives in ``$BOSCO_CACHE_DIR``, else ``$XDG_CACHE_HOME/bosco-connectors``, else
``~/.cache/bosco-connectors``, one file per Python environment. Deleting it is always
safe; when it cannot be written, listings work as before, importing the plugins.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from contextlib import suppress
from importlib.machinery import PathFinder
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

ENV_CACHE_DIR = "BOSCO_CACHE_DIR"


def cache_dir() -> Path:
    if os.environ.get(ENV_CACHE_DIR):
        return Path(os.environ[ENV_CACHE_DIR])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bosco-connectors"


def cache_file() -> Path:
    """One file per environment: two virtualenvs with different plugins do not evict each other."""
    environment = hashlib.sha1(sys.prefix.encode()).hexdigest()[:12]
    return cache_dir() / f"plugin-catalog-{environment}.json"


def module_files(module: str) -> list[list[Any]] | None:
    """``[[path, mtime_ns, size], ...]`` of the module's file (every ``.py`` file under it,
    for a package), located as the import system would but without importing its parents;
    None when it cannot be located (then the plugin is imported every time)."""
    parts = module.split(".")
    path: list[str] | None = None
    for depth in range(1, len(parts) + 1):
        if depth > 1 and not path:
            return None  # a parent that is a plain module has no submodules
        spec = PathFinder.find_spec(".".join(parts[:depth]), path)
        if spec is None:
            return None
        path = list(spec.submodule_search_locations or [])
    if spec.submodule_search_locations:
        files = sorted(p for folder in spec.submodule_search_locations for p in Path(folder).rglob("*.py"))
    elif spec.origin and os.path.isfile(spec.origin):
        files = [Path(spec.origin)]
    else:
        return None
    out = []
    for file in files:
        stat = file.stat()
        out.append([str(file), stat.st_mtime_ns, stat.st_size])
    return out


def plugin_key(entry_point: EntryPoint) -> list[Any] | None:
    """What a plugin's description depends on (see the module docstring); None: do not cache."""
    files = module_files(entry_point.module)
    if files is None:
        return None
    dist = entry_point.dist
    return [entry_point.value, dist.name if dist else None, dist.version if dist else None, files]


def framework_key(static_catalog: Path) -> list[Any]:
    from . import __version__

    stat = static_catalog.stat() if static_catalog.exists() else None
    return [__version__, stat.st_mtime_ns if stat else None, stat.st_size if stat else None]


class PluginCatalog:
    """The cached descriptions, read once; `save` writes them back if anything changed."""

    def __init__(self, framework: list[Any], path: Path | None = None) -> None:
        self.path = path or cache_file()
        self.framework = framework
        self.entries: dict[str, dict[str, Any]] = {}
        self.changed = False
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("framework") == framework and isinstance(data.get("plugins"), dict):
            self.entries = data["plugins"]

    def get(self, name: str, key: list[Any] | None) -> dict[str, Any] | None:
        entry = self.entries.get(name)
        if key is None or not isinstance(entry, dict) or entry.get("key") != key:
            return None
        return entry.get("description")

    def put(self, name: str, key: list[Any] | None, description: dict[str, Any]) -> None:
        if key is not None:
            self.entries[name] = {"key": key, "description": description}
            self.changed = True

    def keep_only(self, names: set[str]) -> None:
        """Forget plugins that are no longer installed."""
        for gone in set(self.entries) - names:
            del self.entries[gone]
            self.changed = True

    def save(self) -> None:
        """Write atomically (a concurrent listing reads the old file or the new one); a cache
        that cannot be written is no error: the next listing imports the plugins again."""
        if not self.changed:
            return
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".plugin-catalog-", suffix=".tmp")
            with os.fdopen(fd, "w") as out:
                json.dump({"framework": self.framework, "plugins": self.entries}, out, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError:
            if tmp is not None:
                with suppress(OSError):
                    os.unlink(tmp)
