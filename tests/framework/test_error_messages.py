"""The kit's error-body check looks for the vendor's message where the source's ErrorMap reads it."""

from __future__ import annotations

from types import SimpleNamespace

from bosco_connectors.framework.errormap import ErrorMap
from bosco_connectors.testing.conformance import error_messages

SNAP = {"request_status": "ERROR", "request_id": "5d3a", "debug_message": "Ad account not found",
        "display_message": "We're sorry, but the ad account could not be found", "error_code": "E1008"}


def test_messages_under_other_keys_are_found_through_the_error_map():
    api = SimpleNamespace(errors=ErrorMap("Snapchat", code="request_status", message=("display_message", "debug_message")))
    assert error_messages(SNAP, api) == ["We're sorry, but the ad account could not be found", "Ad account not found"]


def test_message_keys_are_found_without_an_error_map():
    assert error_messages({"error": {"message": "bad"}, "message": "top"}) == ["top", "bad"]
    assert error_messages(SNAP) == []


def test_an_error_code_may_be_read_from_several_paths():
    """Reddit writes the status as ``error.code`` in its objects' errors and as ``error`` itself in its
    platform envelope: the first path holding a number wins, so both are errors even at HTTP 200."""
    import httpx

    from bosco_connectors.framework.errormap import Action
    from bosco_connectors.framework.errors import ApiError, AuthError, RetryableApiError

    policy = ErrorMap("Reddit", code=("error.code", "error"), codes={401: Action.AUTH, 429: Action.RETRY}).policy()

    def error(body):
        return policy.for_status(httpx.Response(200, json=body), body)

    assert isinstance(error({"message": "Unauthorized", "error": 401}), AuthError)
    assert isinstance(error({"message": "Too Many Requests", "error": 429}), RetryableApiError)
    bad = error({"error": {"code": 400, "message": "invalid field: campaign_name"}})
    assert type(bad) is ApiError and bad.vendor_code == 400 and "invalid field: campaign_name" in str(bad)
    assert error({"data": {"id": "a2_x"}}) is None
    # an object where a code could be is still an error under HTTP 200, never data
    assert type(error({"error": {"message": "no code here"}})) is ApiError
