"""A field the vendor stops sending: refused before loading, remembered with the stream's state (`framework.drift`)."""

from __future__ import annotations

import pytest

from bosco_connectors.framework import Contract, ContractError
from bosco_connectors.framework.arrow import to_arrow
from bosco_connectors.framework.drift import SentFields, fields_in


class Daily(Contract):
    ad_id: str
    spend: float | None = None
    clicks: int | None = None


def run(state: dict, *pages, contract=frozenset({"ad_id", "spend", "clicks"})) -> None:
    sent = SentFields()
    for page in pages:
        sent.add(page)
    sent.settle(state, set(contract), tenant="acme", source="toy", stream="daily")


def test_an_arrow_page_knows_which_contract_fields_no_record_carried():
    page = to_arrow([{"ad_id": "1", "spend": None}, {"ad_id": "2"}], Daily, "daily")
    assert fields_in(page) == {"ad_id", "spend"}  # spend sent as null counts; clicks never sent


def test_a_field_sent_before_and_missing_from_every_record_now_is_refused():
    state: dict = {}
    run(state, to_arrow([{"ad_id": "1", "spend": "2.5", "clicks": 3}], Daily, "daily"))
    assert state["fields_sent"] == ["ad_id", "clicks", "spend"]
    with pytest.raises(ContractError) as info:
        run(state, to_arrow([{"ad_id": "1", "clicks": 3}], Daily, "daily"), [{"ad_id": "2", "clicks": 1}])
    line = str(info.value)
    assert line.startswith("toy/daily: field 'spend' is missing from all 2 records of this run, though the vendor sent it before")
    assert "bosco-sync state reset --tenant acme --source toy --stream daily --yes" in line and "\n" not in line
    assert state["fields_sent"] == ["ad_id", "clicks", "spend"], "a refused run changes nothing"


def test_sparse_values_a_run_without_rows_and_a_field_left_out_of_the_contract_pass():
    state = {"fields_sent": ["ad_id", "clicks", "spend", "actions_lead"]}
    run(state, [{"ad_id": "1", "spend": None, "clicks": None}])  # null is sent; actions_lead left the contract
    run(state)  # nothing read: nothing to compare
    assert state["fields_sent"] == ["ad_id", "clicks", "spend"]
