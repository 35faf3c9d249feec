"""App-wide vendor budgets: the declarations, bosco.toml's overrides, and the lanes that share them."""

from __future__ import annotations

import pytest

from bosco_connectors.framework import ApiClient, AppLimits, RateLimit
from bosco_connectors.framework.errors import ConfigError
from bosco_connectors.framework.registry import get_connector
from bosco_connectors.orchestration.lanes import Lanes, fit, lanes_for, lanes_wanted, limit_name
from bosco_connectors.project import parse_project

PROJECT = "[[tenants]]\nid = 'a'\n[tenants.sources.tiktok_ads]\n"


@pytest.mark.parametrize(
    "source, per_second",
    [("tiktok_ads", 10), ("snapchat_ads", 20), ("sa360", 50), ("dv360", 25), ("cm360", 1)],
)
def test_sources_declare_the_app_budget_their_docs_state(source, per_second):
    limits = get_connector(source).app_limits
    assert limits and limits.requests_per_second == per_second and limits.docs.startswith("https://")


def test_a_source_counted_per_credential_declares_no_app_budget():
    assert get_connector("shopify").app_limits is None  # a leaky bucket per app *and shop*


@pytest.mark.parametrize(
    "limits, lanes",
    [
        (AppLimits(per_second=10), Lanes(10, None, 1.0, None)),  # TikTok Basic: 10 lanes of 1 request/s
        (AppLimits(per_minute=3000), Lanes(50, None, 1.0, None)),
        (AppLimits(per_minute=30), Lanes(1, None, 0.5, None)),  # under 1/s: one lane
        (AppLimits(in_flight=2), Lanes(2, 1, None, None)),
        (AppLimits(per_second=20, in_flight=5), Lanes(5, 1, 4.0, None)),
        (AppLimits(in_flight=8, report_jobs=4), Lanes(4, 2, None, 1)),
    ],
)
def test_a_budget_is_cut_into_lanes_that_sum_to_it(limits, lanes):
    assert lanes_for(limits) == lanes
    whole = lanes.share(lanes.count)
    assert whole.in_flight in (None, limits.in_flight) or whole.in_flight <= limits.in_flight
    if limits.requests_per_second:
        assert whole.per_second == pytest.approx(limits.requests_per_second)


def test_a_sync_takes_its_own_concurrency_in_lanes_and_is_narrowed_to_their_share():
    client = ApiClient("tiktok_ads", "http://127.0.0.1:9/", rate_limit=RateLimit(max_concurrency=4, per_second=10))
    lanes = lanes_for(AppLimits(per_second=10, in_flight=5))
    taken = lanes_wanted(client, lanes)
    assert taken == 4
    fit(client, lanes.share(taken))
    assert client.limiter.limit == RateLimit(max_concurrency=4, per_second=8.0)
    narrow = lanes_for(AppLimits(in_flight=2))
    assert lanes_wanted(client, narrow) == 2
    fit(client, narrow.share(1))
    assert client.limiter.limit.max_concurrency == 1 and client.limiter.limit.per_second == 8.0  # never loosened
    assert limit_name("tiktok_ads") == "bosco-app-tiktok_ads"


def test_a_project_raises_a_tier_in_its_limits_table():
    project = parse_project(PROJECT + "[limits.tiktok_ads]\nper_second = 20\nin_flight = 8\n", "bosco.toml")
    assert project.limits["tiktok_ads"].requests_per_second == 20 and project.limits["tiktok_ads"].in_flight == 8


@pytest.mark.parametrize(
    "table, message",
    [
        ("[limits.tiktok_ads]\nper_hour = 3\n", "[limits.tiktok_ads] unknown key(s) per_hour"),
        ("[limits.tiktok_ads]\nper_second = 0\n", "[limits.tiktok_ads] per_second must be a positive number"),
        ("[limits.tiktok_ads]\nin_flight = 2.5\n", "[limits.tiktok_ads] in_flight must be a whole number"),
        ("[limits]\ntiktok_ads = 3\n", "[limits.tiktok_ads] must be a table"),
    ],
)
def test_bad_limits_are_one_clear_line(table, message):
    with pytest.raises(ConfigError) as caught:
        parse_project(PROJECT + table, "bosco.toml")
    assert message in str(caught.value)
