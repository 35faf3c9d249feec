"""Where RAW data lands: DuckDB (the embedded default) or Snowflake (production).

Every source loads into one dataset, `DEFAULT_DATASET` (``raw``), with tables named
``<source>_<stream>``; the SQL recipes read from there and write the unified tables to
``analytics``. This module imports nothing heavy: the Snowflake client is imported
only when a Snowflake destination is asked for, so ``bosco-sync --help`` and DuckDB
users never pay for it.
"""

from __future__ import annotations

from typing import Any

from ..framework.errors import ConfigError

#: The dlt dataset (schema) every source loads into.
DEFAULT_DATASET = "raw"
#: The schema the recipes write the unified tables to.
DEFAULT_ANALYTICS_SCHEMA = "analytics"
DESTINATIONS = ("duckdb", "snowflake")


def checked_dataset(name: Any, where: str = "") -> str:
    """The dataset name, refused when dlt would load into another one.

    dlt normalises names (``RawData`` becomes ``raw_data``): the rows would land in
    ``raw_data`` while the recipes and ``state`` read ``RawData``, build nothing and
    exit 0. So a name must already be what dlt makes of it; the line says which that is.
    """
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}[destination] dataset must be a non-empty name, got {name!r}")
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    loaded_as = NamingConvention().normalize_identifier(name)
    if loaded_as != name:
        raise ConfigError(
            f"{where}[destination] dataset '{name}' is not a name dlt keeps: it would load into '{loaded_as}' "
            f"(use dataset = \"{loaded_as}\")"
        )
    return name


def get_destination(name: str | None = "duckdb", **options: Any) -> Any:
    """Return a configured dlt destination by name (``duckdb`` or ``snowflake``).

    `options` go to `duckdb_destination` / `snowflake_destination`; an unknown name
    is a `ConfigError` naming the choices.
    """
    key = (name or "duckdb").strip().lower()
    if key in DESTINATIONS:
        from .capabilities import install

        install()  # capabilities worked out once per destination object (`capabilities`)
    if key == "duckdb":
        from .duckdb import duckdb_destination

        return duckdb_destination(**options)
    if key == "snowflake":
        from .snowflake import snowflake_destination

        return snowflake_destination(**options)
    raise ConfigError(f"unknown destination '{name}' (choose {' or '.join(DESTINATIONS)})")


__all__ = ["DEFAULT_ANALYTICS_SCHEMA", "DEFAULT_DATASET", "DESTINATIONS", "get_destination"]
