"""`declare` and `source_function` for a source that lives outside bosco_connectors (a plugin)."""

from __future__ import annotations

from pydantic import SecretStr

from bosco_connectors.framework import Contract, SourceConfig
from bosco_connectors.framework.declare import Api, declare, source_function
from bosco_connectors.framework.spec import FullRefresh, RestStream


class PluginConfig(SourceConfig):
    api_key: SecretStr


class Item(Contract):
    id: str


def test_a_plugin_module_gets_its_dlt_source_function() -> None:
    """dlt looks the function's module up in sys.modules: it must be the declaring module,
    not a ``bosco_connectors.sources.<name>`` that does not exist for a plugin."""
    connector = declare(
        "plugin_src_x", title="Plugin", api=Api(base_url="https://api.example.com/"), config=PluginConfig,
        streams=[RestStream(name="items", path="items", contract=Item, primary_key=("id",), cursor=FullRefresh("tiny"))],
        api_version="v1", docs_url="https://api.example.com/docs", category="other",
    )
    source = source_function(connector)
    assert source.__module__ == __name__
    assert list(source(api_key="k").resources) == ["items"]
