"""The source catalog (catalog.json, docs/sources.md) is what the sources say, and no source
uses an API version past the vendor's sunset."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from bosco_connectors.catalog import CATALOG, DOC, build, markdown
from bosco_connectors.framework.registry import all_connectors

FIX = "regenerate it: python -m bosco_connectors.catalog --write"


def test_the_static_catalog_and_docs_describe_the_sources_as_they_are():
    entries = build()
    assert json.loads(CATALOG.read_text()) == json.loads(json.dumps(entries, default=str)), f"catalog.json is stale: {FIX}"
    assert DOC.read_text() == markdown(entries), f"docs/sources.md is stale: {FIX}"


@pytest.mark.parametrize("connector", all_connectors(), ids=lambda c: c.name)
def test_no_source_uses_a_version_past_its_sunset(connector):
    if connector.supported_until is not None:
        assert date.today() <= connector.supported_until, (
            f"{connector.name}: {connector.api_version} is past its sunset ({connector.supported_until}, "
            f"{connector.support_policy}): move to the vendor's current version"
        )
    assert connector.support_policy or connector.supported_until is None, f"{connector.name}: say where the vendor documents its support window"


def test_listing_sources_imports_no_source_and_not_dlt(tmp_path):
    # sys.modules at exit, not -X importtime: importtime does not see importlib.import_module,
    # which is how an entry point loads a source.
    dump = tmp_path / "modules.json"
    code = ("import atexit, json, sys; out = sys.argv[1]; atexit.register(lambda: open(out, 'w').write(json.dumps(sorted(sys.modules)))); "
            "from bosco_connectors.cli.app import main; sys.argv = ['bosco-sync', 'sources', '--json']; main()")
    proc = subprocess.run([sys.executable, "-c", code, str(dump)], capture_output=True, text=True, timeout=120)
    modules = set(json.loads(dump.read_text()))
    assert json.loads(proc.stdout), proc.stderr[-500:]
    assert not {m for m in modules if m == "dlt" or m.startswith("dlt.")}, "listing sources imported dlt"
    assert not {m for m in modules if m.startswith("bosco_connectors.sources.")}, "listing sources imported a source module"


@pytest.mark.parametrize("connector", all_connectors(), ids=lambda c: c.name)
def test_every_option_is_a_parameter_of_the_python_source(connector):
    """What bosco.toml accepts, Python's `source(...)` accepts too (and nothing it does not)."""
    import importlib
    import inspect

    module = importlib.import_module(f"bosco_connectors.sources.{connector.name}")
    parameters = set(inspect.signature(module.source).parameters)
    assert parameters == set(connector.config_model.model_fields) | {"tenant_id", "streams"}, (
        f"{connector.name}: source() and the config model differ: "
        f"{sorted(parameters ^ (set(connector.config_model.model_fields) | {'tenant_id', 'streams'}))}"
    )
