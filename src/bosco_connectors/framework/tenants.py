"""The one rule for tenant ids, applied wherever a tenant id comes in.

A tenant id is stamped on every row, is part of every key, names a dlt pipeline and a
folder, and appears in every log line: 1 to 63 ASCII letters, digits, ``-`` or ``_``,
starting with a letter or digit. No spaces (a trailing space would make a second tenant
that looks like the first), no quotes (SQL and paths), no invisible or right-to-left
characters (log lines that lie). The same rule holds in ``bosco.toml``, on the command
line (``--tenant``) and in Python (``source(tenant_id=...)``).
"""

from __future__ import annotations

import re

from .errors import ConfigError

TENANT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")
RULE = "1-63 ASCII letters, digits, '-' or '_', starting with a letter or digit"


def check_tenant_id(value: object, *, where: str = "tenant id") -> str:
    """Return `value` if it is a valid tenant id, else raise `ConfigError` saying the rule."""
    if isinstance(value, str) and TENANT_ID.fullmatch(value):
        return value
    shown = value.encode("unicode_escape").decode()[:70] if isinstance(value, str) else type(value).__name__
    raise ConfigError(f"{where} {shown!r} is not valid: use {RULE}")
