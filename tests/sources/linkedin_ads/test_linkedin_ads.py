"""The declared linkedin_ads source: documented bodies, Rest.li requests, errors, the demo world.

Expected values come from the documented bodies (cassettes/linkedin_ads/) or from the
fake world itself, never from the connector's own code.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
import json
import re
from datetime import date
from functools import partial

import httpx
import pytest

from bosco_connectors.framework import ApiError, AuthError, ConfigError, RetryableApiError, RetryPolicy
from bosco_connectors.sandbox import FakeApi, FakeRequest, FakeResponse
from bosco_connectors.sources.linkedin_ads import API, LATEST_VERSION, connector, source
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder

from .conftest import make_pipeline, query

ACCOUNT = "507404993"


def documented(stream: str) -> list[dict]:
    fixtures = Fixtures.load(fixture_folder("linkedin_ads"))
    return [e for x in fixtures.data(stream) for e in fixtures.body(x)["elements"]]


@pytest.fixture(scope="module")
def replayed(module_tmp):
    """The documented sync every read-only test below queries (run once for the module)."""
    folder = module_tmp / "replayed"
    fixtures = Fixtures.load(fixture_folder("linkedin_ads"))
    app = FixtureApp(fixtures)
    with FakeApi([app]) as api:
        make_pipeline(folder).run(source(**app.source_config(api.url(app.prefix))))
    assert not app.unmatched
    return folder


def test_report_elements_load_as_rows_of_their_pivots_and_day(replayed):
    """pivotValues URNs become the ids of their levels, dateRange.start the day, money text a number."""
    loaded = {r[0]: r[1:] for r in query(replayed, "select campaign_id, campaign_group_id, date, impressions, "
                                                   "cost_in_local_currency, conversion_value_in_local_currency, account_id "
                                                   "from raw.linkedin_ads_report_campaign_daily")}
    elements = documented("report_campaign_daily")
    assert len(loaded) == len(elements)
    for element in elements:
        group_urn, campaign_urn = element["pivotValues"]
        start = element["dateRange"]["start"]
        assert loaded[campaign_urn.split(":")[-1]] == (
            group_urn.split(":")[-1], date(start["year"], start["month"], start["day"]), element["impressions"],
            money(element["costInLocalCurrency"]), money(element["conversionValueInLocalCurrency"]), ACCOUNT)


def money(text: str) -> Decimal:
    """Money text as loaded: exact, nine decimal places, half to even (LinkedIn sends float noise)."""
    return Decimal(text).quantize(Decimal("1e-9"), rounding=ROUND_HALF_EVEN)


def test_the_creative_report_names_all_three_levels(replayed):
    rows = set(query(replayed, "select campaign_group_id, campaign_id, creative_id from raw.linkedin_ads_report_creative_daily"))
    assert rows == {tuple(u.split(":")[-1] for u in e["pivotValues"]) for e in documented("report_creative_daily")}


def test_entities_keep_ids_not_urns(replayed):
    creatives = {r[0]: r[1:] for r in query(replayed, "select id, campaign_id, account_id, epoch_ms(created_at), "
                                                      "intended_status from raw.linkedin_ads_creatives")}
    for c in documented("creatives"):
        assert creatives[c["id"].removeprefix("urn:li:sponsoredCreative:")] == (
            c["campaign"].removeprefix("urn:li:sponsoredCampaign:"), ACCOUNT, c["createdAt"], c["intendedStatus"])
    campaigns = dict(query(replayed, "select id, campaign_group_id from raw.linkedin_ads_campaigns"))
    assert campaigns == {str(c["id"]): c["campaignGroup"].removeprefix("urn:li:sponsoredCampaignGroup:") for c in documented("campaigns")}
    assert query(replayed, "select id, name, currency from raw.linkedin_ads_ad_accounts") == [(ACCOUNT, "Marketing Test Account", "USD")]


def test_lists_of_text_stay_in_their_row(replayed):
    """servingStatuses is a list of strings: a JSON column of the campaign, not a child table without tenant_id."""
    tables = {r[0] for r in query(replayed, "select table_name from information_schema.tables where table_schema = 'raw'")}
    assert not [t for t in tables if "serving" in t]
    statuses = dict(query(replayed, "select id, serving_statuses from raw.linkedin_ads_campaign_groups"))
    assert {k: json.loads(v) for k, v in statuses.items()} == {str(g["id"]): g["servingStatuses"] for g in documented("campaign_groups")}


# -- requests -----------------------------------------------------------------------------


class Recorder:
    """A fake LinkedIn behind httpx.MockTransport: records raw query strings, answers one element per day."""

    def __init__(self, cap_first: bool = False) -> None:
        self.requests: list[httpx.Request] = []
        self.cap_first = cap_first

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        first, last = ranges(request)[0]
        days = [date.fromordinal(d) for d in range(first.toordinal(), last.toordinal() + 1)]
        if self.cap_first and len(self.requests) == 1:
            days = [first] * 15_000
        elements = [{"pivotValues": ["urn:li:sponsoredCampaignGroup:7", "urn:li:sponsoredCampaign:9"],
                     "dateRange": {"start": {"year": d.year, "month": d.month, "day": d.day},
                                   "end": {"year": d.year, "month": d.month, "day": d.day}},
                     "impressions": 10, "clicks": 1, "costInLocalCurrency": "1.5"} for d in days]
        return httpx.Response(200, json={"paging": {"start": 0, "count": 10, "links": []}, "elements": elements})


def ranges(request: httpx.Request) -> list[tuple[date, date]]:
    raw = request.url.query.decode()
    found = re.findall(r"start:\(year:(\d+),month:(\d+),day:(\d+)\),end:\(year:(\d+),month:(\d+),day:(\d+)\)", raw)
    return [(date(*map(int, f[:3])), date(*map(int, f[3:]))) for f in found]


class TokenEndpoint:
    """LinkedIn's token endpoint on the loopback fake server (the token exchange has a client of its own)."""

    prefix = "oauth"

    def handle(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse.json({"access_token": "AQX-minted-token-123456", "expires_in": 5183999})


def run_report(tmp_path, monkeypatch, recorder: Recorder, end: str = "2026-11-03") -> None:
    fast = RetryPolicy(max_attempts=2, initial_wait=0.0, max_wait=0.0, jitter=0.0)
    monkeypatch.setattr(connector, "client_factory", partial(connector.client_factory, retry=fast, sleep=lambda _s: None,
                                                             transport=httpx.MockTransport(recorder)))
    with FakeApi([TokenEndpoint()]) as api:
        config = {"client_id": "app", "client_secret": "app-secret-0123456789", "refresh_token": "refresh-0123456789abcdef",
                  "token_url": api.url("oauth") + "/token", "account_ids": f"urn:li:sponsoredAccount:{ACCOUNT}",
                  "start_date": "2026-11-01", "end_date": end}
        make_pipeline(tmp_path).run(source(**config, streams=["report_campaign_daily"]))


def test_the_query_is_written_in_rest_li_2_form(tmp_path, monkeypatch):
    recorder = Recorder()
    run_report(tmp_path, monkeypatch, recorder)
    (request,) = recorder.requests
    raw = request.url.query.decode()
    assert request.url.path == "/rest/adAnalytics"
    assert "accounts=List(urn%3Ali%3AsponsoredAccount%3A507404993)" in raw.split("&")
    assert "dateRange=(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:3))" in raw.split("&")
    assert {"q=statistics", "pivots=List(CAMPAIGN_GROUP,CAMPAIGN)", "timeGranularity=DAILY"} <= set(raw.split("&"))
    fields = dict(p.split("=", 1) for p in raw.split("&"))["fields"]
    assert {"dateRange", "pivotValues", "costInLocalCurrency", "externalWebsiteConversions"} <= set(fields.split(","))
    assert request.headers["LinkedIn-Version"] == LATEST_VERSION and request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert request.headers["Authorization"] == "Bearer AQX-minted-token-123456"
    assert query(tmp_path, "select count(*), sum(cost_in_local_currency) from raw.linkedin_ads_report_campaign_daily") == [(3, 4.5)]


def test_an_answer_at_the_15000_element_cap_is_read_again_in_halves(tmp_path, monkeypatch):
    """adAnalytics cuts an answer at 15,000 elements without saying so: such an answer is never loaded."""
    recorder = Recorder(cap_first=True)
    run_report(tmp_path, monkeypatch, recorder)
    assert [ranges(r)[0] for r in recorder.requests] == [
        (date(2026, 11, 1), date(2026, 11, 3)), (date(2026, 11, 1), date(2026, 11, 2)), (date(2026, 11, 3), date(2026, 11, 3))]
    assert query(tmp_path, "select count(*) from raw.linkedin_ads_report_campaign_daily") == [(3,)]


def test_search_finders_ask_for_every_status(tmp_path):
    """Removed and archived groups still carry spend: the search names every documented status."""
    fixtures = Fixtures.load(fixture_folder("linkedin_ads"))
    app = FixtureApp(fixtures)
    seen: list[str] = []
    handle = app.handle

    def spy(request):
        seen.append(f"{request.path}?{request.arg('search')}")
        return handle(request)

    app.handle = spy
    with FakeApi([app]) as api:
        make_pipeline(tmp_path).run(source(**app.source_config(api.url(app.prefix)), streams=["campaign_groups", "campaigns"]))
    assert "/adAccounts/507404993/adCampaignGroups?(status:(values:List(ACTIVE,ARCHIVED,CANCELED,DRAFT,PAUSED,PENDING_DELETION,REMOVED)))" in seen
    assert "/adAccounts/507404993/adCampaigns?(status:(values:List(ACTIVE,PAUSED,ARCHIVED,COMPLETED,CANCELED,DRAFT,PENDING_DELETION,REMOVED)))" in seen


# -- errors and config ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, {"message": "Empty oauth2_access_token", "serviceErrorCode": 401, "status": 401}, AuthError),
        (200, {"message": "Empty oauth2_access_token", "serviceErrorCode": 401, "status": 401}, AuthError),
        (403, {"message": "Not enough permissions to access: adAnalytics.FINDER-statistics", "serviceErrorCode": 100, "status": 403}, AuthError),
        (429, {"message": "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.", "status": 429}, RetryableApiError),
        (500, {"message": "Internal Server Error", "status": 500}, RetryableApiError),
        (426, {"message": "Requested version 20240101 is not active", "status": 426}, ApiError),
        (400, {"message": "Invalid param", "status": 400}, ApiError),
    ],
)
def test_error_map(status, body, kind):
    error = API.errors.policy().for_status(httpx.Response(status), body)
    assert type(error) is kind
    assert body["message"] in str(error)


def test_a_full_answer_is_no_error():
    assert API.errors.policy().for_status(httpx.Response(200), {"paging": {"start": 0}, "elements": []}) is None


CREDENTIALS = {"client_id": "app", "client_secret": "s" * 20, "refresh_token": "r" * 20}


def test_config_accepts_account_urns():
    config = connector.validate({**CREDENTIALS, "account_ids": "urn:li:sponsoredAccount:507404993, 507404993,12"})
    assert config.account_ids == ["507404993", "12"]
    assert config.linkedin_version == LATEST_VERSION


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"linkedin_version": "2026-07"}, "linkedin_version"),
        ({"account_ids": "urn:li:sponsoredCampaign:1"}, "ad account ids"),
        ({"refresh_token": None}, "refresh_token"),
    ],
)
def test_config_errors_say_what_is_wrong(change, says):
    with pytest.raises(ConfigError) as info:
        connector.validate({**CREDENTIALS, "account_ids": "1", **change})
    assert says in str(info.value)

