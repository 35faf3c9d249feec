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

#: What one ad platform spends a day in a world of each size, in each account's currency.
#: Sized to the fake store's revenue (sandbox/shopify.py: about 1k a day in tiny and small
#: worlds, 3.6k medium, 14k large), so that three platforms at their usual returns claim
#: 1.2-2.5 times what the store made: platforms overlap (one order, several claims), as
#: in real accounts, and a demo's blended numbers look like a real shop's.
DAILY_SPEND: dict[str, float] = {"tiny": 90.0, "small": 150.0, "medium": 500.0, "large": 1900.0}


@dataclass(frozen=True)
class Profile:
    """How one kind of platform converts money into clicks and orders (ranges drawn per ad-day)."""

    cpc: tuple[float, float]  # cost per click
    ctr: tuple[float, float]  # clicks per impression
    cvr: tuple[float, float]  # conversions per click
    order_value: tuple[float, float] = (110.0, 230.0)  # near the fake store's orders


#: Per platform (a `World` namespace): cost per click, click-through and conversion rates
#: in the ranges their advertisers report (search dear with high intent; social and native
#: cheap with low intent; LinkedIn dear, B2B). ROAS = cvr * order value / cpc comes out
#: between about 1.5 and 5, as it does in real accounts.
PROFILES: dict[str, Profile] = {
    "google_ads": Profile(cpc=(0.8, 3.2), ctr=(0.025, 0.065), cvr=(0.025, 0.06)),
    "microsoft_ads": Profile(cpc=(0.6, 2.6), ctr=(0.02, 0.05), cvr=(0.02, 0.05)),
    "apple_search_ads": Profile(cpc=(0.8, 2.5), ctr=(0.04, 0.09), cvr=(0.02, 0.05)),
    "amazon_ads": Profile(cpc=(0.6, 1.6), ctr=(0.003, 0.008), cvr=(0.015, 0.04)),
    "facebook_ads": Profile(cpc=(0.5, 1.8), ctr=(0.008, 0.02), cvr=(0.015, 0.035)),
    "tiktok_ads": Profile(cpc=(0.3, 1.1), ctr=(0.005, 0.015), cvr=(0.008, 0.022)),
    "snapchat_ads": Profile(cpc=(0.3, 1.0), ctr=(0.004, 0.012), cvr=(0.006, 0.018)),
    "pinterest_ads": Profile(cpc=(0.4, 1.4), ctr=(0.003, 0.01), cvr=(0.01, 0.025)),
    "x_ads": Profile(cpc=(0.4, 1.5), ctr=(0.005, 0.015), cvr=(0.008, 0.02)),
    "linkedin_ads": Profile(cpc=(4.0, 9.0), ctr=(0.004, 0.009), cvr=(0.04, 0.09), order_value=(200.0, 450.0)),
    "taboola": Profile(cpc=(0.2, 0.8), ctr=(0.001, 0.004), cvr=(0.005, 0.015)),
    "outbrain": Profile(cpc=(0.2, 0.8), ctr=(0.001, 0.004), cvr=(0.005, 0.015)),
    "stackadapt": Profile(cpc=(0.8, 3.0), ctr=(0.001, 0.005), cvr=(0.01, 0.03)),
}
DEFAULT_PROFILE = Profile(cpc=(0.5, 2.0), ctr=(0.005, 0.02), cvr=(0.01, 0.03))

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
    #: Ids the first accounts take (a source configured with its one account: CM360's ``account_id``).
    account_ids: tuple[str, ...] = ()

    @cached_property
    def shape(self) -> dict[str, int]:
        shape = {**SIZES[self.size], **self.overrides}
        return {**shape, "accounts": len(self.account_ids)} if self.account_ids else shape

    @property
    def days(self) -> list[date]:
        n = self.shape["days"]
        return [self.end_date - timedelta(days=n - 1 - i) for i in range(n)]

    @property
    def start_date(self) -> date:
        return self.end_date - timedelta(days=self.shape["days"] - 1)  # days[0], without the list: asked per row

    def _id(self, kind: str, *parts: int) -> str:
        # Numeric-looking ids, as most ad platforms use; stable per seed/namespace.
        rng = stable_rng(self.seed, self.namespace, kind, *parts)
        return str(rng.randrange(10**15, 10**16))

    @cached_property
    def accounts(self) -> tuple[Account, ...]:
        s = self.shape
        accounts = []
        for a in range(s["accounts"]):
            account_id = self.account_ids[a] if a < len(self.account_ids) else self._id("account", a)
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

    @cached_property
    def profile(self) -> Profile:
        return PROFILES.get(self.namespace, DEFAULT_PROFILE)

    @cached_property
    def spend_per_ad(self) -> float:
        """The average daily spend of one ad: the platform's daily spend shared by its ads.

        A ``daily_spend`` override sets the platform's figure: a benchmark growing the world
        by campaigns keeps every ad delivering (at the size's own figure, 13,760 ads share
        $90 a day, and the ads spending nothing leave the reports: Criteo's sank to none)."""
        s = self.shape
        ads = s["accounts"] * s["campaigns"] * s["ad_groups"] * s["ads"]
        return (s.get("daily_spend") or DAILY_SPEND.get(self.size, DAILY_SPEND["small"])) / max(1, ads)

    def ad_metrics(self, ad_id: str, day: date) -> DailyMetrics:
        """Metrics of one ad on one day. Spend has cents; clicks, impressions and conversions
        follow from it through the platform's `Profile` (counts rounded up or down at random,
        so totals keep the expected rates however small each ad's day is)."""
        rng = stable_rng(self.seed, self.namespace, "metrics", ad_id, day.isoformat())
        if day > self.end_date or day < self.start_date or rng.random() < 0.08:
            return DailyMetrics(0.0, 0, 0, 0, 0.0)
        p = self.profile
        spend = round(self.spend_per_ad * rng.uniform(0.4, 1.6), 2)
        expected_clicks = spend / rng.uniform(*p.cpc)
        clicks = _whole(expected_clicks, rng)
        impressions = max(clicks, _whole(expected_clicks / rng.uniform(*p.ctr), rng))
        conversions = _whole(expected_clicks * rng.uniform(*p.cvr), rng)
        value = round(sum(rng.uniform(*p.order_value) for _ in range(conversions)), 2)
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


def _whole(expected: float, rng: random.Random) -> int:
    """`expected` rounded down or up at random, in proportion: the mean stays `expected`."""
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)
