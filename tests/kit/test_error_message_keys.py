"""The kit finds a vendor's error text whatever the case of its key."""

from bosco_connectors.testing.conformance import error_messages


def test_a_capitalised_message_key_is_found() -> None:
    """Microsoft Advertising's AdApiError writes ``Message`` (operation-error-codes)."""
    body = {"TrackingId": "t", "Type": "AdApiFaultDetail",
            "Errors": [{"Code": 105, "ErrorCode": "InvalidCredentials", "Message": "Authentication failed."}]}
    assert error_messages(body) == ["Authentication failed."]


def test_lowercase_keys_still_found_first_and_once() -> None:
    assert error_messages({"error": {"code": 401, "message": "bad token"}}) == ["bad token"]
