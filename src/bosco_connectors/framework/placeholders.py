"""``{name}`` placeholders in a request's path, headers and parameters, filled from the partition.

One rule everywhere a declaration names a value it does not know yet (an account id in a
header, ``X-AP-Context: adAccountId={ad_account_id};``; a campaign id in a report's filter):

- a whole ``"{name}"`` is replaced by the value itself, keeping its type (an id, a list);
- ``{name}`` inside longer text is replaced by the value's text;
- nested dicts and lists are filled too.

`extract` reads the values back out of a request that was filled this way, for the fakes
that answer such requests (which account, which campaign was asked for).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

_WHOLE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")
#: Only ``{identifier}`` is a placeholder: other braces (JSON text in a parameter) stay as they are.
_ANY = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def names(template: Any) -> set[str]:
    """Every placeholder name in `template` (text, or dicts and lists holding text)."""
    found: set[str] = set()
    for text in _texts(template):
        found |= set(_ANY.findall(text))
    return found


def fill(template: Any, lookup: Callable[[str], Any]) -> Any:
    """`template` with its placeholders replaced by ``lookup(name)``; a missing value is a `KeyError`."""
    if isinstance(template, str):
        whole = _WHOLE.match(template)
        if whole:
            return _value(lookup, whole.group(1))
        if not _ANY.search(template):
            return template  # as given: a str subclass (LinkedIn's pre-encoded Rest.li text) keeps its type
        return _ANY.sub(lambda m: str(_value(lookup, m.group(1))), template)
    if isinstance(template, dict):
        return {key: fill(value, lookup) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, lookup) for value in template]
    return template


def extract(template: Any, actual: Any) -> dict[str, Any]:
    """``{name: value}`` that `fill` would have had to use to turn `template` into `actual`
    (what matches; a part that does not match gives nothing)."""
    if isinstance(template, str):
        if not isinstance(actual, str) and _WHOLE.match(template):
            return {_WHOLE.match(template).group(1): actual}  # type: ignore[union-attr]
        if not isinstance(actual, str) or not _ANY.search(template):
            return {}
        parts, seen, last = [], set(), 0
        for m in _ANY.finditer(template):
            parts.append(re.escape(template[last:m.start()]))
            name = m.group(1)
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
            seen.add(name)
            last = m.end()
        parts.append(re.escape(template[last:]))
        match = re.fullmatch("".join(parts), actual)
        return dict(match.groupdict()) if match else {}
    if isinstance(template, dict) and isinstance(actual, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key in actual:
                out.update(extract(value, actual[key]))
        return out
    if isinstance(template, list) and isinstance(actual, list):
        out = {}
        for value, sent in zip(template, actual):
            out.update(extract(value, sent))
        return out
    return {}


def _value(lookup: Callable[[str], Any], name: str) -> Any:
    value = lookup(name)
    if value is None:
        raise KeyError(f"{{{name}}} has no value: no partition key or config field of that name")
    return value


def _texts(template: Any) -> Iterator[str]:
    if isinstance(template, str):
        yield template
    elif isinstance(template, dict):
        for value in template.values():
            yield from _texts(value)
    elif isinstance(template, list):
        for value in template:
            yield from _texts(value)
