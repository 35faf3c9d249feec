"""`files`: report files read as bounded batches, whatever their size, format and compression."""

from __future__ import annotations

import gzip
import io
import tracemalloc
import zipfile
from pathlib import Path

import orjson
import pytest

from bosco_connectors.framework.errors import ResponseFormatError
from bosco_connectors.framework.files import ColumnBatch, Csv, Json, JsonGroups, JsonLines, open_inflated
from bosco_connectors.framework.http import ResponseTooLarge

RECORDS = [{"day": "2026-11-01", "spend": "1.5", "name": "a, \"quoted\"\nname"}, {"day": "2026-11-02", "spend": "2", "name": "b"}]


def read(fmt, content: bytes, rows: int = 1000) -> list[dict]:
    return [r for batch in fmt.batches(io.BytesIO(content), rows) for r in batch]


@pytest.mark.parametrize("compression", ["none", "gzip", "zip"])
@pytest.mark.parametrize("fmt", [JsonLines, Csv, lambda **kw: Json("report.rows", **kw)], ids=["jsonl", "csv", "json"])
def test_each_format_reads_back_what_it_wrote_in_any_compression(fmt, compression):
    written = fmt(compression=compression).dump(RECORDS)
    assert written[:2] == {"none": written[:2], "gzip": b"\x1f\x8b", "zip": b"PK"}[compression]

    assert read(fmt(compression=compression), written) == RECORDS
    assert read(fmt(), written) == RECORDS  # "auto" knows gzip and zip by their first bytes


def test_batches_are_bounded():
    content = JsonLines().dump({"n": i} for i in range(25))
    sizes = [len(b) for b in JsonLines().batches(io.BytesIO(content), 10)]
    assert sizes == [10, 10, 5]
    columns = list(Csv().column_batches(io.BytesIO(Csv().dump({"n": i} for i in range(25))), 10))
    assert [c.num_rows for c in columns] == [10, 10, 5] and columns[2].columns == {"n": ["20", "21", "22", "23", "24"]}


def test_csv_header_bom_delimiter_preamble_and_footer():
    content = ("\ufeffReport: campaigns\tlast 7 days\nday\tspend\n2026-11-01\t1.5\n2026-11-02\t\n"
               "Total\t1.5\n\u00a92026 Vendor. All rights reserved.\n").encode()
    fmt = Csv(delimiter="\t", skip_rows=1, footer_rows=2)
    assert read(fmt, content) == [{"day": "2026-11-01", "spend": "1.5"}, {"day": "2026-11-02", "spend": ""}]
    (batch,) = fmt.column_batches(io.BytesIO(content))
    assert batch == ColumnBatch({"day": ["2026-11-01", "2026-11-02"], "spend": ["1.5", ""]}, 2)
    assert read(Csv(), b"") == [] and read(Csv(), b"day,spend\n") == []


def test_csv_row_of_another_width_fails_naming_its_line():
    with pytest.raises(ResponseFormatError, match="CSV line 3 has 3 fields, the header 2"):
        read(Csv(), b"a,b\n1,2\n3,4,5\n")


def test_jsonl_skips_blank_lines_and_a_bom_and_names_a_bad_line():
    assert read(JsonLines(), b"\xef\xbb\xbf{\"a\": 1}\n\n{\"a\": 2}") == [{"a": 1}, {"a": 2}]
    with pytest.raises(ResponseFormatError, match="line 2 is not JSON"):
        read(JsonLines(), b'{"a": 1}\n{"a": \n')
    with pytest.raises(ResponseFormatError, match="line 1 is not a JSON object"):
        read(JsonLines(), b"[1, 2]\n")


def test_json_records_path_and_top_level_array():
    body = orjson.dumps({"meta": {"n": 2}, "data": {"rows": [{"a": 1.5}, {"a": 2}]}})
    assert read(Json("data.rows"), body) == [{"a": 1.5}, {"a": 2}]
    assert read(Json(), b'[{"a": 1}]') == [{"a": 1}]
    with pytest.raises(ResponseFormatError, match="does not parse"):
        read(Json("data.rows"), b'{"data": {"rows": [{"a": 1}, ')


def test_json_groups_reads_every_group_in_order_and_keeps_ids_exact():
    """Pinterest's JSON report: an object keyed by entity id, each value that entity's rows."""
    body = (b'{"626736533506": [{"CAMPAIGN_ID": 626736533506, "DATE": "2026-11-01", "SPEND_IN_MICRO_DOLLAR": 12450000},'
            b' {"CAMPAIGN_ID": 626736533506, "DATE": "2026-11-02", "CTR": 0.0127}],'
            b' "549755885175123456": [{"CAMPAIGN_ID": 549755885175123456, "DATE": "2026-11-01"}], "1": []}')
    assert read(JsonGroups(), body, rows=2) == [
        {"CAMPAIGN_ID": 626736533506, "DATE": "2026-11-01", "SPEND_IN_MICRO_DOLLAR": 12450000},
        {"CAMPAIGN_ID": 626736533506, "DATE": "2026-11-02", "CTR": 0.0127},
        {"CAMPAIGN_ID": 549755885175123456, "DATE": "2026-11-01"},  # 18 digits, not through a float
    ]
    fmt = JsonGroups(group_by="CAMPAIGN_ID", compression="gzip")
    written = fmt.dump([{"CAMPAIGN_ID": "7", "n": 1}, {"CAMPAIGN_ID": "8", "n": 2}, {"CAMPAIGN_ID": "7", "n": 3}])
    assert orjson.loads(gzip.decompress(written)) == {"7": [{"CAMPAIGN_ID": "7", "n": 1}, {"CAMPAIGN_ID": "7", "n": 3}],
                                                      "8": [{"CAMPAIGN_ID": "8", "n": 2}]}
    assert read(JsonGroups(), b"{}") == [] and read(JsonGroups(), b"") == []


