"""A destination's capabilities are worked out once per destination object, and equal dlt's own."""

from __future__ import annotations

import dataclasses

from bosco_connectors.destinations import get_destination
from bosco_connectors.destinations.capabilities import naming_key


def _fields(caps):
    return {f.name: getattr(caps, f.name) for f in dataclasses.fields(caps)}


def test_the_kept_capabilities_equal_dlts_and_each_caller_gets_its_own_copy(tmp_path, monkeypatch):
    from dlt.common.destination.reference import Destination
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    destination = get_destination("duckdb", path=str(tmp_path / "x.duckdb"))
    first = destination.capabilities()
    second = destination.capabilities()
    assert first is not second and _fields(first) == _fields(second)
    assert _fields(first) == _fields(Destination.capabilities.__wrapped__(destination))  # dlt's own answer
    first.preferred_loader_file_format = "jsonl"  # a caller setting a field
    assert destination.capabilities().preferred_loader_file_format == second.preferred_loader_file_format

    calls = []
    monkeypatch.setattr(Destination, "configuration", lambda self, *a, **k: calls.append(1) or (_ for _ in ()).throw(RuntimeError))
    destination.capabilities()
    assert calls == []  # kept: no configuration resolved again

    naming = NamingConvention()
    fresh = get_destination("duckdb", path=str(tmp_path / "y.duckdb"))
    monkeypatch.undo()
    assert _fields(fresh.capabilities(naming=naming)) == _fields(fresh.capabilities(naming=NamingConvention()))


def test_switched_off_dlt_answers_every_time(tmp_path, monkeypatch):
    import subprocess
    import sys

    code = (
        "import os; os.environ['BOSCO_DLT_CAPS_CACHE'] = '0'\n"
        "from bosco_connectors.destinations import get_destination\n"
        "from dlt.common.destination.reference import Destination\n"
        f"d = get_destination('duckdb', path={str(tmp_path / 'z.duckdb')!r})\n"
        "d.capabilities()\n"
        "print(getattr(Destination, '_bosco_capabilities_kept', False), '_bosco_capabilities' in d.__dict__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_namings_that_adjust_capabilities_alike_share_a_key():
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    assert naming_key(None) is None
    assert naming_key(NamingConvention()) == naming_key(NamingConvention())
    assert naming_key(NamingConvention(max_length=10)) != naming_key(NamingConvention())
