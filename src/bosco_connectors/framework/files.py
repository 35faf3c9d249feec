"""Report files read as a stream of bounded record batches, never whole in memory.

Vendors deliver large reports as files: JSON Lines (Shopify bulk operations, Amazon Ads),
CSV (Microsoft Ads, Pinterest), a JSON document holding an array of records, each perhaps
gzip- or zip-compressed. `ApiClient.download_file` writes one to a temporary file (its
size capped); a format here reads it back batch by batch, inflating and parsing as it
goes, so memory follows the batch, not the file:

- `JsonLines()`: one JSON object per line (blank lines skipped);
- `Csv(delimiter=",", skip_rows=0, footer_rows=0)`: a header row, then one record per
  row; rows of a preamble before the header and of a footer (a copyright line) dropped;
  a UTF-8 byte-order mark ignored; values stay text (the contract's Arrow cast types them).
  Reports whose preamble and summary vary in length say where they start and end:
  ``header_after="Report Fields"`` (the header follows that row: Campaign Manager 360),
  ``end_at=("Grand Total:",)`` (the records end at a row whose first field is one of these;
  ``""`` is a row that starts empty, a totals row without dimensions or a blank line:
  Display & Video 360's totals and report-time summary);
- `Json("data.rows")`: the array of records at a dotted path (``None``: the document is
  the array), parsed incrementally (ijson);
- `JsonGroups()`: an object whose every value is an array of records (Pinterest's JSON
  reports, keyed by entity id or by date), read one group at a time;

each with ``compression="auto"`` (gzip and zip recognised by their first bytes), ``"gzip"``,
``"zip"`` (the first file of the archive, or ``member=``) or ``"none"``. ``batches(file)``
yields lists of dicts; ``Csv.column_batches`` yields `ColumnBatch` (one list per column,
what `arrow.columns_to_arrow` takes) without a dict per row. ``dump(records)`` writes
the format (fake APIs and tests).

The inflated size is capped like a download (``BOSCO_MAX_DOWNLOAD_MB``): a small archive
that inflates without end is refused, not read for ever.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
import zlib
from collections import deque
from dataclasses import KW_ONLY, dataclass
from itertools import islice
from typing import Any, BinaryIO, Iterable, Iterator, Literal

import orjson

from .errors import ResponseFormatError

Compression = Literal["auto", "none", "gzip", "zip"]

#: Records per batch: enough to amortise the per-batch work (an Arrow table, a dlt item),
#: few enough that a batch of wide records stays a few MB.
DEFAULT_BATCH_ROWS = 10_000
#: The longest line (JSONL) or field (CSV) accepted: a record, not a file.
MAX_LINE_BYTES = 64 * 2**20
#: Bytes read from the inflated stream at a time.
READ_BUFFER = 1 << 20
#: Bytes `JsonLines` cuts into lines at a time (the lines of one read are held together).
LINES_READ = 1 << 18

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_BOM = b"\xef\xbb\xbf"


@dataclass
class ColumnBatch:
    """One batch as one list of values per column (every list `num_rows` long)."""

    columns: dict[str, list[Any]]
    num_rows: int

    def rows(self) -> list[dict[str, Any]]:
        names = list(self.columns)
        return [dict(zip(names, values)) for values in zip(*self.columns.values())] if names else [{} for _ in range(self.num_rows)]


@dataclass(frozen=True)
class FileFormat:
    """How a report file is written: its format (the subclass) and compression."""

    _: KW_ONLY
    compression: Compression = "auto"
    #: zip: the archive member to read (default: its first file); ``"*"``: every member in
    #: name order, each inflated on its own if gzipped (Amplitude's export: one gzipped JSON
    #: Lines file per hour), read one after the other.
    member: str | None = None

    def records(self, file: BinaryIO) -> Iterator[dict[str, Any]]:
        """Every record of the file, one at a time."""
        raise NotImplementedError

    def batches(self, file: BinaryIO, rows: int = DEFAULT_BATCH_ROWS) -> Iterator[list[dict[str, Any]]]:
        """The records in lists of at most `rows`."""
        records = self.records(file)
        while batch := list(islice(records, rows)):
            yield batch

    def dump(self, records: Iterable[dict[str, Any]]) -> bytes:
        """The records written in this format and compression (for fake APIs and tests)."""
        return compress(self.encode(records), self.compression, self.member or f"report{self.suffix}")

    def encode(self, records: Iterable[dict[str, Any]]) -> bytes:
        raise NotImplementedError

    suffix = ""
    #: Whether the file itself is JSON (a small JSON answer to a request for any other format is an error).
    is_json = False

    def open(self, file: BinaryIO) -> BinaryIO:
        """The file's content, inflated, as a buffered binary stream (a UTF-8 BOM skipped)."""
        return open_inflated(file, self.compression, self.member)


