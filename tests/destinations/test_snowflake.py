"""Snowflake destination: configuration from env, clear errors without secrets, the query tag.

The configuration tests resolve dlt's snowflake config without connecting. The real
load at the end runs only with ``-m snowflake`` and ``BOSCO_SNOWFLAKE_*`` set.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bosco_connectors.destinations import get_destination
from bosco_connectors.destinations.snowflake import (
    query_tag_template,
    resolve_dlt_config,
    settings_from_env,
    snowflake_destination,
)
from bosco_connectors.framework.errors import ConfigError
from bosco_connectors.framework.redaction import redact

PASSWORD = "pw-Zq81-very-secret"
BASE = {
    "BOSCO_SNOWFLAKE_ACCOUNT": "myorg-acct1",
    "BOSCO_SNOWFLAKE_USER": "BOSCO_LOADER",
    "BOSCO_SNOWFLAKE_DATABASE": "MARKETING",
    "BOSCO_SNOWFLAKE_WAREHOUSE": "LOAD_WH",
    "BOSCO_SNOWFLAKE_ROLE": "LOADER",
}
# dlt formats the template with these names before each operation.
DLT_TAGS = dict(operation="load", source="tiktok_ads", resource="campaigns", table="tiktok_ads_campaigns", load_id="1731.5", pipeline_name="p")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith(("BOSCO_SNOWFLAKE_", "DESTINATION__")):
            monkeypatch.delenv(key)


@pytest.fixture(scope="module")
def rsa_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    plain = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    encrypted = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"open-sesame")
    ).decode()
    return plain, encrypted


def _resolved(destination):
    return resolve_dlt_config(destination)


def test_password_auth_from_env() -> None:
    env = {**BASE, "BOSCO_SNOWFLAKE_PASSWORD": PASSWORD}
    config = _resolved(snowflake_destination(env=env, tenant_id="acme", source="tiktok_ads"))
    params = config.credentials.to_connector_params()
    assert params["account"] == "myorg-acct1"
    assert params["user"] == "BOSCO_LOADER"
    assert params["password"] == PASSWORD
    assert params["database"] == "MARKETING"
    assert params["warehouse"] == "LOAD_WH"
    assert params["role"] == "LOADER"
    assert "private_key" not in params


def test_key_pair_auth_from_env_with_escaped_newlines(rsa_pem) -> None:
    plain, _ = rsa_pem
    one_line = plain.replace("\n", "\\n")  # how CI secret stores often hold it
    env = {**BASE, "BOSCO_SNOWFLAKE_PRIVATE_KEY": one_line}
    settings = settings_from_env(env)
    assert settings is not None and settings.auth == "key-pair"
    params = _resolved(snowflake_destination(env=env)).credentials.to_connector_params()
    assert params["password"] is None
    key = serialization.load_der_private_key(params["private_key"], password=None)
    assert key.key_size == 2048


def test_key_pair_from_file_with_passphrase(rsa_pem, tmp_path: Path) -> None:
    _, encrypted = rsa_pem
    key_file = tmp_path / "rsa_key.p8"
    key_file.write_text(encrypted)
    env = {**BASE, "BOSCO_SNOWFLAKE_PRIVATE_KEY_PATH": str(key_file), "BOSCO_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "open-sesame"}
    params = _resolved(snowflake_destination(env=env)).credentials.to_connector_params()
    assert "private_key_passphrase" not in params  # dlt decrypts the key and drops the passphrase
    assert serialization.load_der_private_key(params["private_key"], password=None).key_size == 2048


def test_missing_variables_are_named_and_secrets_never_shown() -> None:
    env = {"BOSCO_SNOWFLAKE_ACCOUNT": "myorg-acct1", "BOSCO_SNOWFLAKE_PASSWORD": PASSWORD}
    with pytest.raises(ConfigError) as err:
        snowflake_destination(env=env)
    message = str(err.value)
    assert "BOSCO_SNOWFLAKE_USER" in message and "BOSCO_SNOWFLAKE_DATABASE" in message
    assert "BOSCO_SNOWFLAKE_ACCOUNT" not in message  # it is set
    assert PASSWORD not in message and "myorg-acct1" not in message
    assert err.value.exit_code == 2


def test_no_auth_at_all_names_both_ways() -> None:
    with pytest.raises(ConfigError, match="BOSCO_SNOWFLAKE_PASSWORD.*BOSCO_SNOWFLAKE_PRIVATE_KEY"):
        snowflake_destination(env=dict(BASE))


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"BOSCO_SNOWFLAKE_PASSWORD": PASSWORD, "BOSCO_SNOWFLAKE_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----x"}, "only one way"),
        ({"BOSCO_SNOWFLAKE_PRIVATE_KEY": "k" * 20, "BOSCO_SNOWFLAKE_PRIVATE_KEY_PATH": "/x.p8"}, "not both"),
        ({"BOSCO_SNOWFLAKE_PASSWORD": PASSWORD, "BOSCO_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "open-sesame"}, "no private key"),
        ({"BOSCO_SNOWFLAKE_PRIVATE_KEY_PATH": "/nonexistent/rsa.p8"}, "not a file"),
    ],
)
def test_conflicting_or_broken_auth(extra: dict[str, str], match: str) -> None:
    with pytest.raises(ConfigError, match=match) as err:
        snowflake_destination(env={**BASE, **extra})
    for secret in (PASSWORD, "open-sesame", "k" * 20):
        assert secret not in str(err.value)


def test_secrets_from_env_are_registered_for_redaction() -> None:
    settings_from_env({**BASE, "BOSCO_SNOWFLAKE_PASSWORD": PASSWORD})
    assert PASSWORD not in redact(f"connect failed for password {PASSWORD}")


def test_settings_repr_hides_the_password() -> None:
    settings = settings_from_env({**BASE, "BOSCO_SNOWFLAKE_PASSWORD": PASSWORD})
    assert PASSWORD not in repr(settings)


def test_query_tag_identifies_app_tenant_source_and_dlt_operation() -> None:
    env = {**BASE, "BOSCO_SNOWFLAKE_PASSWORD": PASSWORD}
    config = _resolved(snowflake_destination(env=env, tenant_id="acme", source="tiktok_ads"))
    tag = json.loads(config.query_tag.format(**DLT_TAGS))
    assert tag == {
        "app": "bosco-sync",
        "tenant": "acme",
        "source": "tiktok_ads",
        "operation": "load",
        "table": "tiktok_ads_campaigns",
        "load_id": "1731.5",
    }


def test_query_tag_accepts_the_cli_json_tag_and_falls_back_to_dlt_source() -> None:
    env = {**BASE, "BOSCO_SNOWFLAKE_PASSWORD": PASSWORD}
    cli_tag = '{"app":"bosco-sync","tenant":"acme","source":"shopify"}'
    config = _resolved(get_destination("snowflake", env=env, query_tag=cli_tag))
    assert json.loads(config.query_tag.format(**DLT_TAGS))["source"] == "shopify"
    # without a named source, dlt's schema (= source) name fills it in
    template = query_tag_template({"app": "bosco-sync", "tenant": "beta"})
    assert json.loads(template.format(**DLT_TAGS))["source"] == "tiktok_ads"


def test_query_tag_values_cannot_break_the_alter_session_literal() -> None:
    template = query_tag_template({"app": "bosco-sync", "tenant": "o'brien {x}"})
    rendered = template.format(**DLT_TAGS)
    assert "'" not in rendered
    assert json.loads(rendered)["tenant"] == "obrien {x}"


def test_settings_from_toml_options_override_env() -> None:
    env = {**BASE, "BOSCO_SNOWFLAKE_PASSWORD": PASSWORD}
    config = _resolved(snowflake_destination(env=env, database="OTHER_DB", warehouse="BIG_WH", create_indexes=True))
    assert config.credentials.database == "OTHER_DB"
    assert config.credentials.warehouse == "BIG_WH"
    assert config.create_indexes is True


def test_unknown_option_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown snowflake option.*warehose"):
        snowflake_destination(env={**BASE, "BOSCO_SNOWFLAKE_PASSWORD": PASSWORD}, warehose="X")


def test_falls_back_to_dlt_config_when_no_bosco_variable_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESTINATION__SNOWFLAKE__CREDENTIALS__HOST", "dltorg-acct")
    monkeypatch.setenv("DESTINATION__SNOWFLAKE__CREDENTIALS__DATABASE", "DLTDB")
    monkeypatch.setenv("DESTINATION__SNOWFLAKE__CREDENTIALS__USERNAME", "dltuser")
    monkeypatch.setenv("DESTINATION__SNOWFLAKE__CREDENTIALS__PASSWORD", PASSWORD)
    config = _resolved(snowflake_destination(env={}, tenant_id="acme", source="shopify"))
    assert (config.credentials.host, config.credentials.database, config.credentials.username) == ("dltorg-acct", "DLTDB", "dltuser")
    assert json.loads(config.query_tag.format(**DLT_TAGS))["tenant"] == "acme"


def test_dlt_fallback_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESTINATION__SNOWFLAKE__CREDENTIALS__HOST", "dltorg-acct")
    with pytest.raises(ConfigError) as err:
        snowflake_destination(env={})
    message = str(err.value)
    assert "BOSCO_SNOWFLAKE_DATABASE" in message and "DESTINATION__SNOWFLAKE__CREDENTIALS__DATABASE" in message
    assert "HOST" not in message  # the account is set


def test_dlt_fallback_without_user_or_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESTINATION__SNOWFLAKE__CREDENTIALS__HOST", "dltorg-acct")
    monkeypatch.setenv("DESTINATION__SNOWFLAKE__CREDENTIALS__DATABASE", "DLTDB")
    with pytest.raises(ConfigError, match="BOSCO_SNOWFLAKE_USER.*BOSCO_SNOWFLAKE_PASSWORD"):
        snowflake_destination(env={})


@pytest.mark.snowflake
def test_real_tiny_load_into_snowflake(isolated_dlt: Path) -> None:
    """Loads two rows into RAW and reads them back (needs BOSCO_SNOWFLAKE_* in the env)."""
    import dlt

    from bosco_connectors.destinations.snowflake import snowflake_connection

    if not os.environ.get("BOSCO_SNOWFLAKE_ACCOUNT"):
        pytest.fail("set BOSCO_SNOWFLAKE_ACCOUNT and friends to run the snowflake-marked tests")
    pipeline = dlt.pipeline(
        "bosco_snowflake_smoke",
        destination=snowflake_destination(tenant_id="smoke", source="smoke_test"),
        dataset_name="raw",
        pipelines_dir=str(isolated_dlt / "pipelines"),
    )
    rows = [{"tenant_id": "smoke", "id": 1, "n": 10}, {"tenant_id": "smoke", "id": 2, "n": 32}]
    pipeline.run(rows, table_name="smoke_test_items", write_disposition="replace")
    conn = snowflake_connection(tenant_id="smoke", purpose="smoke-test")
    try:
        cur = conn.cursor()
        cur.execute("select sum(n) from raw.smoke_test_items where tenant_id = 'smoke'")
        assert cur.fetchone()[0] == 42
        cur.execute("show parameters like 'QUERY_TAG' in session")
        assert json.loads(cur.fetchone()[1])["app"] == "bosco-sync"
    finally:
        conn.close()


def test_recipe_connection_carries_the_query_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    import snowflake.connector

    from bosco_connectors.destinations.snowflake import snowflake_connection

    captured: dict = {}
    monkeypatch.setattr(snowflake.connector, "connect", lambda **kwargs: captured.update(kwargs) or "conn")
    env = {**BASE, "BOSCO_SNOWFLAKE_PASSWORD": PASSWORD}
    assert snowflake_connection(tenant_id="acme", env=env, schema="ANALYTICS") == "conn"
    assert json.loads(captured["session_parameters"]["QUERY_TAG"]) == {"app": "bosco-sync", "tenant": "acme", "operation": "recipes"}
    assert (captured["account"], captured["user"], captured["password"], captured["database"], captured["schema"]) == (
        "myorg-acct1", "BOSCO_LOADER", PASSWORD, "MARKETING", "ANALYTICS",
    )
    assert captured["warehouse"] == "LOAD_WH" and captured["timezone"] == "UTC"


@pytest.mark.parametrize(
    "extra, load, transform",
    [
        ({}, "LOAD_WH", "LOAD_WH"),  # one warehouse for both
        ({"BOSCO_SNOWFLAKE_LOAD_WAREHOUSE": "INGEST_XS", "BOSCO_SNOWFLAKE_TRANSFORM_WAREHOUSE": "BUILD_M"}, "INGEST_XS", "BUILD_M"),
        ({"BOSCO_SNOWFLAKE_TRANSFORM_WAREHOUSE": "BUILD_M"}, "LOAD_WH", "BUILD_M"),
    ],
)
def test_loads_and_recipe_builds_run_on_their_own_warehouses(extra, load, transform) -> None:
    from bosco_connectors.destinations.snowflake import connector_params

    env = {**BASE, "BOSCO_SNOWFLAKE_PASSWORD": PASSWORD, **extra}
    loader = _resolved(snowflake_destination(env=env, tenant_id="acme", source="tiktok_ads"))
    assert loader.credentials.to_connector_params()["warehouse"] == load
    assert json.loads(loader.query_tag.format(**DLT_TAGS))["tenant"] == "acme"
    recipes = connector_params(env=env)
    assert recipes["warehouse"] == transform
