"""Redaction: registered values, secret-named fields in URLs/JSON/headers, and log records."""

from __future__ import annotations

import io
import json
import logging

import pytest
from pydantic import SecretStr

from bosco_connectors.framework.redaction import (
    REDACTED,
    RedactingFilter,
    install_log_redaction,
    redact,
    redact_headers,
    redact_url,
    register_secret,
)


def test_registered_values_are_masked_anywhere() -> None:
    register_secret("plain-secret-value-1")
    register_secret(SecretStr("wrapped-secret-value-2"))
    text = "a=plain-secret-value-1, b=[wrapped-secret-value-2]; again plain-secret-value-1"
    assert redact(text) == f"a={REDACTED}, b=[{REDACTED}]; again {REDACTED}"


def test_short_and_empty_values_are_not_registered() -> None:
    register_secret("abc")  # would mask every "abc" in every log line
    register_secret(None)
    register_secret("")
    assert redact("abcdef abc") == "abcdef abc"


def test_access_token_in_a_url_keeps_the_rest_readable() -> None:
    url = "https://graph.facebook.com/v19.0/act_1/insights?access_token=EAABunregistered123&limit=25&after=QVFIUk1"
    assert redact_url(url) == f"https://graph.facebook.com/v19.0/act_1/insights?access_token={REDACTED}&limit=25&after=QVFIUk1"
    assert redact(url) == f"https://graph.facebook.com/v19.0/act_1/insights?access_token={REDACTED}&limit=25&after=QVFIUk1"


def test_meta_paging_next_url_inside_a_json_body() -> None:
    # Meta puts the caller's token into paging.next, and escapes "/" in JSON.
    body = {
        "data": [{"campaign_id": "120"}],
        "paging": {
            "cursors": {"after": "QVFIUmx"},
            "next": "https://graph.facebook.com/v19.0/act_1/insights?access_token=EAABnotregistered456&pretty=0&limit=25&after=QVFIUmx",
        },
    }
    text = json.dumps(body).replace("/", "\\/")
    clean = redact(text)
    assert "EAABnotregistered456" not in clean
    assert f"access_token={REDACTED}&pretty=0&limit=25&after=QVFIUmx" in clean
    assert json.loads(clean)["paging"]["cursors"]["after"] == "QVFIUmx"


def test_authorization_header_lines() -> None:
    assert redact("Authorization: Bearer eyJhbGciOi.J9.sig-_x") == f"Authorization: Bearer {REDACTED}"
    assert redact("authorization: basic dXNlcjpwYXNz") == f"authorization: basic {REDACTED}"


def test_json_secret_fields() -> None:
    text = '{"refresh_token": "1//0gRefresh", "client_secret":"cs-1", "expires_in": 3600, "token_type": "Bearer"}'
    clean = redact(text)
    assert json.loads(clean) == {"refresh_token": REDACTED, "client_secret": REDACTED, "expires_in": 3600, "token_type": "Bearer"}


def test_page_tokens_are_not_secrets() -> None:
    text = "next_page_token=abc123&page_info=xyz&sort_key=id"
    assert redact(text) == text


def test_url_with_a_registered_value_that_needs_percent_encoding() -> None:
    register_secret("k+ey/with=chars")
    url = "https://api.acme.test/v1/items?auth=k%2Bey%2Fwith%3Dchars&page=2"
    clean = redact_url(url)
    assert "k%2Bey%2Fwith%3Dchars" not in clean
    assert "k+ey/with=chars" not in clean
    assert clean.endswith("&page=2")


def test_redact_headers() -> None:
    register_secret("shpat_headersecret")
    headers = {"X-Shopify-Access-Token": "shpat_headersecret", "Accept": "application/json", "X-Note": "was shpat_headersecret"}
    assert redact_headers(headers) == {"X-Shopify-Access-Token": REDACTED, "Accept": "application/json", "X-Note": f"was {REDACTED}"}


def test_redaction_is_idempotent_around_brackets() -> None:
    once = redact("failed [GET https://x.test/a?access_token=tok123]")
    assert once == f"failed [GET https://x.test/a?access_token={REDACTED}]"
    assert redact(once) == once


# -- logging ---------------------------------------------------------------------------


@pytest.fixture
def log_output() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("bosco_connectors.tests.redaction")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    install_log_redaction(logger)
    install_log_redaction(logger)  # idempotent: one filter per handler
    yield logger, stream
    logger.handlers = []


def test_filter_is_installed_once(log_output: tuple[logging.Logger, io.StringIO]) -> None:
    logger, _ = log_output
    assert sum(isinstance(f, RedactingFilter) for f in logger.handlers[0].filters) == 1


def test_log_record_with_args(log_output: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log_output
    register_secret("log-arg-secret-77")
    logger.info("calling %s with %s (%d)", "https://x.test/?access_token=zz9", "log-arg-secret-77", 3)
    assert stream.getvalue() == f"INFO calling https://x.test/?access_token={REDACTED} with {REDACTED} (3)\n"


def test_log_record_with_a_traceback_that_contains_a_secret(log_output: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log_output
    register_secret("trace-secret-88")
    try:
        raise ValueError("token trace-secret-88 rejected")
    except ValueError:
        logger.exception("sync failed for %s", "tenant-a")

    out = stream.getvalue()
    assert "trace-secret-88" not in out
    assert out.startswith("ERROR sync failed for tenant-a\nTraceback (most recent call last):")
    assert f"ValueError: token {REDACTED} rejected" in out
