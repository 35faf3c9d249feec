"""The source registry: entry points, lazy loading, clear errors for unknown names.

Built-in sources may not be importable yet, so these tests swap the entry-point list
for a controlled one pointing at the toy acme connector.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Iterator

import pytest

from bosco_connectors.framework import ConfigError, registry
from tests.framework import toy_api


def entry(name: str, target: str) -> EntryPoint:
    return EntryPoint(name=name, value=target, group=registry.GROUP)


@pytest.fixture
def fake_entry_points(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, EntryPoint]]:
    eps = {
        "acme": entry("acme", "tests.framework.toy_api:connector"),
        "zeta_ads": entry("zeta_ads", "tests.framework.not_a_module:connector"),
        "mislabeled": entry("mislabeled", "tests.framework.toy_api:connector"),
    }
    monkeypatch.setattr(registry, "_entry_points", lambda: dict(eps))
    registry.get_connector.cache_clear()
    yield eps
    registry.get_connector.cache_clear()


def test_source_names_are_sorted_and_do_not_import(fake_entry_points: dict[str, EntryPoint]) -> None:
    # zeta_ads points at a module that does not exist: listing must not import it.
    assert registry.source_names() == ["acme", "mislabeled", "zeta_ads"]


def test_unknown_source_lists_the_registered_ones(fake_entry_points: dict[str, EntryPoint]) -> None:
    with pytest.raises(ConfigError) as info:
        registry.get_connector("tiktok")
    assert str(info.value) == "unknown source 'tiktok' (registered: acme, mislabeled, zeta_ads)"
    assert info.value.exit_code == 2


def test_unknown_source_with_nothing_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_entry_points", lambda: {})
    registry.get_connector.cache_clear()
    with pytest.raises(ConfigError, match=r"unknown source 'acme' \(registered: none\)"):
        registry.get_connector("acme")


def test_known_source_loads_its_connector(fake_entry_points: dict[str, EntryPoint]) -> None:
    assert registry.get_connector("acme") is toy_api.connector


def test_entry_point_must_name_a_matching_connector(fake_entry_points: dict[str, EntryPoint]) -> None:
    with pytest.raises(ConfigError, match="entry point 'mislabeled' does not point at a Connector named 'mislabeled'"):
        registry.get_connector("mislabeled")


def test_real_entry_points_unknown_name_lists_them() -> None:
    """Against the installed metadata; looking up an unknown name imports no source."""
    registry.get_connector.cache_clear()
    names = registry.source_names()
    with pytest.raises(ConfigError) as info:
        registry.get_connector("no_such_source")
    assert str(info.value) == f"unknown source 'no_such_source' (registered: {', '.join(names) or 'none'})"


def test_provisional_connector_is_found_by_name_but_not_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Right after `new-source`, the kit reaches the new source by name; the registration stays missing."""
    monkeypatch.setattr(registry, "_entry_points", lambda: {})
    registry.get_connector.cache_clear()
    with registry.provisional(toy_api.connector):
        assert registry.get_connector("acme") is toy_api.connector
        assert registry.source_names() == []
    with pytest.raises(ConfigError, match="unknown source 'acme'"):
        registry.get_connector("acme")


def test_installed_entry_point_wins_over_a_provisional_connector(fake_entry_points: dict[str, EntryPoint]) -> None:
    import dataclasses

    stale = dataclasses.replace(toy_api.connector)
    with registry.provisional(stale):
        assert registry.get_connector("acme") is toy_api.connector


def test_uninstalled_builtins_are_the_source_packages_without_an_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    import pkgutil

    from bosco_connectors import sources

    packages = sorted(info.name for info in pkgutil.iter_modules(sources.__path__) if info.ispkg)
    installed = {name: entry(name, f"bosco_connectors.sources.{name}:connector") for name in packages}
    del installed["tiktok_ads"]
    monkeypatch.setattr(registry, "_entry_points", lambda: dict(installed))
    assert [c.name for c in registry.uninstalled_builtins()] == ["tiktok_ads"]
    monkeypatch.setattr(registry, "_entry_points", lambda: {})
    assert {"tiktok_ads", "shopify", "ga4"} <= {c.name for c in registry.uninstalled_builtins()}


def test_a_source_registered_for_a_block_is_found_by_name_and_forgotten_after(fake_entry_points: dict[str, EntryPoint]) -> None:
    extra = toy_api.make_connector()
    extra.name = "acme_beta"
    with registry.registered(extra):
        assert registry.get_connector("acme_beta") is extra
        assert registry.source_names() == ["acme", "acme_beta", "mislabeled", "zeta_ads"]
    assert "acme_beta" not in registry.source_names()
    with pytest.raises(ConfigError, match="unknown source 'acme_beta'"):
        registry.get_connector("acme_beta")


def test_a_registered_source_wins_over_an_installed_namesake(fake_entry_points: dict[str, EntryPoint]) -> None:
    """The kit checks a variant under the name of the source it varies."""
    variant = toy_api.make_connector(arrow=True)
    with registry.registered(variant):
        assert registry.get_connector("acme") is variant
    assert registry.get_connector("acme") is toy_api.connector
