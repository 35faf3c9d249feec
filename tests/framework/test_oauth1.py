"""`oauth1`: OAuth 1.0a HMAC-SHA1 signatures, checked against X's documented worked example.

The example (https://docs.x.com/resources/fundamentals/authentication/oauth-1-0a/creating-a-signature):
a POST to https://api.x.com/1.1/statuses/update.json?include_entities=true with the form body
``status=Hello Ladies + Gentlemen, a signed OAuth request!``; its base string and signature
below are copied from that page.
"""

from __future__ import annotations

import httpx
import pytest

from bosco_connectors.framework.oauth1 import (
    OAuth1,
    OAuth1Signer,
    base_string,
    parse_header,
    percent_encode,
    request_params,
    signature,
    verify,
)
from bosco_connectors.framework.redaction import redact

URL = "https://api.x.com/1.1/statuses/update.json"
STATUS = "Hello Ladies + Gentlemen, a signed OAuth request!"
CONSUMER_KEY = "xvz1evFS4wEEPTGEFPHBog"
CONSUMER_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
TOKEN = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"
TOKEN_SECRET = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
NONCE, TIMESTAMP = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", 1318622958
DOCUMENTED_BASE = (
    "POST&https%3A%2F%2Fapi.x.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog"
    "%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958"
    "%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B"
    "%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
)
DOCUMENTED_SIGNATURE = "Ls93hJiZbQ3akF3HF3x1Bz8/zU4="


def documented_request() -> httpx.Request:
    return httpx.Request("POST", URL, params={"include_entities": "true"}, data={"status": STATUS})


def signer() -> OAuth1Signer:
    return OAuth1Signer(CONSUMER_KEY, CONSUMER_SECRET, TOKEN, TOKEN_SECRET, clock=lambda: TIMESTAMP, nonce=lambda: NONCE)


def test_percent_encoding_is_rfc_3986():
    assert percent_encode(STATUS) == "Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21"
    assert percent_encode("2026-03-12T00:00:00Z,a~b_c.d-e") == "2026-03-12T00%3A00%3A00Z%2Ca~b_c.d-e"
    assert percent_encode("é") == "%C3%A9"


def test_the_documented_base_string_and_signature():
    params = [*request_params(documented_request()), *signer().oauth_params().items()]
    assert base_string("POST", URL, params) == DOCUMENTED_BASE
    assert signature(DOCUMENTED_BASE, CONSUMER_SECRET, TOKEN_SECRET) == DOCUMENTED_SIGNATURE


def test_signed_request_carries_the_documented_header():
    request = documented_request()
    signer()(request)
    header = request.headers["Authorization"]
    assert header.startswith("OAuth ")
    assert parse_header(header) == {
        "oauth_consumer_key": CONSUMER_KEY, "oauth_nonce": NONCE, "oauth_signature": DOCUMENTED_SIGNATURE,
        "oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": str(TIMESTAMP), "oauth_token": TOKEN, "oauth_version": "1.0"}
    assert 'oauth_signature="Ls93hJiZbQ3akF3HF3x1Bz8%2FzU4%3D"' in header  # the value percent-encoded in the header


def test_a_non_default_port_and_query_lists_are_signed_as_sent():
    request = httpx.Request("POST", "HTTP://127.0.0.1:8123/x_ads/12/stats/jobs/accounts/18ce54d4x5t",
                            params={"entity_ids": "a,b", "start_time": "2026-11-01"})
    signer()(request)
    params = [("entity_ids", "a,b"), ("start_time", "2026-11-01")]
    assert verify("POST", "http://127.0.0.1:8123/x_ads/12/stats/jobs/accounts/18ce54d4x5t", params, request.headers["Authorization"],
                  consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET, token=TOKEN, token_secret=TOKEN_SECRET)


@pytest.mark.parametrize("change", ["consumer_secret", "token_secret", "token", "params", "method"])
def test_verify_refuses_a_wrong_secret_or_a_changed_request(change):
    request = documented_request()
    signer()(request)
    secrets = dict(consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET, token=TOKEN, token_secret=TOKEN_SECRET)
    params, method = request_params(request), "POST"
    if change == "params":
        params = [("include_entities", "false"), ("status", STATUS)]
    elif change == "method":
        method = "GET"
    else:
        secrets[change] = "not-the-one"
    assert verify(method, URL, params, request.headers["Authorization"], **secrets) is False


def test_verify_refuses_a_request_without_an_oauth_header():
    secrets = dict(consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET, token=TOKEN, token_secret=TOKEN_SECRET)
    assert verify("POST", URL, [], None, **secrets) is False
    assert verify("POST", URL, [], "Bearer abc", **secrets) is False


def test_credential_signs_with_config_fields_and_every_part_is_redacted():
    from pydantic import BaseModel, SecretStr

    class Config(BaseModel):
        consumer_key: SecretStr
        consumer_secret: SecretStr
        access_token: SecretStr
        access_token_secret: SecretStr

    config = Config(consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET, access_token=TOKEN, access_token_secret=TOKEN_SECRET)
    credential = OAuth1()
    assert credential.problem(config) is None and credential.fields == ("consumer_key", "consumer_secret", "access_token",
                                                                        "access_token_secret")
    auth = credential.build(config)
    request = next(auth.auth_flow(httpx.Request("GET", "https://ads-api.x.com/12/accounts/18ce54d4x5t")))
    assert parse_header(request.headers["Authorization"])["oauth_token"] == TOKEN
    line = f"GET failed with {request.headers['Authorization']} ({CONSUMER_SECRET}, {TOKEN_SECRET})"
    assert not any(secret in redact(line) for secret in (CONSUMER_KEY, CONSUMER_SECRET, TOKEN, TOKEN_SECRET))
