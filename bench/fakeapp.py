"""The benchmark's fake TikTok API: the fake generated from ``tiktok_ads``, set up for large reports.

`bench_app` is what `sandbox.app_for` gives for the declared ``tiktok_ads`` source (the
fake generated from its declarations and documented fixtures: same routes, credential,
envelope and ``page_info`` as every test sees), with two options of the generated fake:

- ``metrics=arithmetic_metrics``: each ad's daily metrics come from cheap arithmetic
  instead of the world's seeded RNG, every (ad, day) has a row, and a report is
  rendered a page at a time from pre-rendered pieces, so a 10M-row report costs the
  server neither minutes nor gigabytes, and the row count is known exactly: ads x days.
- ``page_cache=True`` (``cache``): each distinct page is rendered once and then served
  from memory; a benchmark warms it with one untimed pass, so that every contender then
  pays the same, near-zero server cost.
"""

from __future__ import annotations

from datetime import date

from bosco_connectors.sandbox import app_for
from bosco_connectors.sandbox.generated import GeneratedApp, arithmetic_metrics

SOURCE = "tiktok_ads"
#: Ad-level world shape: ads per account = campaigns x ad_groups x ads.
CAMPAIGNS, AD_GROUPS = 10, 10


def world_for(rows: int, accounts: int = 4, days: int = 90) -> dict[str, int]:
    """World overrides giving about `rows` ad-level report rows (accounts x ads x days)."""
    per_group = max(1, round(rows / (accounts * days * CAMPAIGNS * AD_GROUPS)))
    return {"accounts": accounts, "campaigns": CAMPAIGNS, "ad_groups": AD_GROUPS, "ads": per_group, "days": days}


def expected_rows(world: dict[str, int]) -> int:
    """Rows of the ad-level report: with `arithmetic_metrics` every (ad, day) has one."""
    return world["accounts"] * world["campaigns"] * world["ad_groups"] * world["ads"] * world["days"]


def bench_app(end_date: date, world: dict[str, int], cache: bool = False) -> GeneratedApp:
    from bosco_connectors.framework.registry import get_connector

    app = app_for(get_connector(SOURCE), seed=7, size="tiny", end_date=end_date, metrics=arithmetic_metrics, page_cache=cache, **world)
    assert isinstance(app, GeneratedApp)
    return app
