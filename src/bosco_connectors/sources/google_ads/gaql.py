"""GAQL: the fields a stream selects, the query text, and how a result row becomes a record.

Each stream lists its fields as `Field` objects: the GAQL name (snake_case, as the query
language wants it), the raw table column, and the value's kind. The same list builds
the query and flattens the rows, so the two can never disagree.

Result rows arrive as the protocol-buffers JSON mapping of ``GoogleAdsRow``
(https://developers.google.com/google-ads/api/rest/design/json-mappings): nested objects
with lowerCamelCase keys (``metrics.cost_micros`` is ``{"metrics": {"costMicros": ...}}``),
int64 values as JSON *strings* (``"costMicros": "1230000"``), enums by name, dates as
``"YYYY-MM-DD"``. The REST transport gets exactly that; the gRPC transport converts each
SDK message with ``json_format.MessageToDict`` so both share this module.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Mapping, Sequence

import orjson

from ...framework.gaql import METRIC_PREFIX, F, Field, build_query, camel

#: Metrics are additive counters: a row that omits one (proto3 leaves an unset field out
#: of the JSON) means zero, never "unknown". Fields and queries are the framework's
#: (`framework.gaql`, shared with Search Ads 360); this module turns rows into dicts.
MICROS = Decimal(1_000_000)


class Share(float):
    """The kind of a metric that is a fraction, not a counter (``search_impression_share``):
    absent means unknown (NULL), never 0. Google reports a share below 10% as 0.0999."""



def _lookup(row: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = row
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _convert(value: Any, kind: type) -> Any:
    if value is None:
        return None
    if kind is int:
        return int(value)  # int64 arrives as a JSON string
    if kind is float or kind is Share:
        return float(value)
    if kind is bool:
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if kind is date:
        return date.fromisoformat(str(value)[:10])
    if kind is list:
        # Repeated fields (an ad's final_urls) stay one column, as JSON text, not a child table.
        return orjson.dumps(list(value)).decode()
    return str(value)


def flatten(row: Mapping[str, Any], fields: Sequence[Field]) -> dict[str, Any]:
    """One ``GoogleAdsRow`` (JSON mapping) -> one flat record keyed by column name.

    ``cost_micros`` is kept raw and also converted to currency units as ``cost``, exactly
    (``Decimal``), so that the sum of ``cost`` equals the sum of ``cost_micros`` / 1e6.
    """
    record: dict[str, Any] = {}
    for field in fields:
        value = _convert(_lookup(row, field.json_path), field.kind)
        if value is None and field.is_metric and field.kind in (int, float):
            value = field.kind(0)
        record[field.column] = value
    if "cost_micros" in record:
        micros = record["cost_micros"]
        record["cost"] = None if micros is None else Decimal(micros) / MICROS
    return record


__all__ = ["F", "Field", "METRIC_PREFIX", "MICROS", "Share", "build_query", "camel", "flatten"]
