"""AdRoll: the NextRoll GraphQL Reporting API (unversioned; endpoint ``reporting/api/v1``), declared.

Reference: https://apidocs.nextroll.com/graphql-reporting-api/overview.html and its schema
https://apidocs.nextroll.com/graphql-reporting-api/schema.html (GraphQL, one endpoint
``POST https://services.adroll.com/reporting/api/v1/query``; NextRoll evolves the schema in
place, "without API versions"). It replaced the retired ``/report`` endpoints of the CRUD
API (Reporting API retired February 2022). The schema page is long and renders client-side
in parts, so the field names and types here follow its SDL transcription in
api-evangelist/adroll (graphql/adroll-reporting.graphql, "derived from the schema
reference NextRoll publishes, field by field"), cross-checked against the page's own
excerpts (cassettes/adroll/SOURCES.md names the source of every shape).

Auth (https://apidocs.nextroll.com/guides/get-started.html): every request carries the
application's Client ID in the ``apikey`` query parameter, plus a Personal Access Token as
``Authorization: Token <PAT>``. Quota: 100 requests per service per day by default, 10,000
for Basic-tier applications (https://apidocs.nextroll.com/guides/api-key-migration.html):
one query per advertisable and stream, never per campaign.

Per configured advertisable (``advertisable.byEID``): the advertisable itself (the unified
account, with its ``currency`` and conversion windows), its campaigns, ad groups and ads
(each ad read inside its ad group, so that it names it: ``Ad.inAdgroupEID`` is only set
there). Lists are not paginated: one answer holds them all. Objects are read in full every
run (no updated-since on campaigns and ad groups).

Daily report: ``campaigns { metrics(start, end, currency) { byDate { date ... } } }``, start
inclusive and end exclusive (the schema: "The date range will be: [start, end)"), days in
UTC. Money (``cost``, ``revenue``) is in the ``currency`` argument, whose documented
default is USD; we send the config's ``currency`` (default USD) and stamp it on each row.
Metrics are the schema's ``Decimal`` scalar, loaded as exact decimals whether sent as
JSON numbers or strings (the page does not say which).

Look-back 30 days: conversions are attributed to the day of the click or view within the
advertisable's click-through and view-through windows (``clickThroughConversionWindow``,
``viewThroughConversionWindow``, in days; NextRoll's attribution keeps "the full 30-day
window of impression and click history",
https://apidocs.nextroll.com/reporting-api/overview.html), and a day's delivery is final
48 hours after the start of the current UTC day (the GraphQL API's FAQ,
https://apidocs.nextroll.com/faq.html). Windows of 31 days are our choice: no range cap is
published for campaign metrics (the 30-day cap is for ABM account metrics only).

Errors: not standard GraphQL. An answer with ``has_errors`` carries
``errors: [{"id", "msg"}]`` and a ``request`` id (HTTP 200); the API proxy answers a missing
or wrong key with ``errors: [{"code", "message"}]`` (HTTP 401); HTTP 429 beyond the quota
(https://apidocs.nextroll.com/support.html), no rate headers documented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import Field, SecretStr, field_validator

from ...framework import IdList, SourceConfig
from ...framework.auth import AllOf, ApiKey
from ...framework.declare import Api, RateBudget, declare, source_function
from ...framework.errormap import Action, ErrorMap
from ...framework.http import RetryPolicy
from ...framework.paginators import PageRequest, SinglePage
from ...framework.params import ForEach, WindowParams
from ...framework.records import CURRENCY, Records, snake_case
from ...framework.spec import Contract, Cursor, FullRefresh, ReadContext, RestStream, Stream
from ...framework.unified import Entity, Lookup, Performance
from .contracts import Ad, AdGroup, Advertisable, Campaign, CampaignDaily

ENDPOINT = "reporting/api/v1/query"
TIMES = "%Y-%m-%dT%H:%M:%S%z"  # DateTime, ISO 8601 with its offset
#: AdRoll's camelCase names (and our aliases) -> column names.
SNAKE = {**snake_case(
    "isActive", "createdDate", "updatedDate", "startDate", "endDate", "clickThroughConversionWindow",
    "viewThroughConversionWindow", "adgroupEID", "campaignEID", "campaignName", "clickThroughs", "viewThroughs"),
    "destinationURL": "destination_url", "adgroupEID": "adgroup_eid", "campaignEID": "campaign_eid"}
DATES = {"created_date": TIMES, "updated_date": TIMES, "start_date": TIMES, "end_date": TIMES}
#: What AdRoll's metrics mean in the unified model.
MEANINGS = dict(
    clicks_are="clicks on the ads (Metric.clicks: 'the sum of clicks of all kinds of ads and emails')",
    conversions_are="click-through plus view-through conversions within the advertisable's attribution windows (Metric.conversions)",
    conversion_value_is="revenue: click- plus view-attributed conversion revenue, in the report's currency",
    date_is="a UTC day",
)


class AdRollConfig(SourceConfig):
    """Config of the ``adroll`` source (plus the fields every source accepts)."""

    personal_access_token: SecretStr = Field(description="A Personal Access Token (dashboard settings), sent as 'Authorization: Token <PAT>'.")
    api_key: SecretStr = Field(description="Your application's Client ID from developers.nextroll.com, sent as the apikey query parameter.")
    advertisable_eids: IdList = Field(min_length=1, description="Advertisable EIDs to read; a list, or one comma-separated string.")
    currency: str = Field(default="USD", description="ISO 4217 code the metrics are asked in (the API's default: USD).")
    requests_per_second: float = Field(default=1.0, gt=0, le=20, description="Our pace: NextRoll meters requests per day, not per second.")

    @field_validator("advertisable_eids")
    @classmethod
    def _eids(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not v.isalnum()]
        if bad:
            raise ValueError(f"advertisable EIDs are letters and digits such as XYZ3SLLMWFG5LIGMUBKU6E; not valid: {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))

    @field_validator("currency")
    @classmethod
    def _iso(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha():
            raise ValueError(f"currency is a 3-letter ISO 4217 code such as USD; not valid: {value!r}")
        return value.upper()


API = Api(
    base_url="https://services.adroll.com/",
    auth=AllOf(ApiKey("personal_access_token", header="Authorization", prefix="Token "), ApiKey("api_key", query="apikey")),
    errors=ErrorMap(
        # has_errors answers: errors[{id, msg}] + request; the API proxy: errors[{code, message}]
        "AdRoll", code=("errors.0.code", "errors.0.id"), message=("errors.0.message", "errors.0.msg"), request_id="request",
        codes={"apiproxy:3": Action.AUTH},
        hints={Action.AUTH: "check personal_access_token (a PAT, sent as 'Token') and api_key (the application's Client ID)"},
    ),
    rate=RateBudget(per_second="requests_per_second"),
    retry=RetryPolicy(max_attempts=5, initial_wait=5.0, max_wait=120.0),
)

PER_ADVERTISABLE = ForEach("advertisable_eids", "advertisable_eid")
ROOT = "data.advertisable.byEID"


def query(operation: str, selection: str, signature: str = "$advertisable: String!") -> dict[str, Any]:
    """The fixed body of one named query on one advertisable (``{advertisable_eid}``: the partition)."""
    text = " ".join(f"query {operation}({signature}) {{ advertisable {{ byEID(advertisable: $advertisable) {{ {selection} }} }} }}".split())
    return {"operationName": operation, "query": text, "variables": {"advertisable": "{advertisable_eid}"}}


def objects(name: str, operation: str, selection: str, records: Records, contract: type[Contract], unified: Entity,
            primary_key: tuple[str, ...] = ("eid",)) -> RestStream:
    return RestStream(
        name=name, path=ENDPOINT, method="POST", params=query(operation, selection), partitions=PER_ADVERTISABLE,
        paginator=SinglePage, records=records, contract=contract, primary_key=primary_key, unified=unified,
        cursor=FullRefresh("AdRoll's object lists have no updated-since filter and are not paginated: read whole"),
    )


@dataclass(kw_only=True)
class MetricsQuery(RestStream):
    """The daily report: each row is stamped with the currency its money was asked in."""

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        for record in self.record_spec.select(body):
            if isinstance(record, dict):
                record["currency"] = ctx.config.currency
        return response, body


CAMPAIGN_FIELDS = "eid advertisable name status channel type currency budget startDate endDate createdDate updatedDate"
ADGROUP_FIELDS = "eid campaign advertisable name status isActive createdDate updatedDate"
AD_FIELDS = "eid advertisable name status type width height destinationURL createdDate updatedDate"
METRICS = "date impressions clicks cost conversions clickThroughs viewThroughs revenue"


def streams(config: AdRollConfig | None) -> list[Stream]:
    return [
        objects("advertisables", "Advertisable",
                "eid name organization status isActive currency clickThroughConversionWindow viewThroughConversionWindow createdDate",
                Records(ROOT, rename=SNAKE, formats=DATES, from_partition=("advertisable_eid",)), Advertisable,
                Entity("account", id="eid", name="name", currency="currency")),
        objects("campaigns", "Campaigns", f"campaigns {{ {CAMPAIGN_FIELDS} }}",
                Records(f"{ROOT}.campaigns", rename=SNAKE, formats=DATES, units={"budget": CURRENCY}, from_partition=("advertisable_eid",)),
                Campaign, Entity("campaign", id="eid", name="name", account="advertisable", status="status", active_status="running")),
        objects("ad_groups", "AdGroups", f"adgroups {{ {ADGROUP_FIELDS} }}",
                Records(f"{ROOT}.adgroups", rename=SNAKE, formats=DATES, from_partition=("advertisable_eid",)), AdGroup,
                Entity("ad_group", id="eid", name="name", account="advertisable", campaign="campaign", status="status",
                       active_status="approved")),
        objects("ads", "Ads", f"adgroups {{ adgroupEID: eid ads {{ {AD_FIELDS} }} }}",
                Records(f"{ROOT}.adgroups", explode="ads", rename=SNAKE, formats=DATES, from_partition=("advertisable_eid",)), Ad,
                Entity("ad", id="eid", name="name", account="advertisable", ad_group="adgroup_eid",
                       campaign=Lookup("ad_groups", "eid", "campaign", on="ad_group"), status="status", active_status="running"),
                primary_key=("adgroup_eid", "eid")),
        MetricsQuery(
            name="campaign_daily", path=ENDPOINT, method="POST",
            params=query("CampaignDaily",
                         f"campaigns {{ campaignEID: eid campaignName: name metrics(start: $start, end: $end, currency: $currency) "
                         f"{{ byDate {{ {METRICS} }} }} }}",
                         "$advertisable: String!, $start: Date, $end: Date, $currency: String") | {
                "variables": {"advertisable": "{advertisable_eid}", "currency": "{currency}"}},
            window=WindowParams("variables.start", "variables.end", end_exclusive=True, in_body=True),
            partitions=PER_ADVERTISABLE, paginator=SinglePage,
            records=Records(f"{ROOT}.campaigns", explode="metrics.byDate", rename=SNAKE,
                            units={"cost": CURRENCY, "revenue": CURRENCY}, from_partition=("advertisable_eid",)),
            contract=CampaignDaily, primary_key=("campaign_eid", "date"), arrow=True,
            cursor=Cursor("date", lookback=timedelta(days=30), window=timedelta(days=31)),
            unified=Performance(
                "campaign", date="date", account="advertisable_eid", campaign="campaign_eid", campaign_name="campaign_name",
                spend="cost", impressions="impressions", clicks="clicks", conversions="conversions", conversion_value="revenue",
                currency="currency", account_name=Lookup("advertisables", "eid", "name"), sums_into=("account",), **MEANINGS,
            ),
        ),
    ]


connector = declare(
    "adroll", title="AdRoll", api=API, config=AdRollConfig, streams=streams, api_version="graphql reporting v1 (unversioned schema)",
    docs_url="https://apidocs.nextroll.com/graphql-reporting-api/overview.html", category="ads",
    support_policy="https://apidocs.nextroll.com/graphql-reporting-api/overview.html (one GraphQL schema evolved in place; the REST /report endpoints were retired in 2022)",
    description="AdRoll (NextRoll GraphQL Reporting API): advertisables, campaigns, ad groups, ads and daily campaign metrics.",
    # The API proxy's answer to a request without a valid key (observed; HTTP 401), answered with HTTP 200 by the kit.
    error_example={"errors": [{"code": "apiproxy:3", "message": "Missing 'apikey' query parameter."}]},
)
source = source_function(connector)

__all__ = ["connector", "source", "AdRollConfig", "API"]
