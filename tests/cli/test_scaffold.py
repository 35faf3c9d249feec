"""`bosco-sync new-source`: the new source's conformance kit runs at once, and never passes silently.

Inside the repository (a copy in a tmp dir), the kit runs before any reinstall and only
its registration test fails, naming the command; once the entry point is installed (a
dist-info on the path, as pip would write it) the whole kit passes. A standalone plugin
passes the kit once installed the same way. The kit replays the scaffold's placeholder
documented fixtures and runs the fake API generated from its declarations.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bosco_connectors
from bosco_connectors.cli.app import EXIT_CONFIG, app
from bosco_connectors.cli.scaffold import ENTRY_GROUP, _register_entry_point

REPO = Path(__file__).resolve().parents[2]
#: The bosco_connectors under test, for the plugin's subprocess.
FRAMEWORK = Path(bosco_connectors.__file__).resolve().parents[1]
INSTALL = "pip install -e '.[test]'"


def _kit_size() -> int:
    """How many tests SourceConformance holds, each parametrized case counted."""
    import math

    from bosco_connectors.testing import SourceConformance

    size = 0
    for name in dir(SourceConformance):
        if name.startswith("test_"):
            marks = [m for m in getattr(getattr(SourceConformance, name), "pytestmark", []) if m.name == "parametrize"]
            size += math.prod(len(m.args[1]) for m in marks)
    return size


KIT_TESTS = _kit_size()


def _installed(site: Path, name: str, module: str) -> Path:
    """What `pip install` writes for a package's entry point, without installing anything."""
    info = site / f"bosco_source_{name}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: bosco-source-{name}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[bosco_connectors.sources]\n{name} = {module}:connector\n")
    return site


def _pytest(root: Path, paths: list[Path], tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in paths),
           "DLT_DATA_DIR": str(tmp / "dlt"), "RUNTIME__DLTHUB_TELEMETRY": "false"}
    env.pop("BOSCO_CASSETTES", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(root), *args],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )


def _counts(run: subprocess.CompletedProcess) -> dict[str, int]:
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|error|errors|skipped)", summary)}


def _new_source(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["new-source", *args])
    return result.exit_code, result.stdout, result.stderr


# -- a standalone plugin ---------------------------------------------------------------------


def test_scaffolded_plugin_passes_the_conformance_kit_once_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _new_source("acme_ads", "--package", "bosco-source-acme-ads")
    assert code == 0, err
    pkg = tmp_path / "bosco-source-acme-ads"
    assert (pkg / "pyproject.toml").read_text().count('acme_ads = "bosco_source_acme_ads:connector"') == 1
    assert f"1. cd bosco-source-acme-ads && {INSTALL}" in out
    assert "2. pytest" in out and "cassettes/acme_ads/SOURCES.md" in out
    assert not (pkg / "src" / "bosco_source_acme_ads" / "fake_api.py").exists()  # the generated fake serves it
    bodies = sorted(p.name for p in (pkg / "cassettes/acme_ads/bodies").iterdir())
    assert "error.auth.json" in bodies and "error.rate_limit.json" in bodies
    assert all(name in (pkg / "cassettes/acme_ads/SOURCES.md").read_text() for name in bodies)

    site = _installed(tmp_path / "site", "acme_ads", "bosco_source_acme_ads")
    run = _pytest(pkg, [site, pkg / "src", FRAMEWORK], tmp_path)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert _counts(run) == {"passed": KIT_TESTS}, run.stdout[-2000:]


# -- inside this repository --------------------------------------------------------------------


@pytest.fixture
def repo_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """What the kit needs of this repository, in a tmp dir: sources, pyproject, cassettes, the kit module."""
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(REPO / "cassettes", copy / "cassettes")
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    (copy / "tests").mkdir()
    for name in ("__init__.py", "conftest.py", "test_conformance.py"):
        shutil.copy(REPO / "tests" / name, copy / "tests" / name)
    monkeypatch.chdir(copy)
    return copy


