"""The memoized hint introspection answers exactly as dlt's own functions, and is on for every sync."""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated, Any, Dict, List, Literal, Optional, Union

import dlt.common.typing as dlt_typing
from dlt.common.configuration.specs import base_configuration
from dlt.common.configuration.specs.connection_string_credentials import ConnectionStringCredentials
from dlt.common.typing import TSecretStrValue

import bosco_connectors.framework.resources  # noqa: F401  (turns the cache on, as every sync does)
from bosco_connectors.framework.dlt_hints import _PURE

HINTS: list[Any] = [
    str, int, Optional[str], Optional[int], List[str], Dict[str, Any], Union[int, str], Literal[1], Literal[True],
    Literal["a", "b"], TSecretStrValue, Optional[TSecretStrValue], Annotated[str, "x"], ConnectionStringCredentials,
    Optional[ConnectionStringCredentials], Union[ConnectionStringCredentials, str], Any, "ForwardRef",
]


def originals() -> dict[str, Any]:
    modules = {"dlt.common.typing": dlt_typing, "dlt.common.configuration.specs.base_configuration": base_configuration}
    return {name: getattr(modules[module], name).__wrapped__ for module, name in _PURE}


def test_every_pure_function_is_replaced_in_the_modules_that_call_it():
    from dlt.common.configuration.providers import environ

    for module, name in _PURE:
        function = getattr(sys.modules[module], name)
        assert getattr(function, "__wrapped_by_bosco__", False), f"{module}.{name} is not memoized"
    # environ imported is_secret_hint by name before the cache was on: its reference is replaced too
    assert getattr(environ.is_secret_hint, "__wrapped_by_bosco__", False)


def test_memoized_answers_equal_dlts_for_every_hint_twice():
    plain = originals()
    for _, name in _PURE:
        memoized = getattr(dlt_typing, name, None) or getattr(base_configuration, name)
        for hint in HINTS:
            for _ in range(2):  # the second call answers from the cache
                assert memoized(hint) == plain[name](hint), (name, hint)
    for flags in ({"preserve_new_types": True}, {"preserve_literal": True}, {"preserve_annotated": True}):
        for hint in HINTS:
            assert dlt_typing.extract_inner_type(hint, **flags) == plain["extract_inner_type"](hint, **flags)
            assert base_configuration.extract_inner_hint(hint, **flags) == plain["extract_inner_hint"](hint, **flags)


def test_literal_one_and_literal_true_stay_apart():
    assert dlt_typing.extract_inner_type(Literal[1], preserve_literal=True) == Literal[1]
    assert dlt_typing.extract_inner_type(Literal[True], preserve_literal=True) == Literal[True]


def test_an_unhashable_argument_falls_through_to_dlt():
    unhashable = Annotated[str, {"a": 1}]  # Annotated with a dict: hashing it raises TypeError
    assert base_configuration.is_secret_hint(unhashable) is originals()["is_secret_hint"](unhashable)


def test_secret_hints_are_still_secret():
    assert base_configuration.is_secret_hint(TSecretStrValue)
    assert base_configuration.is_secret_hint(Optional[TSecretStrValue])
    assert base_configuration.is_secret_hint(ConnectionStringCredentials)
    assert not base_configuration.is_secret_hint(Optional[str])


def test_the_cache_can_be_turned_off():
    code = ("import bosco_connectors.framework.resources, dlt.common.typing as t;"
            "print(hasattr(t.is_union_type, '__wrapped_by_bosco__'))")
    out = subprocess.run([sys.executable, "-c", code], env={**__import__("os").environ, "BOSCO_DLT_HINT_CACHE": "0"},
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
