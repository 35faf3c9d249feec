"""What a user reads: tables whole when piped, help without noise."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from bosco_connectors.cli.app import app


def test_piped_tables_are_never_cut():
    """CliRunner's stdout is not a terminal, as in `bosco-sync recipes list | less` or cron."""
    from bosco_connectors import recipes

    result = CliRunner().invoke(app, ["recipes", "list"])
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("│")]
    names = [row.split("│")[1].strip() for row in rows]
    assert names == [r.name for r in recipes.list_recipes()]
    longest_reads = max((", ".join(r.raw_tables) for r in recipes.list_recipes()), key=len)
    assert longest_reads and longest_reads in result.stdout


@pytest.mark.parametrize("command", [[], ["run"], ["demo"], ["state", "show"], ["recipes", "build"], ["sandbox"], ["query"]])
def test_flags_show_no_type_in_help(command):
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert re.search(r"^  --help +Show this message and exit\.$", result.output, re.M)
