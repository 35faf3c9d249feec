"""One id rule for every source: exact decimal strings, on the dict path and the Arrow path."""

from __future__ import annotations

from datetime import date

import orjson
import pytest
from pydantic import ValidationError

from bosco_connectors.framework import Contract, ContractError, Id
from bosco_connectors.framework.arrow import to_arrow

EIGHTEEN_DIGITS = b'{"campaign_id": 123456789012345678, "day": "2026-11-20"}'


class Row(Contract):
    campaign_id: Id
    parent_id: Id | None = None
    day: date


def _dict_path(value: object) -> str:
    return Row.model_validate({"tenant_id": "t", "campaign_id": value, "day": "2026-11-20"}).campaign_id


def _arrow_path(value: object) -> str:
    table = to_arrow([{"tenant_id": "t", "campaign_id": value, "parent_id": value, "day": date(2026, 11, 20)}], Row, "s")
    assert table.column("parent_id").to_pylist() == table.column("campaign_id").to_pylist()  # `Id | None` too
    return table.column("campaign_id")[0].as_py()


@pytest.mark.parametrize("path", [_dict_path, _arrow_path], ids=["dict", "arrow"])
@pytest.mark.parametrize(
    "sent, loaded",
    [
        ("4000018919707257", "4000018919707257"),
        ("4000018919707257.0", "4000018919707257"),  # a float's rendering, once through a float
        ("act_123", "act_123"),
        ("gid://shopify/Order/5123", "gid://shopify/Order/5123"),
        (4000018919707257, "4000018919707257"),
        (4000018919707257.0, "4000018919707257"),  # integral and below 2**53: exact
        (orjson.loads(EIGHTEEN_DIGITS)["campaign_id"], "123456789012345678"),
    ],
)
def test_ids_become_their_exact_decimal_string(path, sent, loaded) -> None:
    assert path(sent) == loaded


@pytest.mark.parametrize("sent", [1.2345678901234568e17, 12.5, True], ids=["past-2**53", "fraction", "bool"])
def test_a_float_that_cannot_be_exact_is_refused_on_both_paths(sent) -> None:
    with pytest.raises(ValidationError) as info:
        _dict_path(sent)
    assert "campaign_id" in str(info.value)
    with pytest.raises(ContractError) as arrow_info:
        _arrow_path(sent)
    assert str(arrow_info.value).startswith("s: field 'campaign_id': id ")


def test_orjson_reads_an_18_digit_id_exactly_and_it_stays_exact() -> None:
    sent = orjson.loads(EIGHTEEN_DIGITS)["campaign_id"]
    assert isinstance(sent, int)
    assert float(sent) != sent  # through a float it would come back as ...680
    assert _dict_path(sent) == _arrow_path(sent) == "123456789012345678"
