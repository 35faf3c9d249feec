"""dlt's destination capabilities, worked out once per destination object.

dlt asks the destination for its capabilities ~25 times a sync; 9 of those asks pass no
configuration, and each of them resolves the destination's configuration from every
config provider (environment, TOML files) anew: ~25 ms of a ~330 ms sync on this
machine, measured on a small TikTok sync. Without a configuration the answer depends on the destination object's
own parameters and that resolution, which does not change while the object is in use:
`Plan.make_destination` makes one per sync. So the answer is kept on the object, per
naming convention, and every caller gets its own copy (dlt's steps may set fields on
what they receive). Asks with a configuration go to dlt as before.
``BOSCO_DLT_CAPS_CACHE=0`` turns it off.
"""

from __future__ import annotations

import copy
from typing import Any

from ..framework.dlt_hints import patch_switched_off

_KEPT = "_bosco_capabilities"


def install() -> None:
    """Wrap ``Destination.capabilities`` (once; not when switched off)."""
    if patch_switched_off("BOSCO_DLT_CAPS_CACHE"):
        return
    from dlt.common.destination.reference import Destination

    if getattr(Destination, "_bosco_capabilities_kept", False):
        return
    original = Destination.capabilities

    def capabilities(self: Any, config: Any = None, naming: Any = None) -> Any:
        if config is not None:
            return original(self, config, naming)
        kept = self.__dict__.setdefault(_KEPT, {})
        key = naming_key(naming)
        if key not in kept:
            kept[key] = original(self, None, naming)
        return copy.copy(kept[key])

    capabilities.__doc__ = original.__doc__
    capabilities.__wrapped__ = original  # type: ignore[attr-defined]
    Destination.capabilities = capabilities  # type: ignore[method-assign]
    Destination._bosco_capabilities_kept = True  # type: ignore[attr-defined]


def naming_key(naming: Any) -> Any:
    """What of a naming convention adjusts the capabilities: its kind, case rules and length."""
    if naming is None:
        return None
    return (type(naming), getattr(naming, "is_case_sensitive", None), getattr(naming, "max_length", None))
