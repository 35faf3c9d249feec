"""Optional extras: which modules each installs, and the one line a source without its extra fails with.

A plain ``pip install bosco-connectors`` installs no vendor SDK. A source that cannot run
without one names that extra in ``Connector.required_extras``; before it reads anything,
`check_extras` tells whether the extra's modules are installed (without importing them,
so the check costs nothing) and raises `MissingExtra` with the command that installs it.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    from .connector import Connector

PACKAGE = "bosco-connectors"

#: The import names each extra of ``pyproject.toml`` installs (tests keep the two in step).
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "facebook": ("facebook_business",),
    "google-ads": ("google.ads.googleads",),
    "ga4": ("jwt", "cryptography"),
    "apple-search-ads": ("jwt", "cryptography"),
    "google-search-console": ("jwt", "cryptography"),
    "prefect": ("prefect",),
    "snowflake": ("snowflake.connector",),
}


class MissingExtra(ConfigError):
    """A source's extra is not installed: ``<source> needs the [<extra>] extra: pip install ...``."""

    def __init__(self, source: str, extra: str) -> None:
        self.extra = extra
        super().__init__(f"{source} needs the [{extra}] extra: pip install '{PACKAGE}[{extra}]'")
        self.source = source


def installed(module: str) -> bool:
    """True when `module` can be imported; nothing is imported (a blocked ``sys.modules`` entry counts as missing)."""
    top = module.split(".")[0]
    for name in (top, module):
        if name in sys.modules:
            if sys.modules[name] is None:
                return False
            continue
        try:
            if importlib.util.find_spec(name) is None:
                return False
        except (ImportError, ValueError):
            return False
    return True


def missing_extras(connector: "Connector") -> list[str]:
    """The extras `connector` cannot run without that are not installed."""
    return [extra for extra in connector.required_extras if not all(installed(m) for m in EXTRA_MODULES[extra])]


def check_extras(connector: "Connector") -> None:
    """Raise `MissingExtra` (one line, the install command) when a required extra is missing."""
    missing = missing_extras(connector)
    if missing:
        raise MissingExtra(connector.name, missing[0])
