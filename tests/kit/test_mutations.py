"""The kit fails each broken variant of the example source, naming what broke.

Every variant (`tests/kit/variants.py`) breaks one guarantee; the kit's check of that
guarantee runs against it, with the fake API generated from the *correct* example (the
vendor does not change because a source is wrong), and must fail with a message naming
the stream and the guarantee.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Callable

import pytest

from bosco_connectors.framework.connector import Connector
from bosco_connectors.sandbox.generated import GeneratedApp
from bosco_connectors.testing import SourceConformance
from tests.kit import example_ads, variants


def kit_for(variant: Connector) -> SourceConformance:
    """The kit checking `variant` against the fake API of the correct example."""

    class Kit(SourceConformance):
        connector = variant

        def fake_app(self) -> GeneratedApp:
            return GeneratedApp(connector=example_ads.connector, **self.world)

    return Kit()


def run_check(kit: SourceConformance, name: str, tmp_path: Path, **params: str) -> None:
    """Call one of the kit's test methods as pytest would, its sandbox opened for it."""
    method = getattr(kit, name)
    wanted = inspect.signature(method).parameters
    if "sandbox" in wanted:
        with kit.open_sandbox(tmp_path / "sandbox") as box:
            method(sandbox=box, **params)
    elif "tmp_path" in wanted:
        method(tmp_path=tmp_path, **params)
    else:
        method(**params)


MUTATIONS: list[tuple[Callable[[], Connector], str, dict[str, str], str]] = [
    (variants.pagination_ignored, "test_documented_fixtures_replay", {},
     r"campaigns: pagination ignored: its documentation answers GET accounts/1001/campaigns in 2 pages .* declares SinglePage"),
    (variants.pagination_stops_early, "test_documented_fixtures_replay", {},
     r"campaigns: pagination stops early: read 1 of the 2 documented pages .*never asked for \['campaigns.page2.json'\]"),
    (variants.cursor_ignored, "test_second_run_reads_from_cursor_minus_lookback", {},
     r"campaign_daily: cursor ignored: none of the second run's \d+ requests carries its start 2026-11-17 "
     r"\(the saved cursor 2026-11-20 minus its 3-day look-back\)"),
    (variants.lookback_not_applied, "test_second_run_reads_from_cursor_minus_lookback", {},
     r"campaign_daily: look-back not applied: the second run's requests start at 2026-11-20, expected 2026-11-17"),
    (variants.optional_stream_lookback_not_applied, "test_second_run_reads_from_cursor_minus_lookback", {},
     r"ad_daily: look-back not applied: the second run's requests start at 2026-11-20, expected 2026-11-17"),
    (variants.tenant_id_missing, "test_tenant_id_on_every_row", {},
     r"example_ads_labels: no tenant_id column"),
    (variants.secret_logged, "test_no_secret_in_any_output", {},
     r"a secret \(api_token\) appears in the logs of the first sync: .*campaigns: GET accounts/\{account_id\}/campaigns \(token \*\*\*REDACTED\*\*\*\)"),
    (variants.key_not_in_contract, "test_every_stream_declares", {"check": "primary_key"},
     r"campaigns: primary key \['campaign_id'\] not in its contract Campaign"),
    (variants.required_field_not_sent, "test_documented_fixtures_replay", {},
     r"the documented fixtures do not load: .*stream=campaign_daily: field 'reach' is required by the contract but missing"),
    (variants.auth_code_retried, "test_wrong_credential_is_an_auth_error", {},
     r"the documented auth error is misclassified: a wrong credential failed as RetryableApiError after 3 retries, not as an AuthError"),
    (variants.auth_code_failed, "test_wrong_credential_is_an_auth_error", {},
     r"the documented auth error is misclassified: a wrong credential failed as ApiError after 0 retries, not as an AuthError"),
]


@pytest.mark.parametrize(("variant", "check", "params", "message"), MUTATIONS, ids=[m[0].__name__ for m in MUTATIONS])
def test_the_kit_fails_a_broken_variant(variant: Callable[[], Connector], check: str, params: dict[str, str],
                                        message: str, tmp_path: Path) -> None:
    kit = kit_for(variant())
    with pytest.raises(AssertionError, match=message):
        run_check(kit, check, tmp_path, **params)


@pytest.mark.parametrize("check", sorted({m[1] for m in MUTATIONS}))
def test_the_same_checks_pass_on_the_correct_example(check: str, tmp_path: Path) -> None:
    """The control: what fails above is the variant, not the kit's harness."""
    params = next(m[2] for m in MUTATIONS if m[1] == check)
    run_check(kit_for(example_ads.connector), check, tmp_path, **params)


def _with_fixtures(tmp_path: Path, edit: Callable[[dict, Path], None]) -> Connector:
    """The correct example, its fixtures copied to `tmp_path` and edited there."""
    import json
    import shutil

    folder = tmp_path / "fixtures"
    shutil.copytree(example_ads.FIXTURES, folder)
    manifest = json.loads((folder / "fixtures.json").read_text())
    edit(manifest, folder / "bodies")
    (folder / "fixtures.json").write_text(json.dumps(manifest))
    connector = example_ads.build()
    connector.fixtures_dir = folder
    return connector


def _one_campaigns_page(manifest: dict, bodies: Path) -> None:
    import json

    manifest["exchanges"] = [e for e in manifest["exchanges"] if e.get("response", {}).get("body") != "campaigns.page2.json"]
    first = json.loads((bodies / "campaigns.page1.json").read_text())
    first["paging"]["next_cursor"] = None
    (bodies / "campaigns.page1.json").write_text(json.dumps(first))
    (bodies / "campaigns.page2.json").unlink()


def _empty_stats_page_two(manifest: dict, bodies: Path) -> None:
    import json

    second = json.loads((bodies / "stats_campaign.page2.json").read_text())
    second["data"] = []
    (bodies / "stats_campaign.page2.json").write_text(json.dumps(second))


@pytest.mark.parametrize(("edit", "message"), [
    (_one_campaigns_page, r"campaigns: paginated \(CursorInBody\) but its replay never asked for a second page "
                          r"\(no two requests differ in 'cursor'\): document page 2"),
    (_empty_stats_page_two, r"campaign_daily: its documented page 2 holds no record, so a replay cannot tell whether page 2's rows are loaded"),
], ids=["one documented page", "empty page two"])
def test_the_replay_refuses_fixtures_that_cannot_show_page_two(edit: Callable[[dict, Path], None], message: str, tmp_path: Path) -> None:
    """The replay proves page 2 is read and loaded only if the fixtures hold a page 2 with rows."""
    kit = kit_for(_with_fixtures(tmp_path, edit))
    with pytest.raises(AssertionError, match=message):
        kit.test_documented_fixtures_replay(tmp_path / "replay")


def test_a_logged_secret_is_found_behind_a_redacting_handler(tmp_path: Path) -> None:
    """An in-process `bosco-sync` run leaves a root handler whose filter redacts records in
    place; the kit must still see what the source logged, not what that net made of it."""
    import io
    import logging

    from bosco_connectors.framework.redaction import RedactingFilter

    root, net = logging.getLogger(), logging.StreamHandler(io.StringIO())
    net.addFilter(RedactingFilter())
    root.addHandler(net)
    try:
        with pytest.raises(AssertionError, match=r"a secret \(api_token\) appears in the logs of the first sync"):
            run_check(kit_for(variants.secret_logged()), "test_no_secret_in_any_output", tmp_path)
    finally:
        root.removeHandler(net)
