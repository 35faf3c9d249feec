"""A deterministic web-traffic world, for the fake APIs of analytics sources.

Sessions per day by source / medium / campaign, landing page and device, and what they
did (users, engaged sessions, key events, purchases, revenue, page views). Paid traffic
comes from the ad platforms' own worlds (same seed, size, end date and overrides): a
campaign's sessions are its clicks times a landing rate, and its campaign name is the ad
platform's campaign name, so utm campaigns join to ad campaigns. Organic, direct and
e-mail traffic is added. Users are additive across rows, a simplification (analytics
tools count distinct users). Money is in cents of the property's currency.

What a vendor calls each dimension and measure is the source's business (GA4 declares its
API names in ``sources/ga4``); `Traffic.report` groups and sums for any of them, and tests
compute expected values from `Traffic.visits` directly.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache
from typing import Sequence
from urllib.parse import quote

from .world import World, stable_rng

#: utm_source, utm_medium, and the `World` namespace of that ad platform's fake API
#: (the connector's name), so campaign names match the platform's.
AD_CHANNELS = (
    ("tiktok", "paid_social", "tiktok_ads"),
    ("facebook", "paid_social", "facebook_ads"),
    ("google", "cpc", "google_ads"),
)
#: source, medium, campaign name (analytics tools' own placeholders), daily sessions range.
UNPAID_CHANNELS = (
    ("google", "organic", "(organic)", (40, 240)),
    ("(direct)", "(none)", "(direct)", (20, 150)),
    ("newsletter", "email", "weekly_digest", (0, 60)),
)
LANDING_PAGES = ("/", "/collections/sale", "/products/trail-runner", "/products/rain-shell", "/blog/packing-list")
DEVICES = ("desktop", "mobile", "tablet")
CHANNEL_GROUPS = {
    ("google", "cpc"): "Paid Search",
    ("tiktok", "paid_social"): "Paid Social",
    ("facebook", "paid_social"): "Paid Social",
    ("google", "organic"): "Organic Search",
    ("(direct)", "(none)"): "Direct",
    ("newsletter", "email"): "Email",
}
#: The additive measures of `Visits`, summed by `Traffic.report`.
MEASURES = ("sessions", "users", "new_users", "engaged_sessions", "key_events", "purchases",
            "purchase_revenue_cents", "revenue_cents", "page_views")


@dataclass(frozen=True)
class Visits:
    """The sessions of one day x source / medium / campaign x landing page x device."""

    day: date
    source: str
    medium: str
    campaign: str
    landing_page: str
    query: str
    device: str
    sessions: int
    users: int
    new_users: int
    engaged_sessions: int
    key_events: int
    purchases: int
    purchase_revenue_cents: int
    revenue_cents: int
    page_views: int

    @property
    def channel_group(self) -> str:
        return CHANNEL_GROUPS[(self.source, self.medium)]

    @property
    def landing_url(self) -> str:
        """The landing page with its utm query string (paid and e-mail traffic carry one)."""
        return self.landing_page + (f"?{self.query}" if self.query else "")


def split(total: int, weights: list[float]) -> list[int]:
    """Split an integer total by weights, exactly (largest remainder)."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