@dataclass(frozen=True)
class JsonLines(FileFormat):
    """One JSON object per line."""

    suffix = ".jsonl"
    is_json = True

    def records(self, file: BinaryIO) -> Iterator[dict[str, Any]]:
        for number, line in enumerate(self.lines(file), start=1):
            if line.strip():
                yield self.record(line, number)

    @staticmethod
    def record(line: bytes, number: int) -> dict[str, Any]:
        """Line `number` of the file as an object, or the error that says which line is not one."""
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise ResponseFormatError(f"report file: line {number} is not JSON (starts {line[:40]!r})") from None
        if not isinstance(record, dict):
            raise ResponseFormatError(f"report file: line {number} is not a JSON object")
        return record

    def lines(self, file: BinaryIO) -> Iterator[bytes]:
        """Every line of the inflated file (blank ones too, without their line break), cut from
        reads of `LINES_READ` bytes: a readline call per line costs more than parsing a short line."""
        stream = self.open(file)
        rest = b""
        while chunk := stream.read(LINES_READ):
            lines = (rest + chunk).split(b"\n") if rest else chunk.split(b"\n")
            rest = lines.pop()
            for line in lines:
                if len(line) > MAX_LINE_BYTES:
                    raise _too_long()
                yield line
            if len(rest) > MAX_LINE_BYTES:
                raise _too_long()
        if rest:
            yield rest

    def encode(self, records: Iterable[dict[str, Any]]) -> bytes:
        return b"".join(orjson.dumps(r, default=str) + b"\n" for r in records)


@dataclass(frozen=True)
class Csv(FileFormat):
    """A header row, then one record per row (values as text; an empty field is ``""``).

    ``skip_rows``: rows before the header (a report's title block); ``footer_rows``: rows
    after the last record (a copyright line, a totals row), dropped.
    """

    delimiter: str = ","
    skip_rows: int = 0
    footer_rows: int = 0
    encoding: str = "utf-8-sig"
    #: The header is the row after the first row whose first field is this text (a preamble of any length before it).
    header_after: str | None = None
    #: The records end at the first row whose first field is one of these (``""``: empty, or a blank line).
    end_at: tuple[str, ...] = ()

    @property
    def suffix(self) -> str:  # type: ignore[override]
        return ".tsv" if self.delimiter == "\t" else ".csv"

    def _rows(self, file: BinaryIO) -> tuple[list[str], Iterator[list[str]]]:
        text = io.TextIOWrapper(self.open(file), encoding=self.encoding, newline="")
        reader = csv.reader(text, delimiter=self.delimiter)
        try:
            for _ in range(self.skip_rows):
                next(reader)
            if self.header_after is not None:
                while (row := next(reader, None)) is not None and (row[0].strip() if row else "") != self.header_after:
                    pass
                if row is None:
                    raise ResponseFormatError(f"report file: no '{self.header_after}' row before the CSV header")
            header = next(reader)
        except StopIteration:
            return [], iter(())
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ResponseFormatError(f"report file: the CSV header does not read ({exc})") from None
        return header, self._body(reader, len(header))

    def _body(self, reader: Any, width: int) -> Iterator[list[str]]:
        held: deque[list[str]] = deque()
        try:
            for row in reader:
                if self.end_at and (row[0].strip() if row else "") in self.end_at:
                    return  # a summary (totals, the report's time and filters) follows: no more records
                if not row:
                    continue  # a blank line
                if self.footer_rows:
                    held.append(row)
                    if len(held) <= self.footer_rows:
                        continue
                    row = held.popleft()
                if len(row) != width:
                    raise ResponseFormatError(
                        f"report file: CSV line {reader.line_num - len(held)} has {len(row)} fields, the header {width}")
                yield row
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ResponseFormatError(f"report file: CSV line {reader.line_num} does not read ({exc})") from None

    def records(self, file: BinaryIO) -> Iterator[dict[str, Any]]:
        header, rows = self._rows(file)
        for row in rows:
            yield dict(zip(header, row))

    def column_batches(self, file: BinaryIO, rows: int = DEFAULT_BATCH_ROWS) -> Iterator[ColumnBatch]:
        """Batches as columns: ``zip(*rows)`` per batch, no dict per record."""
        header, body = self._rows(file)
        while batch := list(islice(body, rows)):
            yield ColumnBatch({name: list(values) for name, values in zip(header, zip(*batch))}, len(batch))

    def encode(self, records: Iterable[dict[str, Any]]) -> bytes:
        out = io.StringIO()
        if self.header_after is not None:
            out.write(self.header_after + "\n")
        writer: csv.DictWriter[str] | None = None
        for record in records:
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(record), delimiter=self.delimiter, lineterminator="\n")
                writer.writeheader()
            writer.writerow({k: "" if v is None else v for k, v in record.items()})
        if self.end_at and writer is not None:
            out.write(self.end_at[0] + self.delimiter * (len(writer.fieldnames) - 1) + "\n")  # the summary's first row
        # In the file's own encoding (Google Play's UTF-16 with its byte-order mark); UTF-8 without a mark otherwise.
        return out.getvalue().encode("utf-8" if self.encoding.replace("_", "-").lower() in ("utf-8", "utf-8-sig", "utf8") else self.encoding)


