"""Where dlt's pipeline folders go: under the state dir, or, if its path has a quote, a private safe folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bosco_connectors.cli import workdir
from bosco_connectors.framework.errors import ConfigError


@pytest.fixture
def safe_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    base = tmp_path / "var-tmp"
    base.mkdir()
    monkeypatch.setattr(workdir, "_bases", lambda: [base])
    return base


def test_a_plain_state_dir_keeps_its_pipelines(tmp_path: Path, safe_base: Path) -> None:
    home = tmp_path / "project" / ".bosco"
    assert workdir.pipelines_dir(home) == home / "pipelines"
    assert not (home / workdir.POINTER).exists()


def test_a_quoted_state_dir_gets_a_private_folder_named_in_a_pointer(tmp_path: Path, safe_base: Path) -> None:
    home = tmp_path / "o'neil" / ".bosco"
    said: list[str] = []
    chosen = workdir.pipelines_dir(home, said.append)
    assert "'" not in os.path.realpath(chosen)
    assert chosen.parent == safe_base / f"bosco-{os.getuid()}"
    assert oct(os.stat(chosen.parent).st_mode & 0o777) == oct(0o700)
    assert (home / workdir.POINTER).read_text() == f"{chosen}\n"
    assert len(said) == 1 and str(chosen) in said[0]
    # The same state dir finds the same folder again (and says nothing the second time);
    # another one gets its own.
    assert workdir.pipelines_dir(home, said.append) == chosen and len(said) == 1
    assert workdir.pipelines_dir(tmp_path / "d'arcy" / ".bosco") != chosen


def test_a_private_folder_someone_else_prepared_is_refused(tmp_path: Path, safe_base: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (safe_base / f"bosco-{os.getuid()}").symlink_to(elsewhere)
    with pytest.raises(ConfigError, match="not a private folder"):
        workdir.pipelines_dir(tmp_path / "o'neil" / ".bosco")
    assert not any(elsewhere.iterdir())
