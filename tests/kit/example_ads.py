"""Example Ads: a small declared source that the conformance kit is tested against.

Not a real vendor and not registered in pyproject: the kit's own tests run it, and break
it on purpose (`tests/kit/variants.py`) to prove that each guarantee of the kit fails when
a source breaks it. Its "documentation" is this docstring; `tests/kit/fixtures/` follows it.

Example Ads API v2, base ``https://api.example-ads.test/v2/``, ``Authorization: Bearer <token>``:

- ``GET accounts?ids=["1","2"]`` -> ``{"data": [account, ...]}``, every account at once;
- ``GET accounts/{id}/campaigns?limit=N[&cursor=...]`` -> ``{"data": [...], "paging":
  {"next_cursor": "..." | null}}``; campaigns carry their labels as a nested list; no
  updated-since filter;
- ``GET accounts/{id}/stats?level=campaign|ad&since=YYYY-MM-DD&until=YYYY-MM-DD&offset=&limit=``
  -> ``{"data": [...], "paging": {"total": N}}``, one row per object and day, at most 90
  days per request; conversions keep being attributed to a day for 3 days;
- errors: ``{"error": {"code": 4010, "message": ..., "request_id": ...}}``: 4010 the token
  is invalid (HTTP 401), 4290 too many requests (HTTP 429, ``Retry-After``).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

from pydantic import Field, SecretStr

from bosco_connectors.framework import Child, ChildContract, Contract, Id, IdList, SourceConfig
from bosco_connectors.framework.auth import Bearer
from bosco_connectors.framework.connector import Connector
from bosco_connectors.framework.declare import Api, RateBudget, declare
from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.http import RetryPolicy
from bosco_connectors.framework.paginators import CursorInBody, OffsetLimit, SinglePage
from bosco_connectors.framework.params import Batches, ForEach, WindowParams
from bosco_connectors.framework.records import Records
from bosco_connectors.framework.spec import Cursor, FullRefresh, RestStream, Stream
from bosco_connectors.framework.unified import Entity, Lookup, Performance

NAME = "example_ads"
FIXTURES = Path(__file__).parent / "fixtures"
AUTH_CODE, RATE_CODE = 4010, 4290


class ExampleConfig(SourceConfig):
    api_token: SecretStr = Field(description="API token, sent as a Bearer token.")
    account_ids: IdList = Field(min_length=1, description="Account ids.")
    page_size: int = Field(default=100, ge=1, le=500, description="Rows per page.")
    include_ad_stats: bool = Field(default=False, description="Also load the daily report per ad (an optional stream).")


class Account(Contract):
    id: Id
    name: str | None = None
    currency: str | None = None
    timezone: str | None = None
    status: str | None = None


class Label(ChildContract):
    """A row of ``example_ads_campaigns__labels``, a child table (its ``campaign_id`` filled from its campaign)."""

    id: Id
    name: str | None = None


class Campaign(Contract):
    id: Id
    account_id: Id
    name: str | None = None
    status: str | None = None
    objective: str | None = None
    daily_budget: float | None = None
    labels: list[Label] = []


class Daily(Contract):
    account_id: Id
    date: date
    spend: float | None = None
    impressions: int | None = None
    clicks: int | None = None
    conversions: int | None = None
    revenue: float | None = None


class CampaignDaily(Daily):
    campaign_id: Id


class AdDaily(Daily):
    campaign_id: Id
    ad_id: Id


API = Api(
    base_url="https://api.example-ads.test/v2/",
    auth=Bearer("api_token"),
    errors=ErrorMap("Example", code="error.code", request_id="error.request_id",
                    codes={AUTH_CODE: Action.AUTH, RATE_CODE: Action.RETRY}),
    rate=RateBudget(per_second=20),
    retry=RetryPolicy(max_attempts=4, initial_wait=1.0, max_wait=8.0),
)

PER_ACCOUNT = ForEach("account_ids", "account_id")
LOOKBACK = timedelta(days=3)  # conversions are attributed to a day for 3 days


def accounts() -> RestStream:
    return RestStream(
        name="accounts", path="accounts", partitions=Batches("account_ids", "ids", size=50),
        records=Records("data"), paginator=SinglePage, contract=Account, primary_key=("id",),
        cursor=FullRefresh("accounts are few and have no updated-since filter"),
        unified=Entity("account", id="id", name="name", currency="currency", timezone="timezone",
                       status="status", active_status="ACTIVE"),
    )


def campaigns(size: int, cls: type[RestStream] = RestStream, **changes: Any) -> RestStream:
    spec: dict[str, Any] = dict(
        name="campaigns", path="accounts/{account_id}/campaigns", params={"limit": size}, partitions=PER_ACCOUNT,
        records=Records("data", from_partition=("account_id",)),
        paginator=lambda: CursorInBody(token_path="paging.next_cursor", param="cursor"),
        contract=Campaign, primary_key=("id",), cursor=FullRefresh("the API has no updated-since filter"),
        children=(Child("labels", primary_key=("id",), parent_key="campaign_id"),),  # a label names no campaign: filled
        unified=Entity("campaign", id="id", name="name", account="account_id", status="status",
                       active_status="ACTIVE", objective="objective"),
    )
    return cls(**{**spec, **changes})


def daily(level: str, size: int, cls: type[RestStream] = RestStream, **changes: Any) -> RestStream:
    contract, key = (CampaignDaily, "campaign_id") if level == "campaign" else (AdDaily, "ad_id")
    spec: dict[str, Any] = dict(
        name=f"{level}_daily", path="accounts/{account_id}/stats", params={"level": level}, partitions=PER_ACCOUNT,
        window=WindowParams("since", "until"), paginator=lambda: OffsetLimit(limit=size, total_path="paging.total"),
        records=Records("data", from_partition=("account_id",)), contract=contract, primary_key=(key, "date"),
        arrow=True, cursor=Cursor("date", lookback=LOOKBACK, window=timedelta(days=90)),
        unified=Performance(level, date="date", account="account_id", spend="spend", impressions="impressions",
                            clicks="clicks", conversions="conversions", conversion_value="revenue",
                            currency=Lookup("accounts", "id", "currency"),
                            campaign="campaign_id", **({"ad": "ad_id"} if level == "ad" else {})),
    )
    return cls(**{**spec, **changes})


def streams(config: ExampleConfig | None) -> list[Stream]:
    size = config.page_size if config is not None else 100
    optional = [daily("ad", size)] if config is not None and config.include_ad_stats else []
    return [accounts(), campaigns(size), daily("campaign", size), *optional]


def build(*, api: Api = API, streams: Callable[[Any], list[Stream]] = streams) -> Connector:
    """The connector; variants pass their own API or streams."""
    return declare(
        NAME, title="Example Ads", api=api, config=ExampleConfig, streams=streams, api_version="v2",
        docs_url="https://docs.example-ads.test/v2", category="ads", fixtures_dir=FIXTURES,
        description="A small declared source the conformance kit's own tests run and break.",
    )


connector = build()

__all__ = ["API", "ExampleConfig", "build", "campaigns", "connector", "daily"]
