"""`JsonLines.lines`: a file's lines cut from large reads, as readline would give them."""

from __future__ import annotations

import gzip
import io

import pytest

from bosco_connectors.framework import ResponseFormatError
from bosco_connectors.framework import files
from bosco_connectors.framework.files import JsonLines


@pytest.mark.parametrize("content", [b"", b"{}", b"{}\n", b'{"a":1}\n\n{"b":2}\r\n{"c":3}', b"\n\n"])
def test_lines_are_the_lines_of_the_file(content):
    expected = content.split(b"\n")
    if expected[-1] == b"":  # after the last line break: no line
        expected.pop()
    assert list(JsonLines().lines(io.BytesIO(content))) == expected


def test_lines_span_reads(monkeypatch):
    monkeypatch.setattr(files, "LINES_READ", 7)
    content = b'{"name":"a long line"}\n{"b":2}\n'
    assert list(JsonLines(compression="gzip").lines(io.BytesIO(gzip.compress(content)))) == [b'{"name":"a long line"}', b'{"b":2}']
    assert [r for r in JsonLines().records(io.BytesIO(content))] == [{"name": "a long line"}, {"b": 2}]


def test_a_line_longer_than_a_record_is_refused(monkeypatch):
    monkeypatch.setattr(files, "MAX_LINE_BYTES", 10)
    monkeypatch.setattr(files, "LINES_READ", 4)
    with pytest.raises(ResponseFormatError, match="a line longer than"):
        list(JsonLines().records(io.BytesIO(b'{"a":"0123456789"}\n')))