@dataclass(frozen=True)
class Json(FileFormat):
    """A JSON document whose records are the array at ``path`` (``None``: the document is the array)."""

    path: str | None = None

    suffix = ".json"
    is_json = True

    def records(self, file: BinaryIO) -> Iterator[dict[str, Any]]:
        import ijson  # the only streaming reader of plain JSON; JSONL and CSV need nothing

        prefix = f"{self.path}.item" if self.path else "item"
        try:
            for number, record in enumerate(ijson.items(self.open(file), prefix, use_float=True), start=1):
                if not isinstance(record, dict):
                    raise ResponseFormatError(f"report file: record {number} at '{self.path or '(top level)'}' is not a JSON object")
                yield record
        except ijson.JSONError as exc:
            raise ResponseFormatError(f"report file: the JSON does not parse ({exc})") from None

    def encode(self, records: Iterable[dict[str, Any]]) -> bytes:
        rows: Any = list(records)
        for key in reversed(self.path.split(".") if self.path else []):
            rows = {key: rows}
        return orjson.dumps(rows, default=str)


@dataclass(frozen=True)
class JsonGroups(FileFormat):
    """A JSON object whose every value is an array of records: ``{"<key>": [{...}, ...], ...}``.

    Pinterest's JSON reports are keyed by entity id (or by date); each record repeats the
    fields it is grouped by, so the keys are not kept. Groups are parsed one at a time
    (ijson ``kvitems``): memory follows the largest group, not the file. ``group_by``
    names the field `dump` groups records by (fake APIs and tests).
    """

    group_by: str | None = None

    suffix = ".json"
    is_json = True

    def records(self, file: BinaryIO) -> Iterator[dict[str, Any]]:
        import ijson

        stream = self.open(file)
        first = stream.peek(256).lstrip()[:1]  # type: ignore[attr-defined]
        if not first:
            return  # an empty file: no group, no record
        if first != b"{":
            raise ResponseFormatError(f"report file: expected a JSON object of record arrays, found {first!r} first")
        try:
            for key, group in ijson.kvitems(stream, "", use_float=True):
                if not isinstance(group, list):
                    raise ResponseFormatError(f"report file: the value of '{key}' is not an array of records")
                for number, record in enumerate(group, start=1):
                    if not isinstance(record, dict):
                        raise ResponseFormatError(f"report file: record {number} of '{key}' is not a JSON object")
                    yield record
        except ijson.JSONError as exc:
            raise ResponseFormatError(f"report file: the JSON does not parse ({exc})") from None

    def encode(self, records: Iterable[dict[str, Any]]) -> bytes:
        groups: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            key = str(record.get(self.group_by)) if self.group_by else "records"
            groups.setdefault(key, []).append(record)
        return orjson.dumps(groups, default=str)


# -- compression ------------------------------------------------------------------------------


