"""The generated fake API, a sync and the recipes: CM360's campaigns and placements belong to
the account the source is configured with (it reads one account, named in its config), so the
recipes' relationship tests hold and the demo exits 0."""

from __future__ import annotations

import pytest

from bosco_connectors.sources.cm360 import connector
from bosco_connectors.testing.replay import Fixtures, fixture_folder

from ..demo_world import built_world


@pytest.fixture
def built(tmp_path, monkeypatch):
    yield from built_world(connector, tmp_path, monkeypatch)


def test_every_campaign_and_placement_is_of_the_configured_account(built):
    world, conn = built
    configured = Fixtures.load(fixture_folder(connector)).config_for("http://127.0.0.1:1")["account_id"]
    assert [a.id for a in world.accounts] == [configured]
    accounts = {r[0] for r in conn.execute("select account_id from analytics.dim_accounts where platform = 'cm360'").fetchall()}
    campaigns = {r[0] for r in conn.execute("select account_id from analytics.dim_campaigns where platform = 'cm360'").fetchall()}
    groups = {r[0] for r in conn.execute("select account_id from analytics.dim_ad_groups where platform = 'cm360'").fetchall()}
    assert accounts == campaigns == groups == {configured}
