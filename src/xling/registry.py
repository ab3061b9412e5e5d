"""Name -> object lookup for every extension table: benchmarks, backends, probes, paradigms,
rewards, pools, scorers.

Stage: all. Every table has one shape: a short name -> ``"module:attr"`` (or ``"module"`` for a
module itself). The import happens only on lookup, so listing names loads nothing heavy. What is
special about an entry lives on the object it names (a ``Benchmark``, a ``Paradigm`` with its
kind and engines, a ``Reward`` with its adapter arguments), so a user's own entry, a dotted path
``"my_pkg.module:Attr"`` in a study file, carries the same things as a built-in row. An unknown
name gives an error listing the known ones; an object of the wrong type gives one naming the
type expected.

>>> resolve({"json": "json:dumps"}, "json", "encoder")([1])
'[1]'
>>> resolve({"json": "json:dumps"}, "json", "encoder", expect=int)  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
xling.schema.XlingError: encoder 'json' is a function, not a int
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from xling.schema import XlingError


def is_dotted(name: str) -> bool:
    """Whether ``name`` is a dotted path ``"pkg.module:attr"`` (not a table name)."""
    return ":" in name


def resolve(table: Mapping[str, str], name: str, kind: str, expect: Any = None,
            sort_known: bool = True) -> Any:
    """Import and return the object registered as ``name`` in ``table``.

    Args:
        table: name -> ``"module:attr"`` (or ``"module"`` for the module itself).
        name: a key of ``table`` or a dotted path ``"pkg.module:attr"``.
        kind: what the table holds, for the error message ("benchmark", "backend", ...).
        expect: a type (or tuple of types, or a ``runtime_checkable`` Protocol) the object must
            be an instance of; None = anything.
        sort_known: list the known names sorted (else in the table's order) in the error.

    Raises:
        XlingError: unknown name, a dotted path that does not import, or an object of the
            wrong type.
    """
    target = table.get(name)
    if target is None:
        if not is_dotted(name):
            known = ", ".join(sorted(table) if sort_known else table)
            raise XlingError(
                f"unknown {kind} {name!r}; known: {known} (or a dotted path 'my_pkg.module:Attr')"
            )
        target = name
    module_name, _, attr = target.partition(":")  # no ':' in a table entry = the module itself
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if target is name:
            raise XlingError(f"cannot import {kind} {name!r}: {exc}") from exc
        raise
    obj: Any = module
    if attr:
        try:
            obj = getattr(module, attr)
        except AttributeError as exc:
            raise XlingError(f"{kind} {name!r}: module {module_name!r} has no {attr!r}") from exc
    if expect is not None and not isinstance(obj, expect):
        wanted = (" or ".join(t.__name__ for t in expect) if isinstance(expect, tuple)
                  else expect.__name__)
        raise XlingError(f"{kind} {name!r} is a {_what(obj)}, not a {wanted}")
    return obj


def _what(obj: Any) -> str:
    import inspect

    if inspect.ismodule(obj):
        return "module"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return "function"
    if inspect.isclass(obj):
        return f"class ({obj.__name__})"
    return type(obj).__name__