@pytest.mark.parametrize(("body", "message"), [
    (b'[{"a": 1}]', "expected a JSON object of record arrays"),
    (b'{"1": {"a": 1}}', "the value of '1' is not an array"),
    (b'{"1": [{"a": 1}, 2]}', "record 2 of '1' is not a JSON object"),
    (b'{"1": [{"a": 1}', "does not parse"),
])
def test_json_groups_refuses_other_shapes_in_one_line(body, message):
    with pytest.raises(ResponseFormatError, match=message):
        read(JsonGroups(), body)


def test_zip_member_by_name_and_a_missing_one():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not the report")
        archive.writestr("report.csv", "a\n1\n")
    assert read(Csv(member="report.csv"), out.getvalue()) == [{"a": "1"}]
    with pytest.raises(ResponseFormatError, match="no member 'other.csv' \\(it holds readme.txt, report.csv\\)"):
        read(Csv(member="other.csv"), out.getvalue())


def test_truncated_gzip_is_one_clear_line():
    cut = gzip.compress(b'{"a": 1}\n' * 10_000)[:-40]
    with pytest.raises(ResponseFormatError, match="gzip data is truncated or corrupt"):
        read(JsonLines(), cut)


def test_inflated_size_is_capped():
    bomb = gzip.compress(b"\n" * (8 * 2**20))
    stream = open_inflated(io.BytesIO(bomb), max_bytes=2**20)
    with pytest.raises(ResponseTooLarge, match="passed 1 MB once inflated"):
        stream.read()


# -- memory does not grow with the file ---------------------------------------------------------


def write_csv_gz(path: Path, megabytes: int) -> int:
    """A gzip CSV report of about `megabytes` (inflated), written without holding it: its row count."""
    header = b"day,campaign_id,campaign_name,spend,impressions,clicks,conversions\n"
    block = b"".join(b"2026-11-01,%d,campaign %d with a longer name,12.34,1000,20,3.5\n" % (1_000_000 + i, i) for i in range(5000))
    return _write(path, header, block, megabytes)


def write_jsonl_gz(path: Path, megabytes: int) -> int:
    block = b"".join(orjson.dumps({"day": "2026-11-01", "campaign_id": str(1_000_000 + i), "name": f"campaign {i}",
                                   "spend": "12.34", "impressions": 1000, "actions": [{"action_type": "lead", "value": "3"}]}) + b"\n"
                     for i in range(5000))
    return _write(path, b"", block, megabytes)


def _write(path: Path, header: bytes, block: bytes, megabytes: int) -> int:
    rows = 0
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(header)
        written = 0
        while written < megabytes * 2**20:
            out.write(block)
            written += len(block)
            rows += 5000
    return rows


def peak_while_reading(fmt, path: Path, rows: int) -> tuple[int, float]:
    """(records read, peak traced MB) over a whole read of `path` in batches of `rows`."""
    count = 0
    tracemalloc.start()
    try:
        with open(path, "rb") as file:
            batches = fmt.column_batches(file, rows) if isinstance(fmt, Csv) else fmt.batches(file, rows)
            for batch in batches:
                count += batch.num_rows if isinstance(batch, ColumnBatch) else len(batch)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return count, peak


@pytest.mark.parametrize(("fmt", "write"), [(Csv(), write_csv_gz), (JsonLines(), write_jsonl_gz)], ids=["csv", "jsonl"])
def test_memory_follows_the_batch_not_the_file(tmp_path, fmt, write):
    small, large = tmp_path / "small.gz", tmp_path / "large.gz"
    small_rows, large_rows = write(small, 2), write(large, 12)

    read_small, peak_small = peak_while_reading(fmt, small, 2000)
    read_large, peak_large = peak_while_reading(fmt, large, 2000)

    assert (read_small, read_large) == (small_rows, large_rows)
    assert peak_large < 10, f"peak {peak_large:.1f} MB reading a 12 MB file in batches of 2,000"
    assert peak_large < peak_small * 1.5 + 1, f"a 6x larger file took {peak_large:.1f} MB against {peak_small:.1f} MB"


@pytest.mark.slow
@pytest.mark.parametrize(("fmt", "write"), [(Csv(), write_csv_gz), (JsonLines(), write_jsonl_gz)], ids=["csv", "jsonl"])
def test_memory_stays_flat_on_a_multi_hundred_mb_gzip_file(tmp_path, fmt, write):
    path = tmp_path / "report.gz"
    rows = write(path, 200)

    count, peak = peak_while_reading(fmt, path, 10_000)

    assert count == rows
    assert peak < 32, f"peak {peak:.1f} MB reading 200 MB in batches of 10,000"
