"""Throwaway source plugins, installed into a folder as pip would install a package.

Tests and benchmarks need sources registered the way a third-party package registers
them (an entry point in a ``*.dist-info``), without building or installing anything:
`install_plugin` writes the package (the module ``bosco-sync new-source`` writes) and
its dist-info into `site`; a Python process with `site` on its path (``PYTHONPATH``)
sees the plugin in ``bosco_connectors.sources``'s entry points.
"""

from __future__ import annotations

from pathlib import Path

GROUP = "bosco_connectors.sources"


def install_plugin(site: Path, name: str, *, version: str = "0.1.0", module_text: str | None = None) -> Path:
    """Write plugin `name` (package ``bosco_plugin_<name>``) into `site`; returns the module file.

    `module_text` replaces the generated declarations (it must define ``connector``).
    Installing again over an existing plugin (another version) replaces its dist-info.
    """
    from ..cli.scaffold import source_module

    package = f"bosco_plugin_{name}"
    module = site / package / "__init__.py"
    module.parent.mkdir(parents=True, exist_ok=True)
    module.write_text(module_text if module_text is not None else source_module(name))
    dist_name = f"bosco-plugin-{name.replace('_', '-')}"
    for old in site.glob(f"bosco_plugin_{name}-*.dist-info"):
        for file in old.iterdir():
            file.unlink()
        old.rmdir()
    info = site / f"bosco_plugin_{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{name} = {package}:connector\n")
    (info / "top_level.txt").write_text(package + "\n")
    return module


def uninstall_plugin(site: Path, name: str) -> None:
    """Remove what `install_plugin` wrote for `name`."""
    import shutil

    shutil.rmtree(site / f"bosco_plugin_{name}", ignore_errors=True)
    for info in site.glob(f"bosco_plugin_{name}-*.dist-info"):
        shutil.rmtree(info)
