"""A deterministic marketing world that every fake vendor API serves from.

Entities (accounts, campaigns, ad groups, ads) and daily metrics are derived from a
seed, so the same seed always gives the same data, any (ad, day) can be computed on
demand without storing it (a 10M-row report costs no memory), and tests can compute
expected values independently of the code under test.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

SIZES: dict[str, dict[str, int]] = {
    # accounts, campaigns per account, ad groups per campaign, ads per ad group, days
    "tiny": dict(accounts=1, campaigns=2, ad_groups=2, ads=2, days=10),
    "small": dict(accounts=2, campaigns=3, ad_groups=2, ads=2, days=45),
    "medium": dict(accounts=5, campaigns=10, ad_groups=4, ads=5, days=90),
    "large": dict(accounts=20, campaigns=20, ad_groups=5, ads=10, days=365),
}

OBJECTIVES = ("CONVERSIONS", "TRAFFIC", "REACH", "APP_INSTALL", "VIDEO_VIEWS")
ADJECTIVES = ("Summer", "Evergreen", "Holiday", "Launch", "Retargeting", "Brand", "Prospecting", "Clearance")
NOUNS = ("Sale", "Awareness", "Bundle", "Promo", "Lookalike", "Catalog", "Search", "Video")


def stable_rng(*keys: object) -> random.Random:
    """A `random.Random` seeded from the keys, stable across processes and Python runs."""
    digest = hashlib.blake2b("|".join(map(str, keys)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


@dataclass(frozen=True)
class Ad:
    id: str
    name: str
    ad_group_id: str
    campaign_id: str
    account_id: str


@dataclass(frozen=True)
class AdGroup:
    id: str
    name: str
    campaign_id: str
    account_id: str
    ads: tuple[Ad, ...]


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    account_id: str
    objective: str
    daily_budget: float
    status: str
    ad_groups: tuple[AdGroup, ...]


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    currency: str
    timezone: str
    campaigns: tuple[Campaign, ...]


@dataclass(frozen=True)
class DailyMetrics:
    spend: float
    impressions: int
    clicks: int
    conversions: int
    conversion_value: float


@dataclass
class World:
    """Everything a fake API serves for one vendor (``namespace`` keeps ids apart)."""

    seed: int = 7
    size: str = "small"
    namespace: str = "vendor"
    end_date: date = field(default_factory=date.today)
    overrides: dict[str, int] = field(default_factory=dict)

    @cached_property
    def shape(self) -> dict[str, int]:
        return {**SIZES[self.size], **self.overrides}

    @property
    def days(self) -> list[date]:
        n = self.shape["days"]
        return [self.end_date - timedelta(days=n - 1 - i) for i in range(n)]

    @property
    def start_date(self) -> date:
        return self.days[0]

    def _id(self, kind: str, *parts: int) -> str:
        # Numeric-looking ids, as most ad platforms use; stable per seed/namespace.
        rng = stable_rng(self.seed, self.namespace, kind, *parts)
        return str(rng.randrange(10**15, 10**16))

    @cached_property
    def accounts(self) -> tuple[Account, ...]:
        s = self.shape
        accounts = []
        for a in range(s["accounts"]):
            account_id = self._id("account", a)
            campaigns = []
            for c in range(s["campaigns"]):
                rng = stable_rng(self.seed, self.namespace, "campaign", a, c)
                campaign_id = self._id("campaign", a, c)
                groups = []
                for g in range(s["ad_groups"]):
                    group_id = self._id("ad_group", a, c, g)
                    ads = tuple(
                        Ad(self._id("ad", a, c, g, x), f"Ad {a}-{c}-{g}-{x}", group_id, campaign_id, account_id)
                        for x in range(s["ads"])
                    )
                    groups.append(AdGroup(group_id, f"Ad group {a}-{c}-{g}", campaign_id, account_id, ads))
                campaigns.append(
                    Campaign(
                        id=campaign_id,
                        name=f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {a}-{c}",
                        account_id=account_id,
                        objective=rng.choice(OBJECTIVES),
                        daily_budget=float(rng.choice((50, 100, 250, 500, 1000))),
                        status="ENABLE" if rng.random() > 0.15 else "DISABLE",
                        ad_groups=tuple(groups),
                    )
                )
            accounts.append(
                Account(account_id, f"{self.namespace.title()} account {a}", ("USD", "EUR", "GBP")[a % 3], "UTC", tuple(campaigns))
            )
        return tuple(accounts)

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    def ads(self, account_id: str) -> list[Ad]:
        account = self.account(account_id)
        if account is None:
            return []
        return [ad for c in account.campaigns for g in c.ad_groups for ad in g.ads]

    def ad_metrics(self, ad_id: str, day: date) -> DailyMetrics:
        """Metrics of one ad on one day. Spend has cents; value tracks conversions."""
        rng = stable_rng(self.seed, self.namespace, "metrics", ad_id, day.isoformat())
        if day > self.end_date or day < self.start_date or rng.random() < 0.08:
            return DailyMetrics(0.0, 0, 0, 0, 0.0)
        impressions = rng.randrange(200, 20000)
        clicks = int(impressions * rng.uniform(0.002, 0.04))
        conversions = int(clicks * rng.uniform(0.0, 0.12))
        spend = round(impressions / 1000 * rng.uniform(2.0, 14.0), 2)
        value = round(conversions * rng.uniform(15.0, 120.0), 2)
        return DailyMetrics(spend, impressions, clicks, conversions, value)

    def sum_metrics(self, ads: list[Ad], day: date) -> DailyMetrics:
        parts = [self.ad_metrics(ad.id, day) for ad in ads]
        return DailyMetrics(
            round(sum(p.spend for p in parts), 2),
            sum(p.impressions for p in parts),
            sum(p.clicks for p in parts),
            sum(p.conversions for p in parts),
            round(sum(p.conversion_value for p in parts), 2),
        )
