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
