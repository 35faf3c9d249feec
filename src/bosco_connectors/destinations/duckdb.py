"""DuckDB, the embedded default: one file, no server, good up to tens of millions of rows.

The file is ``bosco.duckdb`` in the working directory unless a path is given or
``BOSCO_DUCKDB_PATH`` is set. The path is made absolute when the destination is
created, so a pipeline never resolves it against its own working folder.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..framework.errors import ConfigError, cause_chain

log = logging.getLogger("bosco_connectors.destinations")

ENV_PATH = "BOSCO_DUCKDB_PATH"
DEFAULT_FILE = "bosco.duckdb"
ENV_MEMORY_LIMIT = "BOSCO_DUCKDB_MEMORY_LIMIT"


def duckdb_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The database file to use: `path`, else ``$BOSCO_DUCKDB_PATH``, else ``./bosco.duckdb``."""
    chosen = path if path not in (None, "") else os.environ.get(ENV_PATH) or DEFAULT_FILE
    target = Path(chosen).expanduser()
    if not target.is_absolute():
        target = Path.cwd() / target
    if target.exists() and target.is_dir():
        raise ConfigError(f"DuckDB path {target} is a directory; give a file such as {target / DEFAULT_FILE}")
    return target


def duckdb_destination(path: str | os.PathLike[str] | None = None, *, read_only: bool = False, **options: Any) -> Any:
    """A dlt ``duckdb`` destination writing to `duckdb_path(path)`.

    ``read_only`` opens the file for reading only (it must exist), which other
    processes reading it at the same time allow. Extra `options` (e.g.
    ``create_indexes``) go to ``dlt.destinations.duckdb``.
    """
    import dlt

    target = duckdb_path(path)
    if not read_only:
        check_writable(target)
    # dlt 1.31 leaves `supports_transactions` unset for DuckDB, so a merge job without DDL
    # (DELETE the re-read keys; INSERT them from staging) runs in autocommit: a sync killed
    # between the two statements leaves the table without the re-read rows. In a transaction
    # the merge is atomic (tests/reliability/test_crashes.py).
    options.setdefault("supports_transactions", True)
    install_unique_merge()  # no de-duplication of staged rows that hold each key once (`duckdb_merge`)
    credentials = _credentials(target)
    credentials.read_only = read_only
    return dlt.destinations.duckdb(credentials=credentials, **options)


def install_unique_merge() -> None:
    from .duckdb_merge import install

    install()


#: Bytes 8-11 of every DuckDB database file.
MAGIC = b"DUCK"


def check_writable(target: Path) -> None:
    """Refuse, before anything is read from an API, a database file that could not be written.

    A missing folder is not created (the user named a file in a folder that is not
    there: a typo, most likely); an unwritable folder or file, or a file that is not a
    DuckDB database, would otherwise fail only at the load, after the whole extraction.
    """
    folder = target.parent
    if not folder.is_dir():
        raise ConfigError(f"the folder of DuckDB file {target} does not exist ({folder}); create it, or choose another path")
    if target.exists():
        if not os.access(target, os.R_OK | os.W_OK):
            raise ConfigError(f"DuckDB file {target} is not writable by this user")
        with target.open("rb") as fh:
            head = fh.read(12)
        if head and head[8:12] != MAGIC:
            raise ConfigError(f"{target} exists and is not a DuckDB database; choose another path")
    elif not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot create DuckDB file {target}: folder {folder} is not writable by this user")


#: DuckDB settings for syncs, under the user's own ``global_config`` (which wins). Rows of
#: a raw table have no order worth keeping, and without it DuckDB reads dlt's parquet files
#: in parallel: the staging copy of a 1M-row load took 0.9-1.0 s instead of 1.6-1.9 s.
SYNC_SETTINGS: dict[str, Any] = {"preserve_insertion_order": False}
#: A sync's merge is the one step whose memory grows with the rows loaded; DuckDB's own limit is
#: 80% of RAM, which a cron box running other work cannot give (Shopify's 300k-order export:
#: 2.2 GB peak RSS, all of it DuckDB's merge). With this limit DuckDB spills to disk past it
#: (next to the database file). Shopify's bulk export (bench/README.md, shopify_bulk), its
#: merge inserting staged rows as they are (`duckdb_merge`), peaked at 338 MB for 30k orders
#: and 377 MB for 300k with 128 MB (1.11x), at 337 and 410 MB with 160 MB, ~360 and 440 MB
#: with 192 MB, for a load step of the same time at 30k orders (0.9-1.3 s, noisy) and 300k
#: (5.1-5.5 s). ``BOSCO_DUCKDB_MEMORY_LIMIT`` (``"2GB"``; ``"default"`` for DuckDB's own) or
#: ``memory_limit`` in the user's ``global_config`` sets another.
DEFAULT_SYNC_MEMORY_LIMIT = "128MB"


#: The limits a load that ran out of the syncs' own limit is given next, in turn; None: DuckDB's
#: own (80% of RAM). A dict stream with nested tables stages a table per list (WooCommerce's
#: orders: 13), and at ~100k records its merge ran out of 128 MB (bench/README.md, per_source).
MORE_MEMORY = ("512MB", "2GB", None)


