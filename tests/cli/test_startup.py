"""`bosco-sync --help` and `bosco-sync sources` must stay light: no vendor SDK, no database driver."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Top-level modules that must never be imported just to list things.
FORBIDDEN = ("duckdb", "snowflake", "fakesnow", "facebook_business", "google.ads", "googleapiclient", "grpc", "pyarrow")


def _imported_modules(*args: str) -> tuple[set[str], str]:
    code = "import sys; from bosco_connectors.cli.app import main; sys.argv = ['bosco-sync', *sys.argv[1:]]; main()"
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *args], capture_output=True, text=True, timeout=120)
    modules = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    return modules, proc.stdout


def _offending(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))


def test_help_imports_neither_dlt_nor_any_driver() -> None:
    modules, out = _imported_modules("--help")
    assert "Usage" in out
    assert not _offending(modules)
    assert not any(m == "dlt" or m.startswith("dlt.") for m in modules), "--help should not even import dlt"


@pytest.mark.parametrize("args", [("sources",), ("sources", "--json")])
def test_sources_imports_no_vendor_sdk_or_driver(args: tuple[str, ...]) -> None:
    modules, out = _imported_modules(*args)
    assert not _offending(modules), _offending(modules)
    if "--json" in args:
        listed = {s["name"] for s in json.loads(out)}
        assert {"tiktok_ads", "shopify", "google_ads", "facebook_ads", "ga4"} <= listed


# -- plugins: listed from the cache, imported only when what is installed changed ---------


def _list_with_plugins(site, cache, dump=None) -> tuple[list[dict], set[str]]:
    """`bosco-sync sources --json` with `site` (throwaway plugins) on the path: the listing and
    every module in ``sys.modules`` at exit (``-X importtime`` misses ``importlib.import_module``,
    which is how entry points load)."""
    import os

    dump = dump or cache.parent / "modules.json"
    env = dict(os.environ, BOSCO_CACHE_DIR=str(cache), PYTHONPATH=os.pathsep.join([str(site), *sys.path]))
    code = ("import atexit, json, sys; out = sys.argv[1]; atexit.register(lambda: open(out, 'w').write(json.dumps(sorted(sys.modules)))); "
            "from bosco_connectors.cli.app import main; sys.argv = ['bosco-sync', 'sources', '--json']; main()")
    proc = subprocess.run([sys.executable, "-c", code, str(dump)], capture_output=True, text=True, timeout=120, env=env)
    assert proc.stdout, proc.stderr[-2000:]
    return json.loads(proc.stdout), set(json.loads(dump.read_text()))


def _sources_and_dlt(modules: set[str]) -> set[str]:
    return {m for m in modules if m == "dlt" or m.startswith(("dlt.", "bosco_connectors.sources.", "bosco_plugin_"))}


def test_listing_installed_plugins_imports_none_of_them_once_listed(tmp_path) -> None:
    from bosco_connectors.testing.plugins import install_plugin

    site, cache = tmp_path / "site", tmp_path / "cache"
    for name in ("alpha_ads", "beta_ads"):
        install_plugin(site, name)
    first, imported = _list_with_plugins(site, cache)
    assert {"bosco_plugin_alpha_ads", "bosco_plugin_beta_ads"} <= imported  # described once by importing them
    alpha = next(s for s in first if s["name"] == "alpha_ads")
    assert alpha["title"] == "Alpha Ads" and [s["name"] for s in alpha["streams"]] == ["campaigns", "campaign_daily"]
    again, imported = _list_with_plugins(site, cache)
    assert again == first
    assert not _sources_and_dlt(imported), sorted(_sources_and_dlt(imported))


def test_the_plugin_cache_follows_what_is_installed(tmp_path) -> None:
    from bosco_connectors.testing.plugins import install_plugin, uninstall_plugin

    site, cache = tmp_path / "site", tmp_path / "cache"
    for name in ("alpha_ads", "beta_ads"):
        install_plugin(site, name)
    _list_with_plugins(site, cache)
    # a new plugin: listed, and the only one imported
    install_plugin(site, "gamma_ads")
    listed, imported = _list_with_plugins(site, cache)
    assert "gamma_ads" in {s["name"] for s in listed}
    assert {m for m in _sources_and_dlt(imported) if m.startswith("bosco_plugin_")} == {"bosco_plugin_gamma_ads"}
    # an upgrade that changes what the plugin declares: described anew
    module = site / "bosco_plugin_beta_ads" / "__init__.py"
    install_plugin(site, "beta_ads", version="0.2.0",
                   module_text=module.read_text().replace('api_version="v1"', 'api_version="v2"'))
    listed, _ = _list_with_plugins(site, cache)
    assert next(s for s in listed if s["name"] == "beta_ads")["api_version"] == "v2"
    # an uninstalled plugin is gone from the listing
    uninstall_plugin(site, "alpha_ads")
    listed, imported = _list_with_plugins(site, cache)
    assert "alpha_ads" not in {s["name"] for s in listed} and {"beta_ads", "gamma_ads"} <= {s["name"] for s in listed}
    assert not _sources_and_dlt(imported)


def test_listing_works_when_the_cache_cannot_be_written(tmp_path) -> None:
    from bosco_connectors.testing.plugins import install_plugin

    site, blocked = tmp_path / "site", tmp_path / "a-file"
    blocked.write_text("not a folder")
    install_plugin(site, "alpha_ads")
    listed, imported = _list_with_plugins(site, blocked / "cache", tmp_path / "modules.json")
    assert "alpha_ads" in {s["name"] for s in listed} and "bosco_plugin_alpha_ads" in imported
