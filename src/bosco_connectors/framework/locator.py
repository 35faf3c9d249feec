"""A job's result read set by set, each answer naming the next in a response header.

Some vendors hand a finished job's result out in sets instead of one file: Salesforce's
Bulk API 2.0 answers ``GET .../jobs/query/{id}/results`` with one CSV set of at most
``maxRecords`` records, its ``Sforce-Locator`` header naming the next set (``?locator=<value>``)
and holding the text ``"null"`` on the last one, and ``Sforce-NumberOfRecords`` the records
of this set. The declared job `jobs.Download` fetches one file, and paginators read JSON
bodies, so neither follows such a header; this declaration does::

    Download(Csv(), path="services/data/v66.0/jobs/query/{job_id}/results",
             pages=HeaderLocator("Sforce-Locator", "locator", last="null", size_param="maxRecords",
                                 size="bulk_page_size", count_header="Sforce-NumberOfRecords"))

Each set is written to a temporary file by `ApiClient.download_file` (capped like any
download) and read in bounded batches by the format's streaming reader (`files`) before
the next set is asked for: memory follows the batch, disk one set, whatever the result's size.
The read ends when the header is absent, empty or the ``last`` value; a locator the API
already gave is a loop and fails the read; a set whose count header disagrees with the
records read from it (a cut-off answer) fails it too. The locator travels as a query
parameter like any page token; credentials stay in the client's auth, never in a URL.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from .errors import PaginationLoop, ResponseFormatError
from .files import ColumnBatch, FileFormat

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class HeaderLocator:
    """Sets of a result, each answer naming the next set in the response header `header`,
    sent back as the query parameter `param`."""

    header: str
    param: str
    _: KW_ONLY
    #: The header's value on the last set (Salesforce: the text ``"null"``); an absent or empty header ends too.
    last: str | None = None
    #: The parameter that asks for at most so many records a set (Salesforce's ``maxRecords``)...
    size_param: str | None = None
    #: ...and its value: a number, or the name of the config field that holds it (None: the vendor's default).
    size: int | str | None = None
    #: A header giving the number of records in this set, checked against the records read from it.
    count_header: str | None = None

    def page_size(self, config: Any) -> int | None:
        value = getattr(config, self.size, None) if isinstance(self.size, str) else self.size
        return int(value) if value is not None else None

    def sets(self, client: Any, url: str, fmt: FileFormat, *, stream: str, config: Any, rows: int,
             headers: Mapping[str, str] | None = None, name: str = "job") -> Iterator[list[dict[str, Any]] | ColumnBatch]:
        """Every record of every set, in batches of at most `rows`, one set downloaded at a time."""
        reader: Callable[..., Iterator[Any]] = getattr(fmt, "column_batches", None) or fmt.batches
        size = self.page_size(config)
        locator: str | None = None
        seen: set[str] = set()
        number = 0
        while True:
            number += 1
            params: dict[str, Any] = {}
            if self.size_param and size:
                params[self.size_param] = size
            if locator is not None:
                params[self.param] = locator
            answered: dict[str, str] = {}

            def keep(response: "httpx.Response") -> None:
                answered.update({k.lower(): v for k, v in response.headers.items()})

            read = 0
            with client.download_file(url, stream=stream, params=params or None, headers=dict(headers) if headers else None,
                                      json_is_error=not fmt.is_json, on_response=keep) as file:
                for batch in reader(file, rows):
                    read += batch.num_rows if isinstance(batch, ColumnBatch) else len(batch)
                    yield batch
            if self.count_header:
                said = answered.get(self.count_header.lower())
                if said not in (None, "") and said.strip().isdigit() and int(said) != read:
                    raise ResponseFormatError(f"{name}: set {number} of the result says {self.count_header}: {said} "
                                              f"but holds {read} records (a cut-off answer?)", stream=stream)
            following = (answered.get(self.header.lower()) or "").strip()
            if not following or following == self.last:
                return
            if following in seen or following == locator:
                raise PaginationLoop(f"pagination loop: {name}: set {number} of the result names a set already read "
                                     f"({self.header}); stopping instead of reading it again", stream=stream)
            seen.add(following)
            locator = following


__all__ = ["HeaderLocator"]
