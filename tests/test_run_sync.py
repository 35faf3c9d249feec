"""`run_sync` with a connector object (a source in no entry point), and the failure's class.

The acme toy source is registered nowhere: it runs only because the job is given its
`Connector`. Acme answers a wrong token with HTTP 401 (an auth error, never retried).
"""

from __future__ import annotations

from pathlib import Path

import dlt
import pytest

from bosco_connectors.framework.errors import AuthError, ConfigError
from bosco_connectors.framework.registry import source_names
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.sync import SyncJob, run_sync
from tests.framework.toy_api import AcmeApp, make_connector


@pytest.fixture
def acme() -> tuple[FakeApi, dict]:
    app = AcmeApp()
    with FakeApi([app]) as api:
        yield api, app.source_config(api.url("acme"))


def sync(tmp_path: Path, config: dict, **kwargs):
    return run_sync(SyncJob("t1", "acme", config), destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
                    pipelines_dir=tmp_path / "p", **kwargs)


def test_an_unregistered_connector_runs_when_given(tmp_path: Path, acme: tuple[FakeApi, dict]) -> None:
    assert "acme" not in source_names()
    result = sync(tmp_path, acme[1], connector=make_connector())
    assert result.ok, result.error
    assert result.rows["acme_items"] == 7 and result.error_type is None


def test_without_the_connector_the_name_is_looked_up(tmp_path: Path, acme: tuple[FakeApi, dict]) -> None:
    result = sync(tmp_path, acme[1])
    assert not result.ok and result.error_type is ConfigError
    assert result.error.startswith("unknown source 'acme'")


def test_a_connector_of_another_name_is_refused(tmp_path: Path, acme: tuple[FakeApi, dict]) -> None:
    other = make_connector()
    other.name = "acme_beta"
    result = sync(tmp_path, acme[1], connector=other)
    assert (result.ok, result.error_type, result.error) == (
        False, ConfigError, "the connector given is 'acme_beta', the job's source is 'acme'")


def test_the_failure_keeps_its_class(tmp_path: Path, acme: tuple[FakeApi, dict]) -> None:
    api, config = acme
    result = sync(tmp_path, {**config, "token": "wrong-token-0000"}, connector=make_connector())
    assert not result.ok
    assert result.error_type is AuthError and result.retries == 0
    assert "invalid token" in result.error
    assert "error_type" not in result.as_dict()  # the JSON summary keeps its shape
