"""One source's largest stream loaded two ways, each run in its own process.

``python -m bench.source_contenders <ours|raw> '<json options>'`` prints one JSON line:
rows, seconds (imports excluded), CPU seconds and peak RSS.

- ``ours``: the source's stream through `bosco_connectors.sync.run_sync` (what
  ``bosco-sync run`` executes: extract, normalize, load into DuckDB, merge on the key),
  its client's own waits (rate spacing) skipped as in the conformance kit, since the
  fake on loopback has no budget to respect.
- ``raw``: no dlt and no framework, one thread. It sends exactly the requests our sync
  sent to the fake (recorded by the server: pagination, report jobs and downloads come
  out the same without writing each API's paging again), decodes each answer (JSON,
  JSON lines, CSV; gzip and zip unpacked), takes its records (the longest list of
  objects in a JSON body; a list of batches, as Google's searchStream sends, is
  flattened), flattens nested objects into ``a__b`` columns (lists as JSON text), builds
  an Arrow table per answer and inserts into DuckDB every ~50k rows. No merge, no types
  beyond what Arrow infers.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import resource
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

BATCH_ROWS = 50_000
#: Request headers httpx sets itself.
HOP_BY_HOP = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding"}


# -- ours ------------------------------------------------------------------------------------


def run_ours(opts: dict[str, Any]) -> int:
    from bosco_connectors.destinations.duckdb import duckdb_destination
    from bosco_connectors.framework.registry import get_connector
    from bosco_connectors.sync import SyncJob, run_sync
    from bosco_connectors.testing.sandbox_runs import without_waits

    connector = get_connector(opts["source"])
    work = Path(opts["workdir"])
    result = run_sync(
        SyncJob("bench", connector.name, opts["config"], [opts["stream"]]),
        destination=duckdb_destination(work / "ours.duckdb"), pipelines_dir=work / "pipelines",
        connector=without_waits(connector),
    )
    if not result.ok:
        raise SystemExit(f"our sync failed: {result.error}")
    table = connector.table_name(connector.stream(opts["stream"]))
    rows = _count(work / "ours.duckdb", f"raw.{table}")
    if rows is None:
        raise SystemExit(f"our sync succeeded but loaded no rows into raw.{table} "
                         f"({result.requests} requests; rows by table: {result.rows or 'none'})")
    return rows


# -- raw baseline ----------------------------------------------------------------------------


def run_raw(opts: dict[str, Any]) -> int:
    import duckdb
    import httpx
    import pyarrow as pa

    exchanges = json.loads(Path(opts["requests_file"]).read_text())
    path = Path(opts["workdir"]) / "raw.duckdb"
    con = duckdb.connect(str(path))
    pending: list[Any] = []
    columns: dict[str, str] = {}

    def insert(batch: Any) -> None:
        if not columns:
            con.execute("CREATE TABLE records AS SELECT * FROM batch")
        else:
            for name in batch.column_names:
                if name not in columns:
                    con.execute(f'ALTER TABLE records ADD COLUMN "{name}" VARCHAR')
            try:
                con.execute("INSERT INTO records BY NAME SELECT * FROM batch")
            except duckdb.Error:  # a column's type differs between answers: keep it as text
                for name in batch.column_names:
                    con.execute(f'ALTER TABLE records ALTER "{name}" TYPE VARCHAR')
                con.execute("INSERT INTO records BY NAME SELECT * FROM batch")
        columns.update({c[0]: c[1] for c in con.execute("DESCRIBE records").fetchall()})

    def flush() -> None:
        nonlocal pending
        if not pending:
            return
        try:
            batches = [pa.concat_tables(pending, promote_options="permissive")]
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # answers whose columns' types differ
            batches = pending
        for batch in batches:
            insert(batch)
        pending = []

    with httpx.Client(base_url=opts["root"], timeout=300) as http:
        for exchange in exchanges:
            headers = {k: v for k, v in exchange["headers"].items() if k.lower() not in HOP_BY_HOP}
            answer = http.request(exchange["method"], exchange["url"], headers=headers, content=base64.b64decode(exchange["body"]))
            table = answer_table(answer.content, answer.headers.get("content-type", ""), pa)
            if table is not None and table.num_rows:
                pending.append(table)
                if sum(t.num_rows for t in pending) >= BATCH_ROWS:
                    flush()
    flush()
    con.close()
    return _count(path, "records") if columns else 0


def answer_table(content: bytes, content_type: str, pa: Any) -> Any:
    """The records of one answer as an Arrow table (None: no records in it)."""
    if content[:2] == b"\x1f\x8b":
        content = gzip.decompress(content)
    elif content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = archive.read(archive.namelist()[0])
    text = content.lstrip()[:1]
    if text in (b"{", b"["):
        import orjson

        try:
            records = find_records(orjson.loads(content))
        except orjson.JSONDecodeError:  # JSON lines
            records = [orjson.loads(line) for line in content.splitlines() if line.strip()]
        return pa.Table.from_pylist([flatten(r) for r in records]) if records else None
    if not content.strip() or "html" in content_type:
        return None
    import pyarrow.csv as csv

    return csv.read_csv(io.BytesIO(table_part(content)))


def table_part(content: bytes) -> bytes:
    """The lines of a CSV answer that hold its table: from the first line with the most common
    number of fields (CM360's report file opens with a title and ``Report Fields``; its
    ``Grand Total:`` line has the table's fields and stays, one row in thousands)."""
    import csv as text_csv
    from collections import Counter

    head = content[:65536].decode("utf-8", "replace").splitlines()[:200]
    widths = [len(row) for row in text_csv.reader(head)]
    common = Counter(w for w in widths if w > 1).most_common(1)
    if not common or (widths and widths[0] == common[0][0]):
        return content
    start = widths.index(common[0][0])
    offset = sum(len(line) + 1 for line in content.split(b"\n")[:start])  # the header's first byte
    return content[offset:]


def find_records(node: Any, depth: int = 0) -> list[dict[str, Any]]:
    """The longest list of objects in a JSON body (a list of batches of them: concatenated)."""
    if depth > 5:
        return []
    if isinstance(node, dict):
        values = list(node.values())
        if len(values) > 1 and all(isinstance(v, list) and v and isinstance(v[0], dict) for v in values):
            return [r for v in values for r in v]  # lists by key (Pinterest's report: an ad's rows under its id)
        return max((find_records(v, depth + 1) for v in values), key=len, default=[])
    if isinstance(node, list) and node and isinstance(node[0], dict):
        inner = [r for item in node for r in find_records(item, depth + 1)]
        return inner if len(inner) > len(node) else node
    return []


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    import orjson

    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "__"))
        elif isinstance(value, list):
            out[name] = orjson.dumps(value).decode()
        else:
            out[name] = value
    return out


# -- plumbing --------------------------------------------------------------------------------


def _count(path: Path, table: str) -> int | None:
    """Rows in `table`; None when there is no such table (nothing was loaded into it)."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        try:
            return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        except duckdb.CatalogException:
            return None


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _import_everything(name: str, source: str) -> None:
    """Import what a contender needs before the clock starts: we time syncs, not imports."""
    import duckdb  # noqa: F401
    import httpx  # noqa: F401
    import orjson  # noqa: F401
    import pyarrow  # noqa: F401
    import pyarrow.csv  # noqa: F401

    if name == "ours":
        import dlt  # noqa: F401
        import dlt.destinations  # noqa: F401

        import bosco_connectors.sync  # noqa: F401
        from bosco_connectors.framework.registry import get_connector

        get_connector(source)


CONTENDERS = {"ours": run_ours, "raw": run_raw}


def main(name: str, opts: dict[str, Any]) -> None:
    _import_everything(name, opts["source"])
    cpu_before = _cpu()
    started = time.perf_counter()
    rows = CONTENDERS[name](opts)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"name": name, "rows": rows, "seconds": seconds, "cpu": _cpu() - cpu_before, "peak_rss_mb": peak_mb}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
