"""Where dlt keeps the pipeline folders: ``<state dir>/pipelines``, unless dlt cannot use that path.

dlt's DuckDB loader puts the absolute path of every load file into SQL without escaping
it (``read_parquet('<path>')``), and resolves symlinks first, so a single quote anywhere
in the real path (a project under ``/home/o'neil``) breaks every load with "unterminated
string literal". Such a state directory keeps its pipeline folders in a private folder
of the system's persistent temporary directory instead (``/var/tmp``, which survives
reboots), named after the state directory, and ``pipelines.location`` in the state
directory says where they are. Losing that folder loses nothing: cursors are also
committed in the destination, and rows are merged on their keys.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Callable

from ..framework.errors import ConfigError

#: Characters dlt cannot have in the path of a load file.
UNSAFE = "'"
POINTER = "pipelines.location"


def pipelines_dir(home: Path, say: Callable[[str], None] | None = None) -> Path:
    """The pipeline folders of the state directory `home` (see the module docstring)."""
    wanted = home / "pipelines"
    real = os.path.realpath(wanted)
    if not _unsafe(real):
        return wanted
    for base in _bases():
        safe = _private_folder(base) / f"{_slug(real)}-{hashlib.sha256(real.encode()).hexdigest()[:12]}"
        created = not safe.exists()
        safe.mkdir(mode=0o700, exist_ok=True)
        _point(home, safe)
        if created and say is not None:
            say(f"note: the path of {wanted} holds a character dlt cannot load from ({UNSAFE}); pipeline folders are kept in {safe}")
        return safe
    raise ConfigError(f"the path of {wanted} holds {UNSAFE}, which dlt cannot load from, and no temporary directory without it was found")


def _unsafe(path: str) -> bool:
    return any(c in path for c in UNSAFE)


def _bases() -> list[Path]:
    seen: list[Path] = []
    for candidate in ("/var/tmp", tempfile.gettempdir(), "/tmp"):
        real = Path(os.path.realpath(candidate))
        if real not in seen and real.is_dir() and os.access(real, os.W_OK | os.X_OK) and not _unsafe(str(real)):
            seen.append(real)
    return seen


def _private_folder(base: Path) -> Path:
    """``<base>/bosco-<uid>``, mode 0700, refused unless it is a real folder of this user.

    A shared temporary directory lets anyone create that name first (as a symlink to
    somewhere else, or open to all); such a folder is never used.
    """
    folder = base / f"bosco-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise ConfigError(f"{folder} is not a private folder of this user; remove it, or use a --state-dir whose path has no {UNSAFE}")
    return folder


def _slug(path: str) -> str:
    """The state directory's project folder name, reduced to safe characters (for humans)."""
    parts = Path(path).parts
    name = parts[-3] if len(parts) >= 3 else "bosco"  # <project>/<state dir>/pipelines
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.") or "bosco"


def _point(home: Path, safe: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    pointer = home / POINTER
    text = f"{safe}\n"
    if not pointer.exists() or pointer.read_text() != text:
        pointer.write_text(text)
