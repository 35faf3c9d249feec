"""The bad-input cases: one list that is both the test parameters and the docs table.

Each case sets up one kind of bad input for ``bosco-sync run`` (or another command that
touches loaded data: ``state reset``, ``demo``) against the fake TikTok API, after a good
run has loaded data, and states the line the operator must see and the exit code. `docs/bad-input.md` holds `render_table()` between its markers, and
``test_the_docs_table_is_this_list`` fails when the two drift apart. Regenerate with::

    python -m tests.reliability.bad_input_cases --write
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from bosco_connectors.sandbox import Fault

from .helpers import REPO

DOC = REPO / "docs" / "bad-input.md"
START, END = "<!-- cases:start -->", "<!-- cases:end -->"
DRIFT_DOC = REPO / "docs" / "schema-drift.md"
REPORTS = "report/integrated/get"


@dataclass
class Scenario:
    """What a case may change before the run: config, raw project text, env, the fake API."""

    config: dict[str, Any]
    env: dict[str, str]
    api: Any
    argv: list[str] = field(default_factory=lambda: ["run", "--config", "bosco.toml"])
    raw_project: str | None = None
    #: Environment variables the run gets besides the project's credential references.
    extra_env: dict[str, str] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] | None = None  # replaces the tenant's sources when set
    fast_retries: bool = False
    #: False: no bosco.toml at all (commands then work from their arguments alone).
    project: bool = True
    #: Files of the operator's, written before the command; they must come out unchanged.
    files: dict[str, bytes] = field(default_factory=dict)


def _walk(body: Any, fn: Callable[[dict], None]) -> Any:
    if isinstance(body, dict):
        fn(body)
        for value in list(body.values()):
            _walk(value, fn)
    elif isinstance(body, list):
        for value in body:
            _walk(value, fn)
    return body


def drift(path: str, fn: Callable[[dict], None]) -> Callable[[Scenario], None]:
    """Rewrite every dict of the matching JSON answers (TikTok report rows: dimensions/metrics)."""
    return lambda s: s.api.transform(lambda body: _walk(body, fn), path_contains=path)


def _set(key: str, value: Any, when: str) -> Callable[[dict], None]:
    def fn(d: dict) -> None:
        if when in d:
            d[key] = value

    return fn


def _drop(key: str) -> Callable[[dict], None]:
    return lambda d: d.pop(key, None)


IDS = ("advertiser_id", "campaign_id", "adgroup_id", "ad_id")


def _ids_as(convert: Callable[[str], Any]) -> Callable[[dict], None]:
    """Every id field of every object and report row, as `convert` renders it."""

    def fn(d: dict) -> None:
        for key in IDS:
            if isinstance(d.get(key), str):
                d[key] = convert(d[key])

    return fn


def first_report_row(path: str, level: set[str], change: Callable[[list, dict], None]) -> Callable[[Scenario], None]:
    """Change one report row: the first, in the first answer at that level (its dimensions).

    The world has one advertiser and the look-back is one window, so the row is always
    the same one.
    """

    def setup(s: Scenario) -> None:
        done: list[bool] = []

        def fn(body: Any) -> Any:
            rows = (body.get("data") or {}).get("list") or []
            if not done and rows and set(rows[0].get("dimensions") or {}) == level:
                change(rows, rows[0])
                done.append(True)
            return body

        s.api.transform(fn, path_contains=path)

    return setup


ADVERTISER_DAY = {"advertiser_id", "stat_time_day"}
FUTURE_DAY = "2036-01-01 00:00:00"


def _to_the_future(rows: list, row: dict) -> None:
    row["dimensions"]["stat_time_day"] = FUTURE_DAY


def _twice_with_more_spend(rows: list, row: dict) -> None:
    import copy

    twin = copy.deepcopy(row)
    twin["metrics"]["spend"] = "100000.00"
    rows.insert(1, twin)


def _tiktok_error_body(body: Any) -> Any:
    from bosco_connectors.framework.registry import get_connector

    return dict(get_connector("tiktok_ads").error_example)


@dataclass
class Case:
    id: str
    case: str
    message: str
    exit_code: int
    setup: Callable[[Scenario], None]
    #: For schema drift: which part of the contract policy decides, and what happens to the data.
    policy: str = ""
    effect: str = ""


def _config(**changes: Any) -> Callable[[Scenario], None]:
    def apply(s: Scenario) -> None:
        for key, value in changes.items():
            if value is None:
                s.config.pop(key, None)
            else:
                s.config[key] = value

    return apply


def _argv(*argv: str) -> Callable[[Scenario], None]:
    def apply(s: Scenario) -> None:
        s.argv = list(argv)

    return apply


def _raw(text: str) -> Callable[[Scenario], None]:
    def apply(s: Scenario) -> None:
        s.raw_project = text

    return apply


def _other_sources(sources: dict[str, dict[str, Any]]) -> Callable[[Scenario], None]:
    def apply(s: Scenario) -> None:
        s.sources = sources

    return apply


def _no_project(s: Scenario) -> None:
    s.project = False


def _file(name: str, content: bytes) -> Callable[[Scenario], None]:
    def apply(s: Scenario) -> None:
        s.files[name] = content

    return apply


def _unset_env(s: Scenario) -> None:
    s.env.clear()


def _fault(fault: Fault) -> Callable[[Scenario], None]:
    def apply(s: Scenario) -> None:
        s.api.inject(fault, times=10_000)
        s.fast_retries = True

    return apply


def _first_page_forever() -> Callable[[Any], Any]:
    """TikTok's page_info says a million pages, and every page is the first one again."""
    first: list[Any] = []

    def fn(body: Any) -> Any:
        if not first:
            body["data"]["page_info"]["total_page"] = 1_000_000
            first.append(body)
        return first[0]

    return fn


