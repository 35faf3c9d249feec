"""Config is validated before any request, with one readable line that never echoes a secret."""

from __future__ import annotations

from datetime import date

import pytest

from bosco_connectors.framework import ConfigError
from bosco_connectors.sources.facebook_ads import connector

GOOD = {"access_token": "EAAG-config-test-token-123", "account_ids": "act_123, 456", "start_date": "2026-10-01"}


def validate(**changes):
    return connector.validate({**GOOD, **changes})


def test_account_ids_accept_the_act_prefix_and_one_string():
    config = validate(account_ids="act_123, 456,act_123")
    assert config.account_ids == ["123", "456"]
    assert validate(account_ids=[789, "act_1"]).account_ids == ["789", "1"]


def test_defaults_follow_meta():
    config = validate()
    assert config.conversion_action_types == ["omni_purchase", "lead"]
    assert config.action_attribution_windows is None and config.app_secret is None
    assert (config.page_size, config.job_attempts, config.job_deadline_seconds) == (500, 2, 3600.0)


@pytest.mark.parametrize(
    ("changes", "field", "hint"),
    [
        ({"account_ids": "act_12x"}, "account_ids", "act_12x"),
        ({"account_ids": []}, "account_ids", "at least 1"),
        ({"access_token": None}, "access_token", "string"),
        ({"conversion_action_types": ["Purchase Value"]}, "conversion_action_types", "Purchase Value"),
        ({"conversion_action_types": []}, "conversion_action_types", "at least 1"),
        ({"action_attribution_windows": ["3d_click"]}, "action_attribution_windows", "3d_click"),
        ({"page_size": 0}, "page_size", "greater than or equal to 1"),
        ({"job_attempts": 9}, "job_attempts", "less than or equal to 5"),
        ({"base_url": "https://graph.facebook.com/v26.0?access_token=x"}, "base_url", "Graph API root"),
        ({"base_url": "graph.facebook.com"}, "base_url", "Graph API root"),
        ({"end_date": "2026-09-01"}, "config", "before start_date"),
        ({"lookback_days": -1}, "lookback_days", "greater than or equal to 0"),
        ({"unknown_option": 1}, "unknown_option", "Extra inputs"),
    ],
)
def test_bad_config_names_the_field(changes, field, hint):
    with pytest.raises(ConfigError) as info:
        validate(**changes)
    text = str(info.value)
    assert text.startswith("facebook_ads: invalid config:") and "\n" not in text
    assert f"'{field}'" in text and hint in text


def test_missing_token_is_named_and_secrets_are_not_echoed():
    with pytest.raises(ConfigError) as info:
        connector.validate({"account_ids": "1", "app_secret": "s3cr3t-app-secret-value", "page_size": "many"})
    assert "'access_token': Field required" in str(info.value)
    assert "s3cr3t-app-secret-value" not in str(info.value)


def test_start_date_and_base_url_are_normalised():
    config = validate(base_url="http://127.0.0.1:8080/facebook_ads/")
    assert config.base_url == "http://127.0.0.1:8080/facebook_ads"
    assert config.start_date == date(2026, 10, 1)


def test_resources_validate_before_building_a_client(monkeypatch):
    def no_client(config):
        raise AssertionError("a client was built for an invalid config")

    monkeypatch.setattr(connector, "client_factory", no_client)
    with pytest.raises(ConfigError):
        connector.resources({**GOOD, "account_ids": "nope"})


def test_extra_metrics_are_checked_against_the_published_insights_fields():
    """Meta's SDK lists every Ads Insights field: a name outside it fails before any request, one line."""
    from bosco_connectors.framework import ConfigError
    from bosco_connectors.sources.facebook_ads import connector
    from bosco_connectors.sources.facebook_ads.insights import insights_params

    base = {"access_token": "EAAG" + "x" * 30, "account_ids": ["123"], "start_date": "2026-11-01"}
    config = connector.validate({**base, "extra_metrics": ["cost_per_unique_click", "video_p25_watched_actions", "spend", "purchase_roas"]})
    assert config.extra_metrics == ["cost_per_unique_click", "video_p25_watched_actions"]  # spend, purchase_roas are read anyway
    stream = next(s for s in connector.active_streams(config) if s.name == "insights_campaign_daily")
    assert {"cost_per_unique_click", "video_p25_watched_actions"} <= set(stream.contract.model_fields)
    fields = insights_params("campaign", config.start_date, config.start_date, config)["fields"]
    assert fields[-2:] == ["cost_per_unique_click", "video_p25_watched_actions"]
    with pytest.raises(ConfigError) as info:
        connector.validate({**base, "extra_metrics": ["purchase_roaz"]})
    assert "not in Meta insights's published field list: purchase_roaz" in str(info.value)
    assert len(str(info.value).splitlines()) == 1
