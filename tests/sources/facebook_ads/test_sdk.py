"""How the source uses the facebook-business SDK: lazily, per sync, without process-wide state."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

from .conftest import extract, sandbox_config


def test_listing_and_building_a_client_never_import_the_sdk():
    code = textwrap.dedent(
        """
        import sys
        from bosco_connectors.framework.registry import get_connector
        connector = get_connector("facebook_ads")
        connector.describe()
        config = connector.validate({"access_token": "EAAG-lazy-import-test", "account_ids": "1"})
        connector.client(config)
        connector.resources(config)
        loaded = sorted(m for m in sys.modules if m.startswith("facebook_business"))
        assert not loaded, loaded
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_a_sync_leaves_no_global_sdk_state(meta_app, meta_api, fast_client):
    from facebook_business.api import FacebookAdsApi
    from facebook_business.crashreporter import CrashReporter
    from facebook_business.session import FacebookSession

    hook = sys.excepthook
    rows = extract(sandbox_config(meta_app, meta_api), ["campaigns"])

    assert len(rows["campaigns"]) == 2
    assert FacebookAdsApi.get_default_api() is None, "no default API holding one tenant's token"
    assert CrashReporter.reporter_instance is None and sys.excepthook is hook, "the crash reporter stays off"
    assert FacebookSession.GRAPH == "https://graph.facebook.com", "base_url is set on the session, not the class"
    assert all(r.path.startswith("/v26.0/") for r in meta_api.requests)


def test_two_tenants_reach_two_apis_at_once(meta_app, meta_api, fast_client):
    from concurrent.futures import ThreadPoolExecutor

    from bosco_connectors.sandbox import FakeApi
    from bosco_connectors.sandbox.facebook_ads import FacebookAdsApp

    other = FacebookAdsApp(seed=99, size="tiny", end_date=meta_app.world.end_date)
    with FakeApi([other]) as other_api, ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(extract, sandbox_config(app, api), ["campaigns"]) for app, api in ((meta_app, meta_api), (other, other_api))]
        first, second = (job.result()["campaigns"] for job in jobs)
    assert {r["id"] for r in first} == {c.id for c in meta_app.world.accounts[0].campaigns}
    assert {r["id"] for r in second} == {c.id for c in other.world.accounts[0].campaigns}


def test_request_logs_never_show_the_token(meta_app, meta_api, fast_client, caplog):
    caplog.set_level(logging.DEBUG)

    extract(sandbox_config(meta_app, meta_api), ["ads"])

    assert "GET /facebook_ads/v26.0/act_" in caplog.text, "urllib3 logs the request line"
    assert meta_app.access_token not in caplog.text
    assert "access_token=***REDACTED***" in caplog.text and "appsecret_proof=***REDACTED***" in caplog.text