class Traffic:
    """The web traffic that goes with one `World` (see the module docstring)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._lock = threading.Lock()
        self._days: OrderedDict[date, list[Visits]] = OrderedDict()

    @staticmethod
    def of(world: World) -> "Traffic":
        """One shared `Traffic` per world (its days are cached: a report reads each day once)."""
        return _shared(world.seed, world.size, world.end_date, tuple(sorted(world.overrides.items())))

    @cached_property
    def platforms(self) -> dict[str, World]:
        w = self.world
        return {ns: World(w.seed, w.size, namespace=ns, end_date=w.end_date, overrides=dict(w.overrides)) for _, _, ns in AD_CHANNELS}

    def channel_sessions(self, day: date) -> list[tuple[str, str, str, int]]:
        """(source, medium, campaign name, sessions) of every channel with sessions that day."""
        if day < self.world.start_date or day > self.world.end_date:
            return []
        out, seed = [], self.world.seed
        for source, medium, namespace in AD_CHANNELS:
            platform = self.platforms[namespace]
            for account in platform.accounts:
                for campaign in account.campaigns:
                    clicks = sum(platform.ad_metrics(ad.id, day).clicks for g in campaign.ad_groups for ad in g.ads)
                    rate = stable_rng(seed, "traffic-landing-rate", campaign.id, day.isoformat()).uniform(0.55, 0.9)
                    if sessions := round(clicks * rate):
                        out.append((source, medium, campaign.name, sessions))
        for source, medium, campaign, (low, high) in UNPAID_CHANNELS:
            if sessions := stable_rng(seed, "traffic-unpaid", source, medium, day.isoformat()).randint(low, high):
                out.append((source, medium, campaign, sessions))
        return out

    def visits(self, day: date) -> list[Visits]:
        """Every non-empty cell of one day."""
        with self._lock:
            if day in self._days:
                self._days.move_to_end(day)
                return self._days[day]
        cells = self._build(day)
        with self._lock:
            self._days[day] = cells
            while len(self._days) > 400:
                self._days.popitem(last=False)
        return cells

    def report(self, start: date, end: date, dimensions: Sequence[str]) -> dict[tuple, dict[str, int]]:
        """The sum of every measure per group of `dimensions` (`Visits` attributes), days start..end."""
        groups: dict[tuple, dict[str, int]] = {}
        day = max(start, self.world.start_date)
        while day <= min(end, self.world.end_date):
            for cell in self.visits(day):
                sums = groups.setdefault(tuple(getattr(cell, d) for d in dimensions), dict.fromkeys(MEASURES, 0))
                for name in MEASURES:
                    sums[name] += getattr(cell, name)
            day += timedelta(days=1)
        return groups

    def _build(self, day: date) -> list[Visits]:
        cells, seed = [], self.world.seed
        for source, medium, campaign, total in self.channel_sessions(day):
            rng = stable_rng(seed, "traffic-split", source, medium, campaign, day.isoformat())
            slots = [(page, device) for page in LANDING_PAGES for device in DEVICES]
            weights = [rng.uniform(0.2, 1.0) * (2.0 if device == "mobile" else 1.0) for _, device in slots]
            query = "" if medium in ("organic", "(none)") else \
                f"utm_source={quote(source)}&utm_medium={quote(medium)}&utm_campaign={quote(campaign)}"
            for (page, device), sessions in zip(slots, split(total, weights), strict=True):
                if sessions == 0:
                    continue
                r = stable_rng(seed, "traffic-cell", source, medium, campaign, page, device, day.isoformat())
                users = sessions - int(sessions * r.uniform(0.0, 0.15))
                key_events = int(sessions * r.uniform(0.0, 0.09))
                purchases = min(key_events, round(key_events * r.uniform(0.3, 1.0)))
                purchase_cents = sum(r.randint(1_500, 15_000) for _ in range(purchases))
                cells.append(Visits(
                    day=day, source=source, medium=medium, campaign=campaign, landing_page=page, query=query, device=device,
                    sessions=sessions, users=users, new_users=round(users * r.uniform(0.2, 0.7)),
                    engaged_sessions=round(sessions * r.uniform(0.4, 0.8)), key_events=key_events, purchases=purchases,
                    purchase_revenue_cents=purchase_cents, revenue_cents=purchase_cents + sessions * r.randint(0, 3),
                    page_views=sessions * r.randint(1, 5),
                ))
        return cells


@lru_cache(maxsize=8)
def _shared(seed: int, size: str, end_date: date, overrides: tuple[tuple[str, int], ...]) -> Traffic:
    return Traffic(World(seed, size, namespace="traffic", end_date=end_date, overrides=dict(overrides)))