def _raw_destination(path: str) -> Callable[[Scenario], None]:
    """The run's DuckDB file given on the command line (the flag wins over bosco.toml)."""
    def apply(s: Scenario) -> None:
        s.argv = ["run", "--config", "bosco.toml", "--duckdb-path", path]

    return apply


def _wrong_token(s: Scenario) -> None:
    s.config["access_token"] = "wrong-token-0123456789abcdef"


def _both(*fns: Callable[[Scenario], None]) -> Callable[[Scenario], None]:
    def apply(s: Scenario) -> None:
        for fn in fns:
            fn(s)

    return apply


T = "FAILED tenant=acme source=tiktok_ads"
PROJECT_WITH_DATASET = (
    '[destination]\nname = "duckdb"\npath = "w.duckdb"\ndataset = "RawData"\n\n'
    '[[tenants]]\nid = "acme"\n  [tenants.sources.tiktok_ads]\n  advertiser_ids = ["1"]\n'
)

CASES: list[Case] = [
    Case("unknown-source", "unknown source in the project file",
         "FAILED tenant=acme source=no_such_source stream=-: unknown source 'no_such_source'", 2,
         _other_sources({"no_such_source": {"start_date": "2026-11-11"}})),
    Case("unknown-source-argument", "unknown source named on the command line",
         "error: source(s) no_such_source not configured in bosco.toml (configured: tiktok_ads)", 2,
         _argv("run", "no_such_source", "--config", "bosco.toml")),
    Case("unknown-stream", "unknown stream in a tenant's `streams` list",
         f"{T} stream=-: unknown stream(s) no_such_stream", 2,
         _config(streams=["no_such_stream"])),
    Case("missing-field", "a required config field is missing",
         f"{T} stream=-: invalid config: 'advertiser_ids': Field required", 2,
         _config(advertiser_ids=None)),
    Case("misspelled-field", "a config field name is misspelled",
         f"{T} stream=-: invalid config: 'advertiser_ids': Field required; 'advertiser_id': Extra inputs are not permitted", 2,
         _both(_config(advertiser_ids=None), lambda s: s.config.__setitem__("advertiser_id", ["1"]))),
    Case("mistyped-field", "a config field has the wrong type",
         f"{T} stream=-: invalid config: 'max_workers': Input should be a valid integer, unable to parse string as an integer", 2,
         _config(max_workers="many")),
    Case("impossible-date", "an impossible date (30 February)",
         f"{T} stream=-: invalid config: 'start_date': Input should be a valid date or datetime, day value is outside expected range", 2,
         _config(start_date="2026-02-30")),
    Case("reversed-dates", "start_date after end_date",
         f"{T} stream=-: invalid config: 'config': Value error, end_date 2026-11-20 is before start_date 2026-12-01", 2,
         _config(start_date="2026-12-01")),
    Case("bad-start-date-flag", "`--start-date` that is not a date",
         "error: --start-date must be YYYY-MM-DD, got '2026-13-01'", 2,
         _argv("run", "--config", "bosco.toml", "--start-date", "2026-13-01")),
    Case("not-toml", "a config file that is not TOML",
         "error: config file bosco.toml is not valid TOML: Expected '=' after a key in a key/value pair (at line 1, column 6)", 2,
         _raw("this is not toml\n")),
    Case("missing-config-file", "the config file does not exist",
         "error: config file nowhere.toml does not exist", 2,
         _argv("run", "--config", "nowhere.toml")),
    Case("no-sources", "a tenant with no sources",
         "error: bosco.toml: tenant 'acme' has no sources (add [tenants.sources.<name>])", 2,
         _raw('[[tenants]]\nid = "acme"\n')),
    Case("unset-secret", "the environment variable holding the token is not set",
         "FAILED tenant=acme source=tiktok_ads stream=-: tenant acme source tiktok_ads: 'access_token' comes from "
         "environment variable BOSCO_T_ACME_TIKTOK_ADS_ACCESS_TOKEN, which is not set", 2,
         _unset_env),
    Case("wrong-token", "a wrong access token (the API's own auth error)",
         f"{T} stream=advertisers: TikTok code 40105: Access token is incorrect or has been revoked.", 1,
         _wrong_token),
    Case("expired-token-401", "an expired token: HTTP 401",
         f"{T} stream=advertisers: HTTP 401: Unauthorized", 1,
         _fault(Fault.unauthorized())),
    Case("forbidden-403", "a token without access: HTTP 403",
         f"{T} stream=advertisers: HTTP 403: Forbidden", 1,
         _fault(Fault("status", 403))),
    Case("html-body", "the API answers HTML instead of JSON (every retry)",
         f"{T} stream=advertisers: expected JSON, got text/html (50 bytes, starts '<html><body><h1>502 Bad Gateway</h1></body></html>')", 1,
         _fault(Fault.html())),
    Case("redirect-other-host", "the API redirects to another host (no credential is sent there)",
         f"{T} stream=advertisers: refused a redirect (HTTP 302) to http://127.0.0.2:9: credentials are only sent to", 1,
         _fault(Fault.redirect("http://127.0.0.2:9", 302))),
    Case("forged-lines", "a vendor error message with line breaks and terminal escape codes",
         f"{T} stream=advertisers: HTTP 400: bad\\nFAILED tenant=other source=x stream=y: forged\\x1b[31m", 1,
         _fault(Fault.error(400, "bad\nFAILED tenant=other source=x stream=y: forged\x1b[31m"))),
    Case("tenant-id-quote", "a tenant id with a quote (or a space, or a right-to-left mark)",
         "error: bosco.toml: tenants[0] id \"o'neil\" is not valid: use 1-63 ASCII letters, digits, '-' or '_', "
         "starting with a letter or digit", 2,
         _raw('[[tenants]]\nid = "o\'neil"\n  [tenants.sources.tiktok_ads]\n  advertiser_ids = ["1"]\n')),
    Case("tenant-id-flag", "a bad tenant id given with `--tenant`",
         "error: --tenant 'acme ' is not valid: use 1-63 ASCII letters", 2,
         _argv("run", "--config", "bosco.toml", "--tenant", "acme ")),
    Case("reserved-field", "hostile data: the API sends a field named like dlt's row id (`_dlt_id`)",
         "ok acme/tiktok_ads", 0,
         drift("campaign/get", _set("_dlt_id", "vendor-1", when="campaign_id")),
         effect="loaded as `vendor_dlt_id` with a warning; dlt's own row ids and other tenants' rows untouched"),
    Case("pagination-loop", "hostile data: the API answers every page with the first one, for ever",
         f"{T} stream=campaigns: pagination loop: the API answered page=2, page_size=1000 with the same records as the page before", 1,
         lambda s: s.api.transform(_first_page_forever(), path_contains="campaign/get")),
    Case("stream-deadline", "a stream still reading at its deadline (`stream_deadline_minutes`)",
         f"{T} stream=advertisers: the stream's deadline of 0.002 minutes passed (stream_deadline_minutes)", 1,
         _both(_config(stream_deadline_minutes=0.002), _fault(Fault.slow(0.3)))),
    Case("decompression-bomb", "hostile data: a small gzip body that inflates past the size cap",
         f"{T} stream=advertisers: the response passed 1 MB once decoded (Content-Encoding gzip); refused "
         "(raise BOSCO_MAX_RESPONSE_MB if this is expected)", 1,
         _both(_fault(Fault.bomb(8)), lambda s: s.extra_env.update(BOSCO_MAX_RESPONSE_MB="1"))),
    Case("reset-unknown-tenant", "`state reset` of a tenant the project does not have",
         "error: tenant(s) nobody not in bosco.toml (tenants: acme)", 2,
         _argv("state", "reset", "--tenant", "nobody", "--source", "tiktok_ads", "--yes", "--config", "bosco.toml")),
    Case("reset-unknown-source", "`state reset` of a source the project does not configure",
         "error: source(s) no_such_source not configured in bosco.toml (configured: tiktok_ads)", 2,
         _argv("state", "reset", "--tenant", "acme", "--source", "no_such_source", "--yes", "--config", "bosco.toml")),
    Case("reset-unknown-source-no-project", "`state reset` of an unknown source, without a project file",
         "error: unknown source 'no_such_source' (registered: ", 2,
         _both(_no_project, _argv("state", "reset", "--tenant", "acme", "--source", "no_such_source", "--yes"))),
    Case("demo-over-a-database", "`demo --duckdb-path` naming the operator's own database",
         "error: w.duckdb exists and is not a database made by bosco-sync demo; give another --duckdb-path, "
         "or remove it yourself", 2,
         _argv("demo", "--duckdb-path", "w.duckdb", "--size", "tiny")),
    Case("demo-over-a-file", "`demo --duckdb-path` naming a file that is not a database",
         "error: notes.txt exists and is not a database made by bosco-sync demo; give another --duckdb-path, "
         "or remove it yourself", 2,
         _both(_file("notes.txt", b"an operator's notes\n"), _argv("demo", "--duckdb-path", "notes.txt", "--size", "tiny"))),
    Case("duckdb-folder-missing", "the DuckDB file is in a folder that does not exist (checked before any request)",
         "error: the folder of DuckDB file", 2,
         _raw_destination("no/such/folder/w.duckdb")),
    Case("duckdb-not-a-database", "the DuckDB path names a file that is not a DuckDB database",
         "exists and is not a DuckDB database; choose another path", 2,
         _both(_raw_destination("notes.txt"), _file("notes.txt", b"my notes\n" * 10))),
    Case("drift-new-field", "schema drift: the API adds a field to report rows",
         "ok acme/tiktok_ads", 0,
         drift(REPORTS, _set("brand_new_metric", "7", when="spend")),
         policy="columns: evolve",
         effect="loaded; a new column `brand_new_metric` appears (NULL in rows loaded before)"),
    Case("drift-type-change", "schema drift: a numeric field becomes text",
         f"{T} stream=report_advertiser_daily: field 'spend' does not fit decimal128(38, 9)", 1,
         drift(REPORTS, _set("spend", "n/a", when="spend")),
         policy="data_type: freeze",
         effect="the run fails before loading; earlier rows and cursors unchanged"),
    Case("drift-type-change-entity", "schema drift: a numeric field of an object becomes text",
         f"{T} stream=campaigns: field 'budget' does not fit decimal128(38, 9)", 1,
         drift("campaign/get", _set("budget", "lots", when="budget")),
         policy="data_type: freeze",
         effect="the run fails before loading; earlier rows and cursors unchanged"),
    Case("drift-required-field-gone", "schema drift: a required field disappears",
         f"{T} stream=campaigns: field 'advertiser_id' is required by the contract but missing from all records "
         "the vendor sent; nothing of this batch was loaded", 1,
         drift("campaign/get", lambda d: d.pop("advertiser_id", None) if "campaign_id" in d else None),
         policy="data_type: freeze (a required contract field)",
         effect="the run fails before loading; earlier rows and cursors unchanged"),
    Case("drift-optional-field-gone", "schema drift: an optional field the API sent before disappears",
         f"{T} stream=report_advertiser_daily: field 'spend' is missing from all ", 1,
         drift(REPORTS, _drop("spend")),
         policy="fields sent before (the stream's state)",
         effect="the run fails before loading: re-read rows would get NULL over loaded values; earlier rows and cursors unchanged"),
    # -- hostile data ----------------------------------------------------------------------
    Case("future-row", "one report row dated 2036 (no end_date configured)",
         "tiktok_ads/report_advertiser_daily: dropped 1 row(s) whose stat_time_day is past the requested window, "
         "up to 2036-01-01", 0,
         _both(_config(end_date=None), first_report_row(REPORTS, ADVERTISER_DAY, _to_the_future))),
    Case("future-start-date", "a `start_date` in the future in `bosco.toml`",
         f"{T} stream=-: invalid config: 'start_date': Value error, start_date 2036-01-01 is in the future "
         "(the latest allowed is tomorrow, UTC)", 2,
         _config(start_date="2036-01-01", end_date=None)),
    Case("future-start-date-flag", "`--start-date` in the future",
         "error: --start-date 2036-01-01 is in the future (the latest allowed is tomorrow, UTC)", 2,
         _argv("run", "--config", "bosco.toml", "--start-date", "2036-01-01")),
    Case("error-body-200", "the API's documented error body with HTTP 200",
         f"{T} stream=advertisers: TikTok code 40001: No permission to operate advertiser 7012345678901234567.", 1,
         lambda s: s.api.transform(_tiktok_error_body)),
    Case("infinite-metric", "a report metric of `\"Infinity\"`",
         f"{T} stream=report_advertiser_daily: field 'spend' is not a finite number: 'Infinity'", 1,
         drift(REPORTS, _set("spend", "Infinity", when="spend"))),
    Case("overflowing-metric", "a report metric of `\"1e400\"` (past the largest double)",
         f"{T} stream=report_advertiser_daily: field 'cpc' is not a finite number: '1e400'", 1,
         drift(REPORTS, _set("cpc", "1e400", when="cpc"))),
    Case("infinite-field-entity", "an object's number of `\"Infinity\"`",
         f"{T} stream=campaigns: field 'budget' is not a finite number: 'Infinity'", 1,
         drift("campaign/get", _set("budget", "Infinity", when="budget"))),
    Case("duplicate-key-in-page", "two report rows with one key in one page (the second spends 100000)",
         "tiktok_ads/report_advertiser_daily: duplicate primary key in one page: advertiser_id=5182421020953952, "
         "stat_time_day=2026-11-13 appears 2 times; kept the page's last row for each key (1 row(s) dropped)", 0,
         first_report_row(REPORTS, ADVERTISER_DAY, _twice_with_more_spend)),
    Case("numeric-ids", "ids sent as JSON numbers (objects and report rows)",
         "ok acme/tiktok_ads", 0,
         drift("", _ids_as(int))),
    Case("float-text-ids", "ids sent as float text (`\"9149231539440358.0\"`)",
         "ok acme/tiktok_ads", 0,
         drift("", _ids_as(lambda v: v + ".0"))),
    Case("18-digit-ids", "18-digit ids sent as JSON numbers",
         "ok acme/tiktok_ads", 0,
         drift("campaign/get", _ids_as(lambda v: int(v + "42")))),
    Case("inexact-float-id", "an id sent as a float past 2**53",
         f"{T} stream=campaigns: field 'campaign_id': "
         "id 1.2345678901234568e+17 is a float, which cannot hold an id exactly (not an integer, or past 2**53)", 1,
         drift("campaign/get", _set("campaign_id", 1.2345678901234568e17, when="campaign_id"))),
    Case("normalised-dataset", "a dataset name that dlt would change (`RawData`)",
         "error: bosco.toml: [destination] dataset 'RawData' is not a name dlt keeps: it would load into 'raw_data' "
         '(use dataset = "raw_data")', 2,
         _raw(PROJECT_WITH_DATASET)),
    Case("normalised-dataset-recipes", "the same, for `recipes build`",
         "error: bosco.toml: [destination] dataset 'RawData' is not a name dlt keeps: it would load into 'raw_data' "
         '(use dataset = "raw_data")', 2,
         _both(_raw(PROJECT_WITH_DATASET), _argv("recipes", "build", "--config", "bosco.toml"))),
]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_table() -> str:
    lines = ["| case | message | exit code |", "| --- | --- | --- |"]
    for c in CASES:
        lines.append(f"| {_cell(c.case)} | `{_cell(c.message)}` | {c.exit_code} |")
    return "\n".join(lines)


def render_drift_table() -> str:
    lines = ["| drift | policy that decides | effect | exit code |", "| --- | --- | --- | --- |"]
    for c in CASES:
        if c.policy:
            lines.append(f"| {_cell(c.case.removeprefix('schema drift: '))} | `{c.policy}` | {_cell(c.effect)} | {c.exit_code} |")
    return "\n".join(lines)


def table_in(doc: Path) -> str:
    text = doc.read_text()
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def write_docs() -> None:
    for doc, table in ((DOC, render_table()), (DRIFT_DOC, render_drift_table())):
        text = doc.read_text()
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        doc.write_text(f"{head}{START}\n{table}\n{END}{tail}")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write_docs()
    else:
        print(render_table())