def open_inflated(file: BinaryIO, compression: Compression = "auto", member: str | None = None,
                  max_bytes: int | None = None) -> BinaryIO:
    """`file` inflated as it is read, capped at `max_bytes` (default: the download cap)."""
    file.seek(0)
    head = file.read(4)
    file.seek(0)
    kind = compression
    if kind == "auto":
        kind = "gzip" if head.startswith(_GZIP_MAGIC) else "zip" if head.startswith(_ZIP_MAGIC) else "none"
    raw: Any
    if kind == "gzip":
        raw = gzip.GzipFile(fileobj=file, mode="rb")
    elif kind == "zip":
        raw = _zip_member(file, member)
    else:
        raw = file
    stream = io.BufferedReader(_Checked(raw, kind, max_bytes or _download_cap()), buffer_size=READ_BUFFER)  # type: ignore[arg-type]
    if stream.peek(3)[:3] == _BOM:
        stream.read(3)
    return stream  # type: ignore[return-value]


def compress(content: bytes, compression: Compression, member: str = "report") -> bytes:
    """`content` gzip- or zip-compressed (``auto`` and ``none`` leave it as is)."""
    if compression == "gzip":
        return gzip.compress(content, compresslevel=5)
    if compression == "zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            if member == ALL_MEMBERS:  # every member read: one gzipped member, as Amplitude writes them
                archive.writestr("report_0#0.json.gz", gzip.compress(content, compresslevel=5))
            else:
                archive.writestr(member, content)
        return out.getvalue()
    return content


#: `FileFormat.member` for "every member of the zip archive, in name order".
ALL_MEMBERS = "*"


def _zip_member(file: BinaryIO, member: str | None) -> BinaryIO:
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile as exc:
        raise ResponseFormatError(f"report file: not a readable zip archive ({exc})") from None
    names = [info.filename for info in archive.infolist() if not info.is_dir()]
    if member == ALL_MEMBERS:
        return _Members(archive, sorted(names))  # type: ignore[return-value]
    if member is None:
        if not names:
            raise ResponseFormatError("report file: the zip archive holds no file")
        member = names[0]
    elif member not in names:
        raise ResponseFormatError(f"report file: the zip archive has no member {member!r} (it holds {', '.join(names[:5]) or 'nothing'})")
    return archive.open(member)  # type: ignore[return-value]


class _Members(io.RawIOBase):
    """Every member of a zip archive, one after the other, each gunzipped if it is gzip; a line
    break after each (a JSON Lines member without a last newline still ends its line)."""

    def __init__(self, archive: zipfile.ZipFile, names: list[str]) -> None:
        self.archive, self.names, self.current = archive, list(names), None

    def readable(self) -> bool:
        return True

    def _next(self) -> Any:
        while self.names:
            raw = self.archive.open(self.names.pop(0))
            head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
            if head == _GZIP_MAGIC:
                return gzip.GzipFile(fileobj=raw, mode="rb")
            return raw
        return None

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        while True:
            if self.current is None:
                self.current = self._next()
                if self.current is None:
                    return b""
            data = self.current.read(size if size and size > 0 else READ_BUFFER)
            if data:
                return data
            self.current.close()
            self.current = None
            return b"\n"

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
        self.archive.close()
        super().close()


class _Checked(io.RawIOBase):
    """A raw stream over a decompressor: counts inflated bytes, turns codec errors into one line."""

    def __init__(self, inner: Any, kind: str, limit: int) -> None:
        self.inner, self.kind, self.limit, self.size = inner, kind, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.inner.read(len(buffer))
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
            what = f"{self.kind} data" if self.kind != "none" else "the file"
            raise ResponseFormatError(f"report file: {what} is truncated or corrupt ({type(exc).__name__}: {exc})") from None
        n = len(data)
        self.size += n
        if self.size > self.limit:
            from .http import ResponseTooLarge

            raise ResponseTooLarge(f"report file: passed {self.limit / 2**20:.0f} MB once inflated; refused "
                                   "(raise BOSCO_MAX_DOWNLOAD_MB if this is expected)")
        buffer[:n] = data
        return n

    def close(self) -> None:
        if self.inner is not None and hasattr(self.inner, "close") and self.kind != "none":
            self.inner.close()  # the downloaded file itself belongs to the caller
        super().close()


def _too_long() -> ResponseFormatError:
    return ResponseFormatError(f"report file: a line longer than {MAX_LINE_BYTES // 2**20} MB; not a record")


def _download_cap() -> int:
    from .http import MAX_DOWNLOAD_BYTES, _env_bytes

    return _env_bytes("BOSCO_MAX_DOWNLOAD_MB", MAX_DOWNLOAD_BYTES)