def load_within_memory(pipeline: Any, destination: Any, warn: Callable[[str], None]) -> None:
    """``pipeline.load()`` (the file kept open: `kept_open`), loaded again with more memory
    (`MORE_MEMORY`) when DuckDB ran out of the limit syncs set themselves.

    A failed merge rolls back in its transaction and its staged rows stay, so the next
    ``load()`` runs the same jobs again: nothing is lost or loaded twice. A limit the user
    set (``BOSCO_DUCKDB_MEMORY_LIMIT`` or ``memory_limit`` in ``global_config``) is theirs: it
    is not raised, and the error says how to raise it.
    """
    credentials = (getattr(destination, "config_params", None) or {}).get("credentials")
    settings = getattr(credentials, "global_config", None)
    ours = isinstance(settings, dict) and _own_limit(settings)
    following = list(MORE_MEMORY)
    while True:
        try:
            with kept_open(destination):
                pipeline.load()
            return
        except Exception as exc:
            if not _out_of_memory(exc):
                raise
            limit = settings.get("memory_limit", "DuckDB's default") if isinstance(settings, dict) else "DuckDB's default"
            if not ours or not following:
                raise MemoryLimitError(
                    f"DuckDB ran out of its memory limit ({limit}) while loading: set a larger one with "
                    f"{ENV_MEMORY_LIMIT} (\"2GB\", or \"default\" for 80% of RAM) or memory_limit in the "
                    "destination's global_config; nothing was loaded, and the next run reads this data again") from exc
            larger = following.pop(0)
            line = (f"DuckDB ran out of {limit} while loading; loading again with {larger or 'its default limit'} "
                    f"(set {ENV_MEMORY_LIMIT} to choose)")
            log.warning("%s", line)
            warn(line)
            if larger is None:
                settings.pop("memory_limit", None)
            else:
                settings["memory_limit"] = larger


class MemoryLimitError(ConfigError):
    """DuckDB ran out of a memory limit the user set (or of all the limits tried)."""


def _own_limit(settings: dict[str, Any]) -> bool:
    """Whether the memory limit in effect is the syncs' default, not one the user set."""
    env = (os.environ.get(ENV_MEMORY_LIMIT) or "").strip()
    return "memory_limit" in settings and "memory_limit" not in _user_settings() and not env


def _user_settings() -> dict[str, Any]:
    """The user's own DuckDB ``global_config`` (``.dlt/config.toml`` or the environment)."""
    import dlt

    return dlt.config.get("destination.duckdb.credentials.global_config", dict) or {}


def _out_of_memory(exc: BaseException) -> bool:
    return any(type(e).__name__ == "OutOfMemoryException" or "Out of Memory Error" in str(e) for e in cause_chain(exc))


def _credentials(target: Path) -> Any:
    """Credentials for `target` whose ``global_config`` is ours merged under the user's.

    An explicit ``global_config`` replaces what dlt would read from config, so the user's
    (``[destination.duckdb.credentials] global_config`` in ``.dlt/config.toml`` or
    ``DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG``, e.g. a ``memory_limit``) is read
    here and put on top; every other field still resolves from config as usual.
    """
    from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

    credentials = DuckDbCredentials(str(target))
    credentials.global_config = {**sync_settings(), **_user_settings()}
    return credentials


def sync_settings() -> dict[str, Any]:
    """`SYNC_SETTINGS` and the memory limit of syncs (``$BOSCO_DUCKDB_MEMORY_LIMIT``, else
    `DEFAULT_SYNC_MEMORY_LIMIT`; ``default`` leaves DuckDB's own)."""
    limit = (os.environ.get(ENV_MEMORY_LIMIT) or "").strip() or DEFAULT_SYNC_MEMORY_LIMIT
    if limit.lower() in {"default", "none", "off"}:
        return dict(SYNC_SETTINGS)
    if not _MEMORY.fullmatch(limit):
        raise ConfigError(f"{ENV_MEMORY_LIMIT}={limit!r} is not an amount of memory DuckDB reads: "
                          'write it as "512MB", "2GB" or "1.5GiB" (or "default" for DuckDB\'s own limit)')
    return {**SYNC_SETTINGS, "memory_limit": limit}


_MEMORY = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|B)", re.IGNORECASE)


def duckdb_connection(path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Any:
    """Open the same database file with the ``duckdb`` client (for recipes and queries)."""
    import duckdb

    target = duckdb_path(path)
    if read_only and not target.exists():
        raise ConfigError(f"DuckDB file {target} does not exist (run a sync first, or set {ENV_PATH})")
    target.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(target), read_only=read_only)


@contextmanager
def kept_open(destination: Any) -> Iterator[None]:
    """Keep `destination`'s DuckDB file open in this process while the block runs.

    dlt opens the database afresh for each step of a load (three times a sync) and closes
    it after each, and DuckDB reads its catalog at every open and checkpoints at every
    last close: ~27 ms of CPU each here, ~80 ms a sync, a quarter of a small sync's CPU.
    While one connection is open, DuckDB's instance cache hands the same database to dlt's
    next connections in well under a millisecond. The file is kept only for the block (a
    sync's load), so other processes still read it between loads.

    Anything but a writable DuckDB file runs the block as it is; so does a file this
    process cannot open now (another process holds it): dlt's own open then fails with
    the message the user has always had.
    """
    path = _file_of(destination)
    if path is None:
        yield
        return
    import duckdb

    try:
        keeper = duckdb.connect(path)
    except duckdb.Error:
        yield
        return
    try:
        yield
    finally:
        keeper.close()


def _file_of(destination: Any) -> str | None:
    """The database file of a dlt DuckDB destination writing to a file, else None."""
    if getattr(destination, "destination_type", None) != "dlt.destinations.duckdb":
        return None
    credentials = (getattr(destination, "config_params", None) or {}).get("credentials")
    if credentials is None or getattr(credentials, "read_only", False) or getattr(credentials, "_external_conn", None) is not None:
        return None
    database = getattr(credentials, "database", None)
    if not isinstance(database, str) or database in ("", ":memory:") or database.startswith(("md:", "motherduck:")):
        return None
    return database
