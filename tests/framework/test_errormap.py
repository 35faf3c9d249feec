"""An error reference as a table: where the code is, and what each code means."""

from __future__ import annotations

import httpx
import pytest

from bosco_connectors.framework.errormap import Action, ErrorMap
from bosco_connectors.framework.errors import ApiError, AuthError, RetryableApiError

#: Microsoft Advertising's REST faults put the code in one of two lists (ApplicationFault:
#: AdApiFaultDetail ``Errors``, ApiFaultDetail ``OperationErrors``).
MICROSOFT = ErrorMap("Microsoft Advertising", code=("Errors.0.Code", "OperationErrors.0.Code"),
                     message=("Errors.0.Message", "OperationErrors.0.Message"),
                     codes={117: Action.RETRY, 105: Action.AUTH, 2100: Action.FAIL})


def classify(spec: ErrorMap, status: int, body: dict) -> ApiError | None:
    return spec.policy().for_status(httpx.Response(status, json=body), body)


@pytest.mark.parametrize("body, kind, words", [
    ({"TrackingId": "t1", "Type": "AdApiFaultDetail", "Errors": [{"Code": 117, "ErrorCode": "CallRateExceeded",
      "Message": "You have exceeded the number of calls that you are allowed to make in a minute."}]},
     RetryableApiError, "Microsoft Advertising code 117"),
    ({"TrackingId": "t2", "Type": "AdApiFaultDetail", "Errors": [{"Code": 105, "ErrorCode": "InvalidCredentials",
      "Message": "Authentication failed."}]}, AuthError, "code 105: Authentication failed."),
    ({"TrackingId": "t3", "Type": "ApiFaultDetail", "BatchErrors": [], "OperationErrors": [{"Code": 2100,
      "ErrorCode": "ReportingServiceInvalidReportId", "Message": "The specified report request identifier is not valid."}]},
     ApiError, "code 2100: The specified report request identifier is not valid."),
])
def test_the_code_is_found_at_the_first_path_that_holds_one(body, kind, words) -> None:
    error = classify(MICROSOFT, 400, body)
    assert type(error) is kind and words in str(error)


def test_a_body_with_no_code_at_any_path_falls_back_to_the_status() -> None:
    assert isinstance(classify(MICROSOFT, 503, {"Message": "down"}), RetryableApiError)
    assert classify(MICROSOFT, 200, {"ReportRequestId": "r"}) is None
