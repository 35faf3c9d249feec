"""Shared by the CRM sources' tests: rebuild a source's staging model and its fact after a later
sync (`commerce.build_facts` builds the fact alone, from staging built on the first build)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from tests.sources.replayed import registered


def rebuild(connector: Any, tmp: Path, fact: str = "crm_funnel_daily") -> None:
    from bosco_connectors.recipes.runner import build

    with registered(connector), duckdb.connect(str(tmp / "x.duckdb")) as con:
        built = build(con, select=[f"stg_{connector.name}__{fact}", f"fct_{fact}"])
        assert built.ok, [m.line() for m in built.models if m.status != "built"]
