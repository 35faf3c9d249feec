"""``bosco-sync new-source``: a working source plugin to start from.

Inside this repository it adds the source under ``src/bosco_connectors/sources/``,
its fake API under ``sandbox/``, a test module and a cassette folder, and registers
the entry point in pyproject.toml. With ``--package DIR`` it writes a standalone
plugin package that registers itself the same way, without touching this repo.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from string import Template

from ..framework.errors import ConfigError

NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
ENTRY_GROUP = '[project.entry-points."bosco_connectors.sources"]'


def _render(template: str, **values: str) -> str:
    text = resources.files("bosco_connectors.cli").joinpath("templates", template).read_text()
    return Template(text).substitute(**values)


def _repo_root() -> Path | None:
    for parent in [Path.cwd(), *Path.cwd().parents]:
        if (parent / "src" / "bosco_connectors" / "sources").is_dir() and (parent / "pyproject.toml").exists():
            return parent
    return None


def scaffold(name: str, package: Path | None, *, force: bool = False) -> list[Path]:
    if not NAME.match(name):
        raise ConfigError(f"source name '{name}' must be snake_case: lower-case letters, digits and '_'")
    klass = "".join(part.title() for part in name.split("_"))
    title = " ".join(part.title() for part in name.split("_"))
    if package is None:
        root = _repo_root()
        if root is None:
            raise ConfigError("not inside the bosco-connectors repository; use --package DIR for a standalone plugin")
        from ..framework.registry import source_names

        if name in source_names():
            raise ConfigError(f"a source named '{name}' is already registered")
        module = f"bosco_connectors.sources.{name}"
        files = {
            root / "src/bosco_connectors/sources" / name / "__init__.py": "source_init.py.tmpl",
            root / "src/bosco_connectors/sources" / name / "client.py": "source_client.py.tmpl",
            root / "src/bosco_connectors/sources" / name / "contracts.py": "source_contracts.py.tmpl",
            root / "src/bosco_connectors/sources" / name / "streams.py": "source_streams.py.tmpl",
            root / "src/bosco_connectors/sandbox" / f"{name}.py": "fake_api.py.tmpl",
            root / "tests/sources" / name / f"test_{name}.py": "test_source.py.tmpl",
        }
        values = dict(
            name=name, Class=klass, Title=title, module=module, fake_module=f"bosco_connectors.sandbox.{name}",
            header="", conformance_class="",
            conformance_note="The conformance kit runs for every registered source in tests/test_conformance.py.",
        )
        extra_dirs = [root / "cassettes" / name]
        init_files = [root / "tests/sources/__init__.py", root / "tests/sources" / name / "__init__.py"]
    else:
        dashed = name.replace("_", "-")
        pkg = f"bosco_source_{name}"
        base = package
        module = pkg
        files = {
            base / "pyproject.toml": "plugin_pyproject.toml.tmpl",
            base / "src" / pkg / "__init__.py": "source_init.py.tmpl",
            base / "src" / pkg / "client.py": "source_client.py.tmpl",
            base / "src" / pkg / "contracts.py": "source_contracts.py.tmpl",
            base / "src" / pkg / "streams.py": "source_streams.py.tmpl",
            base / "src" / pkg / "fake_api.py": "fake_api.py.tmpl",
            base / "tests" / f"test_{name}.py": "test_source.py.tmpl",
        }
        values = dict(
            name=name, Class=klass, Title=title, module=module, fake_module=f"{pkg}.fake_api", dashed=dashed, package=pkg,
            header=(
                "import os\nfrom pathlib import Path\n\nfrom bosco_connectors.testing import SourceConformance\n\n"
                'os.environ.setdefault("BOSCO_CASSETTES", str(Path(__file__).resolve().parents[1] / "cassettes"))\n'
            ),
            conformance_class="\n\nclass TestConformance(SourceConformance):\n    connector = connector\n",
            conformance_note="TestConformance runs the bosco-connectors conformance kit against this source.",
        )
        extra_dirs = [base / "cassettes" / name]
        init_files = []
    existing = [p for p in files if p.exists()]
    if existing and not force:
        raise ConfigError(f"{existing[0]} already exists (use --force to overwrite)")
    created: list[Path] = []
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_render(template, **values))
        created.append(path)
    for path in init_files:
        if not path.exists():
            path.write_text("")
            created.append(path)
    for folder in extra_dirs:
        folder.mkdir(parents=True, exist_ok=True)
        keep = folder / ".gitkeep"
        keep.touch()
        created.append(keep)
    if package is None:
        created.append(_register_entry_point(root / "pyproject.toml", name, module))  # type: ignore[operator]
    return created


def _register_entry_point(pyproject: Path, name: str, module: str) -> Path:
    """Add ``name = "module:connector"`` to our entry-point group (re-install to pick it up)."""
    text = pyproject.read_text()
    line = f'{name} = "{module}:connector"'
    if line in text:
        return pyproject
    if ENTRY_GROUP not in text:
        text = text.rstrip() + f"\n\n{ENTRY_GROUP}\n"
    head, _, tail = text.partition(ENTRY_GROUP + "\n")
    block_end = tail.find("\n\n")
    block, rest = (tail, "") if block_end == -1 else (tail[:block_end + 1], tail[block_end + 1:])
    pyproject.write_text(head + ENTRY_GROUP + "\n" + block + line + "\n" + rest)
    return pyproject
