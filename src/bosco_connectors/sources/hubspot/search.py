"""HubSpot's CRM search: a window whose matches exceed what a search pages through is read in halves.

"The search endpoints are limited to 10,000 total results for any given query. Attempting to
page beyond 10,000 will result in a 400 error"
(https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm, "Limitations").
The first page's ``total`` says how many records match, so the window is split before any
page is read (the framework halves it down to one second, `resources.split_read`), instead
of reading 10,000 records and failing on the next page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...framework.errormap import TooMuchData
from ...framework.paginators import PageRequest
from ...framework.spec import ReadContext, RestStream

#: The most results one search pages through.
SEARCH_CAP = 10_000


@dataclass(kw_only=True)
class SearchStream(RestStream):
    """A search stream whose first page refuses a window of more than `cap` matches (`TooMuchData`)."""

    cap: int = SEARCH_CAP

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        response, body = super().send(ctx, page)
        total = body.get("total") if isinstance(body, dict) else None
        if not page.params and isinstance(total, int) and total > self.cap:
            raise TooMuchData(f"the search matches {total} records from {ctx.window.start} to {ctx.window.end}; "
                              f"HubSpot pages through {self.cap} at most", status=getattr(response, "status_code", None))
        return response, body
