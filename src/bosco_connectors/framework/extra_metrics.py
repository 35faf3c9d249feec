"""``extra_metrics``: more of a vendor's report fields without code, one column each.

A report source's config takes ``extra_metrics = ["video_play_actions", ...]`` (in
``bosco.toml`` and in Python alike): the names are asked for with the source's own metrics
and loaded as columns of the report tables. Names are checked before any request: against
the vendor's published field list where there is one (Meta's SDK lists every insights
field), else for their form only (the vendor's answer names a wrong one at the first request).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable, Optional

from pydantic import Field, create_model

NAME = re.compile(r"^[a-z][a-z0-9_.]*$")


def extra_metrics_field(vendor: str) -> Any:
    """The config field: a list of the vendor's metric names, empty by default."""
    return Field(default_factory=list, description=f"More {vendor} report metrics to load, one column each "
                                                   "(names as the vendor's reference spells them).")


def check_names(names: Iterable[str], *, vendor: str, known: Iterable[str] | None = None,
                already: Iterable[str] = ()) -> list[str]:
    """`names` without duplicates and without those the source reads anyway; a bad one raises `ValueError`."""
    out = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    bad = [n for n in out if not NAME.match(n)]
    if bad:
        raise ValueError(f"not a {vendor} metric name: {', '.join(bad[:5])} (lower case, digits and _)")
    if known is not None:
        valid = set(known)
        unknown = [n for n in out if n not in valid]
        if unknown:
            raise ValueError(f"not in {vendor}'s published field list: {', '.join(unknown[:5])}")
    read = set(already)
    return [n for n in out if n not in read]


@lru_cache(maxsize=None)
def with_columns(base: type, names: tuple[str, ...], kind: type | tuple[type, ...] = float) -> type:
    """The contract plus one optional column of `kind` per name (or of each name's own kind, a
    tuple as long as `names`; the same class when there are none)."""
    if not names:
        return base
    kinds = kind if isinstance(kind, tuple) else (kind,) * len(names)
    extra = {name: (Optional[k], Field(default=None, description="An extra_metrics column.")) for name, k in zip(names, kinds)}
    return create_model(base.__name__, __base__=base, __module__=base.__module__, __doc__=base.__doc__, **extra)
