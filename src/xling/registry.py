"""Name -> object lookup for the extension tables (benchmarks, backends, paradigms, rewards, probes).

Stage: all. A table maps a short name to ``"module:attr"``; the import happens only on lookup,
so listing names loads nothing heavy. An unknown name gives an error listing the known ones,
and a dotted path ``"my_pkg.module:Attr"`` works for anything not in the table.

>>> resolve({"json": "json:dumps"}, "json", "encoder")([1])
'[1]'
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from xling.schema import XlingError


def resolve(table: Mapping[str, str], name: str, kind: str) -> Any:
    """Import and return the object registered as ``name`` in ``table``.

    Args:
        table: name -> ``"module:attr"`` (or ``"module"`` for the module itself).
        name: a key of ``table`` or a dotted path ``"pkg.module:attr"``.
        kind: what the table holds, for the error message ("benchmark", "backend", ...).

    Raises:
        XlingError: unknown name, or a dotted path that does not import.
    """
    target = table.get(name)
    if target is None:
        if ":" not in name:
            known = ", ".join(sorted(table))
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
    if not attr:
        return module
    try:
        return getattr(module, attr)
    except AttributeError as exc:
        raise XlingError(f"{kind} {name!r}: module {module_name!r} has no {attr!r}") from exc
