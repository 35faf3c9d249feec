"""Small sources for the recipe tests of facts no source of this repository maps yet (app
installs before an MMP is installed) or whose raw tables are tedious to write (HubSpot's
funnel reads three tables): a connector named `name`, of `category`, whose streams each map one
`Maps` into a unified fact. Registered with `registry.registered`, it gets the generated
staging (``stg_<name>__<fact>``) and joins the generated fact like an installed source."""

from __future__ import annotations

from dataclasses import replace

from bosco_connectors.framework.connector import Connector
from bosco_connectors.framework.facts import Maps
from bosco_connectors.framework.registry import get_connector


def fact_source(name: str, category: str, **streams: Maps) -> Connector:
    """A connector whose stream ``<stream>`` maps into a fact as `streams[<stream>]` declares;
    its raw table is ``raw.<name>_<stream>``."""
    base = get_connector("tapfiliate")  # any declared source: only its name, category and streams matter here
    template = base.streams[0]
    return replace(base, name=name, title=name, category=category, streams_for=None,
                   streams=[replace(template, name=stream, unified=mapping) for stream, mapping in streams.items()])
