"""The generated fake of a source given as an object: no registry, fixtures from its own folder.

The example is registered nowhere, keeps its fixtures in ``tests/kit/fixtures`` (its
``fixtures_dir``), and has an optional stream (``ad_daily``, behind ``include_ad_stats``).
"""

from __future__ import annotations

from datetime import date

import httpx

from bosco_connectors.framework.registry import source_names
from bosco_connectors.sandbox import FakeApi, app_for
from bosco_connectors.sandbox.generated import GeneratedApp
from tests.kit import example_ads, variants

END = date(2026, 11, 20)


def test_a_fake_is_generated_from_a_connector_object() -> None:
    assert example_ads.NAME not in source_names()
    app = GeneratedApp(connector=example_ads.connector, size="tiny", end_date=END)
    assert app.source == "example_ads" and app.fixtures.folder == example_ads.FIXTURES


def test_app_for_builds_the_fake_of_the_object_it_is_given() -> None:
    variant = variants.cursor_ignored()
    assert app_for(variant, size="tiny", end_date=END).connector is variant


def test_the_fake_serves_the_streams_only_an_option_turns_on() -> None:
    app = GeneratedApp(connector=example_ads.connector, size="tiny", end_date=END)
    with FakeApi([app]) as api:
        config = app.source_config(api.url(app.prefix))
        account = config["account_ids"][0]
        response = httpx.get(
            f"{config['base_url']}accounts/{account}/stats",
            params={"level": "ad", "since": "2026-11-19", "until": "2026-11-20", "offset": 0, "limit": 100},
            headers={"Authorization": f"Bearer {config['api_token']}"},
        )
    assert response.status_code == 200, response.text
    rows = response.json()["data"]
    # tiny world: 2 campaigns x 2 ad groups x 2 ads, 2 days (an ad without delivery that day is left out)
    assert rows and {r["date"] for r in rows} <= {"2026-11-19", "2026-11-20"} and all("ad_id" in r for r in rows)
    assert "include_ad_stats" not in config  # the option stays the client's choice


def test_the_token_endpoint_checks_a_client_secret_sent_as_basic_auth() -> None:
    """The client-credentials grant with the secret in HTTP basic auth (PayPal's way): the fake
    grants a token for its sandbox secret only, not for any ``Authorization`` header at all."""
    app = GeneratedApp(connector=example_ads.connector, size="tiny", end_date=END)
    secret = app.credentials["api_token"]
    with FakeApi([app]) as api:
        answers = {password: httpx.post(api.url(app.prefix) + "/token", data={"grant_type": "client_credentials"},
                                        auth=("an-app-id", password)).status_code for password in (secret, "wrong")}
    assert answers == {secret: 200, "wrong": 400}
