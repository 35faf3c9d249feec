"""What every source on Pinterest's REST API v5 shares: host, OAuth refresh, error codes, paging.

One piece for ``pinterest_ads`` (ad accounts and reports) and ``pinterest_organic`` (a business
account's organic analytics), both read from the official OpenAPI description
(github.com/pinterest/api-description, release 5.23.0, ``v5/openapi.json``):

- Host ``https://api.pinterest.com/v5/``; OAuth 2.0 bearer tokens refreshed at
  ``/v5/oauth/token`` from a continuous (60-day) refresh token, the app's id and secret sent as
  HTTP basic auth (operation ``oauth/token``).
- Errors are ``{"code": <int>, "message": ...}`` with the HTTP status (schema ``Error``):
  code 2 (authentication failed) and 3 (the token lacks the scope) stop with one line, 8 (a rate
  limit, HTTP 429) is retried.
- Lists page with ``bookmark`` (schema ``Paginated``): the answer's ``bookmark`` is sent back as
  the ``bookmark`` parameter; the last page's is null. ``page_size`` is at most 250.
"""

from __future__ import annotations

from collections.abc import Mapping

from .auth import RefreshToken
from .errormap import Action, ErrorMap
from .paginators import CursorInBody

BASE_URL = "https://api.pinterest.com/v5/"
TOKEN_URL = "https://api.pinterest.com/v5/oauth/token"
#: ``page_size``: "Maximum number of items to include in a single page", 1 to 250 (default 25).
MAX_PAGE_SIZE = 250
#: Codes every Pinterest v5 answer may carry (the description's 401 and 429 examples, and code 3).
COMMON_CODES: Mapping[int, Action] = {2: Action.AUTH, 3: Action.AUTH, 8: Action.RETRY}
AUTH_HINT = "check the refresh token (continuous refresh tokens expire after 60 days unused) and its scopes"


def pinterest_auth() -> RefreshToken:
    """OAuth 2.0 refresh-token grant at ``/v5/oauth/token``, the app's credentials as HTTP basic auth."""
    return RefreshToken(TOKEN_URL, client_auth="basic")


def pinterest_errors(codes: Mapping[int, Action], hints: Mapping[Action, str]) -> ErrorMap:
    """Pinterest's error envelope: the common codes plus a source's own (``codes`` wins)."""
    return ErrorMap("Pinterest", code="code", codes={**COMMON_CODES, **codes}, hints=dict(hints))


def bookmark_paging() -> CursorInBody:
    """``bookmark`` paging: sent back as given, until an answer's ``bookmark`` is null."""
    return CursorInBody("bookmark", "bookmark")
