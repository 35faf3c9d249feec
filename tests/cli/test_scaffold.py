"""`bosco-sync new-source`: a contributor's afternoon, end to end.

The standalone plugin it writes is registered (through a dist-info on the path, as pip
would), records its cassette, and passes the conformance kit on replay.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bosco_connectors.cli.app import EXIT_CONFIG, app
from bosco_connectors.cli.scaffold import ENTRY_GROUP, _register_entry_point


def _register(site: Path, name: str, module: str) -> None:
    """What `pip install` would do for the plugin's entry point, without installing."""
    info = site / f"bosco_source_{name}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: bosco-source-{name}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[bosco_connectors.sources]\n{name} = {module}:connector\n")


def _pytest(pkg: Path, site: Path, tmp: Path, record: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(pkg / "src")]),
           "DLT_DATA_DIR": str(tmp / "dlt"), "RUNTIME__DLTHUB_TELEMETRY": "false"}
    env.pop("BOSCO_RECORD", None)
    if record:
        env["BOSCO_RECORD"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(pkg), str(pkg / "tests")],
        cwd=pkg, env=env, capture_output=True, text=True, timeout=300,
    )


def test_scaffolded_plugin_records_and_passes_the_conformance_kit(tmp_path: Path) -> None:
    pkg = tmp_path / "bosco-source-acme-ads"
    result = CliRunner().invoke(app, ["new-source", "acme_ads", "--package", str(pkg)])
    assert result.exit_code == 0, result.output
    assert (pkg / "pyproject.toml").read_text().count('acme_ads = "bosco_source_acme_ads:connector"') == 1
    site = tmp_path / "site"
    _register(site, "acme_ads", "bosco_source_acme_ads")

    recorded = _pytest(pkg, site, tmp_path, record=True)
    assert recorded.returncode == 0, recorded.stdout[-3000:] + recorded.stderr[-2000:]
    cassette = pkg / "cassettes" / "acme_ads" / "conformance.yaml"
    assert cassette.exists()
    assert "fake-acme_ads-key" not in cassette.read_text()
    assert "https://api.example.com" in cassette.read_text()

    replayed = _pytest(pkg, site, tmp_path, record=False)
    assert replayed.returncode == 0, replayed.stdout[-3000:] + replayed.stderr[-2000:]
    assert " passed" in replayed.stdout and "failed" not in replayed.stdout


def test_scaffold_refuses_bad_names_and_existing_files(tmp_path: Path) -> None:
    bad = CliRunner().invoke(app, ["new-source", "Bad-Name", "--package", str(tmp_path / "x")])
    assert bad.exit_code == EXIT_CONFIG and "snake_case" in bad.stderr
    ok = CliRunner().invoke(app, ["new-source", "dupe_ads", "--package", str(tmp_path / "d")])
    assert ok.exit_code == 0
    again = CliRunner().invoke(app, ["new-source", "dupe_ads", "--package", str(tmp_path / "d")])
    assert again.exit_code == EXIT_CONFIG and "already exists" in again.stderr


def test_entry_point_is_added_to_the_existing_group(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f'[project]\nname = "x"\n\n{ENTRY_GROUP}\na = "m.a:connector"\n\n[tool.x]\ny = 1\n')
    _register_entry_point(pyproject, "new_src", "m.new_src")
    _register_entry_point(pyproject, "new_src", "m.new_src")  # idempotent
    text = pyproject.read_text()
    group = text.split(ENTRY_GROUP, 1)[1].split("\n\n", 1)[0]
    assert 'a = "m.a:connector"' in group and 'new_src = "m.new_src:connector"' in group
    assert text.count("new_src = ") == 1 and "[tool.x]\ny = 1" in text
