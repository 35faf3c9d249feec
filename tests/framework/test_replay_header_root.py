"""A documented response header that names the vendor's own URL (a next-page ``Link``) is
replayed with ``{root}`` filled in, as bodies are: the client follows it to the replay server."""

from __future__ import annotations

import json

from bosco_connectors.sandbox.server import FakeRequest
from bosco_connectors.testing.replay import FixtureApp, Fixtures


def test_root_in_a_documented_header_names_the_replay_server(tmp_path):
    (tmp_path / "bodies").mkdir()
    (tmp_path / "bodies" / "page1.json").write_text("[]")
    (tmp_path / "fixtures.json").write_text(json.dumps({"config": {}, "exchanges": [
        {"stream": "items", "request": {"method": "GET", "path": "items/"},
         "response": {"status": 200, "body": "page1.json",
                      "headers": {"Link": '<{root}/items/?page=2>; rel="next"', "X-Count": "1"}}}]}))
    app = FixtureApp(Fixtures.load(tmp_path))
    app.source_config("http://127.0.0.1:5000/src/")
    answer = app.handle(FakeRequest(method="GET", path="items/", query={}, headers={}, body=b""))
    assert answer.headers["Link"] == '<http://127.0.0.1:5000/src/items/?page=2>; rel="next"'
    assert answer.headers["X-Count"] == "1"
