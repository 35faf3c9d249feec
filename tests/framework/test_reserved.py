"""Records stamped before loading: reserved names renamed, child rows given their tenant."""

from bosco_connectors.framework.reserved import rename_reserved


def test_an_undeclared_list_of_values_becomes_tenant_rows_a_declared_one_stays_a_list() -> None:
    """A contract's ``partner_types: list[str]`` is one typed column; an unmodelled ``FinalUrls`` is a child table."""
    record = {"id": "1", "partner_types": ["PUBLISHER", "ADVERTISER"], "FinalUrls": ["https://a.example/x"],
              "terms": [{"rate": "5%"}]}
    rename_reserved(record, set(), "t1", frozenset({"id", "partner_types"}))
    assert record == {"id": "1", "partner_types": ["PUBLISHER", "ADVERTISER"],
                      "FinalUrls": [{"value": "https://a.example/x", "tenant_id": "t1"}],
                      "terms": [{"rate": "5%", "tenant_id": "t1"}]}
