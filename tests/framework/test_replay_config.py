"""The documented fixtures' config: ``{root}`` and a private key made for the replay, never stored."""

import json

from bosco_connectors.framework.auth import key_problem
from bosco_connectors.testing.replay import Fixtures


def test_a_throwaway_key_is_made_for_the_replay_and_kept_for_its_length(tmp_path):
    (tmp_path / "fixtures.json").write_text(json.dumps({
        "config": {"private_key": "{throwaway_ec_private_key}", "token_url": "{root}/token"}, "exchanges": []}))
    fixtures = Fixtures.load(tmp_path)
    first, again = fixtures.config_for("http://127.0.0.1:9/replay"), fixtures.config_for("http://127.0.0.1:9/replay")
    assert key_problem(first["private_key"], "ES256") is None
    assert again["private_key"] == first["private_key"]  # one key per replay: every config of it agrees
    assert first["token_url"] == "http://127.0.0.1:9/replay/token"
    assert "PRIVATE KEY" not in (tmp_path / "fixtures.json").read_text()