def _scaffold_in_repo(copy: Path) -> str:
    code, out, err = _new_source("acme_ads")
    assert code == 0, err
    assert "updated pyproject.toml" in out and "created pyproject.toml" not in out
    assert "created src/bosco_connectors/sources/acme_ads/__init__.py" in out
    assert f"1. {INSTALL}" in out and "2. pytest tests/test_conformance.py -k acme_ads" in out
    assert 'acme_ads = "bosco_connectors.sources.acme_ads:connector"' in (copy / "pyproject.toml").read_text()
    return out


def test_in_repo_kit_runs_at_once_and_fails_loudly_until_reinstalled(repo_copy: Path, tmp_path: Path) -> None:
    _scaffold_in_repo(repo_copy)
    run = _pytest(repo_copy, [repo_copy / "src"], tmp_path, "tests/test_conformance.py", "-k", "acme_ads")
    assert run.returncode == 1, run.stdout[-4000:] + run.stderr[-2000:]
    assert _counts(run) == {"failed": 1, "passed": KIT_TESTS - 1}, run.stdout[-4000:]
    assert "FAILED tests/test_conformance.py::TestConformance_acme_ads::test_registered_and_described" in run.stdout
    assert "acme_ads is not registered" in run.stdout and f"Run `{INSTALL}`" in run.stdout


@pytest.mark.slow
def test_in_repo_kit_passes_once_reinstalled(repo_copy: Path, tmp_path: Path) -> None:
    _scaffold_in_repo(repo_copy)
    site = _installed(tmp_path / "site", "acme_ads", "bosco_connectors.sources.acme_ads")
    run = _pytest(repo_copy, [site, repo_copy / "src"], tmp_path, "tests/test_conformance.py", "-k", "acme_ads")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert _counts(run) == {"passed": KIT_TESTS}, run.stdout[-2000:]


def test_in_repo_refuses_an_existing_source_package(repo_copy: Path) -> None:
    (repo_copy / "src/bosco_connectors/sources/half_done").mkdir()
    code, out, err = _new_source("half_done")
    assert code == EXIT_CONFIG and "a source named 'half_done' already exists" in err
    assert "half_done" not in (repo_copy / "pyproject.toml").read_text()


# -- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, says", [
    ("Bad-Name", "must be lower_snake_case"),
    ("1ads", "must be lower_snake_case"),
    ("acme__ads", "must be lower_snake_case"),
    ("acme_", "must be lower_snake_case"),
    ("a" * 41, "must be lower_snake_case"),
    ("class", "is a Python keyword"),
    ("import", "is a Python keyword"),
    ("tiktok_ads", "already registered"),
])
def test_a_name_that_cannot_name_a_source_is_refused_in_one_line(tmp_path: Path, name: str, says: str) -> None:
    code, out, err = _new_source(name, "--package", str(tmp_path / "p"))
    assert code == EXIT_CONFIG, out
    assert says in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "p").exists()


def test_existing_files_are_refused_without_force(tmp_path: Path) -> None:
    assert _new_source("dupe_ads", "--package", str(tmp_path / "d"))[0] == 0
    code, _, err = _new_source("dupe_ads", "--package", str(tmp_path / "d"))
    assert code == EXIT_CONFIG and "already exists" in err
    assert _new_source("dupe_ads", "--package", str(tmp_path / "d"), "--force")[0] == 0


def test_entry_point_is_added_to_the_existing_group(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f'[project]\nname = "x"\n\n{ENTRY_GROUP}\na = "m.a:connector"\n\n[tool.x]\ny = 1\n')
    assert _register_entry_point(pyproject, "new_src", "m.new_src") is True
    assert _register_entry_point(pyproject, "new_src", "m.new_src") is False  # idempotent
    text = pyproject.read_text()
    group = text.split(ENTRY_GROUP, 1)[1].split("\n\n", 1)[0]
    assert 'a = "m.a:connector"' in group and 'new_src = "m.new_src:connector"' in group
    assert text.count("new_src = ") == 1 and "[tool.x]\ny = 1" in text
