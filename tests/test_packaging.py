"""What `pip install` and `make demo` install: extras that stay in step with the sources."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from bosco_connectors.framework.extras import EXTRA_MODULES

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = PROJECT["optional-dependencies"]
#: Extras that are not a source's or destination's dependencies.
NOT_RUNTIME = {"test", "all"}


def test_the_all_extra_covers_every_other_extra():
    covered: set[str] = set()
    for line in EXTRAS["all"]:
        requirement = Requirement(line)
        assert requirement.name == PROJECT["name"], f"[all] lists extras of this package only, not {line}"
        covered |= requirement.extras
    assert covered == set(EXTRAS) - NOT_RUNTIME


def test_every_extra_says_which_modules_it_installs():
    """`framework/extras.py` tells a missing extra by its modules: one entry per runtime extra."""
    assert set(EXTRA_MODULES) == set(EXTRAS) - NOT_RUNTIME


def _builtin_connectors():
    """The sources this checkout registers (an installed distribution may register others)."""
    from importlib import import_module

    for value in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["bosco_connectors.sources"].values():
        module, _, attr = value.partition(":")
        yield getattr(import_module(module), attr)


def test_the_extras_sources_name_exist():
    for connector in _builtin_connectors():
        assert set(connector.required_extras) <= set(connector.extras), connector.name
        assert set(connector.extras) <= set(EXTRAS) - NOT_RUNTIME, connector.name


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_installs_the_demos_extras_and_no_test_tools(tmp_path):
    commands = subprocess.run(["make", "-n", "-B", "demo", f"VENV={tmp_path / 'venv'}"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout
    installs = [line.split("/bin/", 1)[1] for line in commands.splitlines() if " install " in line]
    assert installs == ["pip install --quiet --upgrade pip", "pip install --quiet -e '.[facebook]'"]
