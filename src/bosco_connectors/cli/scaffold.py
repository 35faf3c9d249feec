"""``bosco-sync new-source``: a declared source whose conformance kit passes from the start.

It writes the declarations (one module, like ``sources/tiktok_ads``), the documented
fixtures (``cassettes/<name>/``: ``fixtures.json``, ``bodies/``, a ``SOURCES.md`` to fill)
and registers the entry point. No fake API is written: the kit and the demo use the one
generated from the declarations and the fixtures.

Inside this repository the source goes under ``src/bosco_connectors/sources/`` and
``tests/test_conformance.py`` runs its kit (at once: before a reinstall only its
registration test fails, naming the command). With ``--package DIR`` it writes a
standalone plugin package with its own test module instead, without touching this repo.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from ..framework.errors import ConfigError
from ..framework.registry import INSTALL_COMMAND

NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
MAX_NAME = 40
ENTRY_GROUP = '[project.entry-points."bosco_connectors.sources"]'


@dataclass(frozen=True)
class Written:
    """One file the scaffold wrote: ``created``, ``updated`` (pyproject.toml) or ``unchanged``."""

    action: str
    path: Path


def check_name(name: str) -> None:
    """One clear line for a name that cannot name a source (it names a Python package too)."""
    if not NAME.match(name) or len(name) > MAX_NAME:
        raise ConfigError(
            f"source name '{name}' must be lower_snake_case: a lower-case letter first, then lower-case letters, "
            f"digits and single '_' between words, at most {MAX_NAME} characters (e.g. pinterest_ads)"
        )
    if keyword.iskeyword(name):
        raise ConfigError(f"source name '{name}' is a Python keyword and cannot name a package; choose another (e.g. {name}_ads)")


def _templates() -> Traversable:
    return resources.files("bosco_connectors.cli").joinpath("templates")


def _render(template: str, values: dict[str, str]) -> str:
    return Template(_templates().joinpath(template).read_text()).substitute(**values)


def _values(name: str) -> dict[str, str]:
    return dict(name=name, Class="".join(part.title() for part in name.split("_")),
                Title=" ".join(part.title() for part in name.split("_")))


def source_module(name: str) -> str:
    """The declarations module `new-source` writes for `name` (also: throwaway plugins in
    tests and benchmarks, `testing.plugins`)."""
    check_name(name)
    return _render("source.py.tmpl", _values(name))


def _repo_root() -> Path | None:
    for parent in [Path.cwd(), *Path.cwd().parents]:
        if (parent / "src" / "bosco_connectors" / "sources").is_dir() and (parent / "pyproject.toml").exists():
            return parent
    return None


def _cassette(folder: Path, values: dict[str, str]) -> dict[Path, str]:
    """The placeholder documented fixtures: bodies the kit passes on, a SOURCES.md to fill."""
    source = _templates().joinpath("cassette")
    files = {folder / "fixtures.json": source.joinpath("fixtures.json").read_text(),
             folder / "SOURCES.md": _render("cassette/SOURCES.md.tmpl", values)}
    for body in sorted(source.joinpath("bodies").iterdir(), key=lambda t: t.name):
        files[folder / "bodies" / body.name] = body.read_text()
    return files


def scaffold(name: str, package: Path | None, *, force: bool = False) -> list[Written]:
    """Write the new source (see the module docstring); refuses a taken name or existing files."""
    from ..framework.registry import source_names

    check_name(name)
    if name in source_names():
        raise ConfigError(f"a source named '{name}' is already registered; choose another name")
    values = _values(name)
    if package is None:
        root = _repo_root()
        if root is None:
            raise ConfigError("not inside the bosco-connectors repository; use --package DIR for a standalone plugin")
        module_dir = root / "src/bosco_connectors/sources" / name
        if module_dir.exists() and not force:
            raise ConfigError(f"a source named '{name}' already exists: {module_dir} (use --force to overwrite)")
        module = f"bosco_connectors.sources.{name}"
        files = {module_dir / "__init__.py": _render("source.py.tmpl", values),
                 **_cassette(root / "cassettes" / name, values)}
    else:
        module = f"bosco_source_{name}"
        values.update(module=module, package=module, dashed=name.replace("_", "-"))
        files = {
            package / "pyproject.toml": _render("plugin_pyproject.toml.tmpl", values),
            package / "src" / module / "__init__.py": _render("source.py.tmpl", values),
            package / "tests" / "conftest.py": _render("plugin_conftest.py.tmpl", values),
            package / "tests" / f"test_{name}.py": _render("plugin_test.py.tmpl", values),
            **_cassette(package / "cassettes" / name, values),
        }
    existing = [p for p in files if p.exists()]
    if existing and not force:
        raise ConfigError(f"{existing[0]} already exists (use --force to overwrite)")
    written = []
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(Written("created", path))
    if package is None:
        pyproject = root / "pyproject.toml"  # type: ignore[operator]
        changed = _register_entry_point(pyproject, name, module)
        written.append(Written("updated" if changed else "unchanged", pyproject))
    return written


def next_steps(name: str, package: Path | None) -> list[str]:
    """What to do after `scaffold`, in order (printed by the CLI)."""
    if package is None:
        module, kit = f"src/bosco_connectors/sources/{name}/__init__.py", f"pytest tests/test_conformance.py -k {name}"
        steps = [f"{INSTALL_COMMAND}   (installs the new entry point; until then the kit's registration test fails, saying so)"]
    else:
        module, kit = f"src/bosco_source_{name}/__init__.py", "pytest"
        steps = [f"cd {package} && {INSTALL_COMMAND}   (installs the plugin and its entry point)"]
    steps += [
        f"{kit}   (the conformance kit: green on the placeholder fixtures)",
        f"replace every TODO in {module} from the vendor's API reference and the placeholder bodies in "
        f"cassettes/{name}/ with its documented examples (cassettes/{name}/SOURCES.md says which lines to fill); "
        "rerun the kit as you go (docs/declarative.md describes each declaration)",
    ]
    if package is None:
        steps.append("python -m bosco_connectors.catalog --write   (adds it to catalog.json and docs/sources.md)")
    return steps


def _register_entry_point(pyproject: Path, name: str, module: str) -> bool:
    """Add ``name = "module:connector"`` to our entry-point group; False if it was there already."""
    text = pyproject.read_text()
    line = f'{name} = "{module}:connector"'
    if line in text:
        return False
    if ENTRY_GROUP not in text:
        text = text.rstrip() + f"\n\n{ENTRY_GROUP}\n"
    head, _, tail = text.partition(ENTRY_GROUP + "\n")
    block_end = tail.find("\n\n")
    block, rest = (tail, "") if block_end == -1 else (tail[:block_end + 1], tail[block_end + 1:])
    pyproject.write_text(head + ENTRY_GROUP + "\n" + block + line + "\n" + rest)
    return True
