"""Config dataclasses from YAML mappings: every key and value checked, one-line errors.

Stage: below everything that reads a config (imports only ``schema`` and ``languages``). One
builder for every settings dataclass filled from a file or a mapping: a study file's blocks
(``study.spec``), a paradigm's config (``train.make_config``), the sandbox recipe. ``build``
refuses unknown keys, missing required keys and values of the wrong type (read from the
dataclass's annotations), then constructs the class, so its own checks (``__post_init__``) run
last. Every error is one line, ``<file>: <key path>: <what is wrong; what is allowed>``::

    study.yaml: eval: unknown key 'limitt'; known: batch_size, benchmarks, ...
    study.yaml: paradigm_config.grpo.reward_lambdas.accuracy: expected a number, got 'abc'
    study.yaml: pool: n must be >= 1 (or null = all), got -5

The values are passed on as the file gave them (a YAML list for a tuple field, an integer for a
float field), so what a study resolves to, and the content keys of its cells, do not depend on
the builder. ``field_docs`` reads the attribute docstrings the fields are documented with (the
CLI's help is generated from them, ``cli_settings``).

Why not pydantic (``TypeAdapter`` over these dataclasses): in strict mode it refuses a YAML list
for a tuple field and a mapping for a stdlib dataclass, in lax mode it accepts "5" for an integer
and true for a number; it converts what it validates (1 -> 1.0 for a float field), which would
change the content keys of existing study cells; and its errors (a location and a type code)
would still need this module's wording to become today's one-line messages.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import math
import textwrap
import types
import typing
from typing import Any

from xling.schema import XlingError


def fits(value: Any, hint: Any) -> bool:
    """Whether a YAML value fits a field annotation (bool is not a number; ints are floats;
    a list fits a tuple)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return (isinstance(value, int | float) and not isinstance(value, bool)
                and math.isfinite(value))
    if hint is str:
        return isinstance(value, str)
    if origin in (list, tuple) or hint in (list, tuple):
        inner = [arg for arg in args if arg is not Ellipsis]
        return isinstance(value, list | tuple) and all(fits(v, inner[0]) for v in value if inner)
    if origin is dict or hint is dict:
        return isinstance(value, dict) and (not args or all(
            fits(k, args[0]) and fits(v, args[1]) for k, v in value.items()))
    return True  # any other annotation is left to the class's own checks


def _mismatch(value: Any, hint: Any, path: str) -> tuple[str, Any, Any]:
    """Where ``value`` does not fit ``hint``: ``(key path, hint there, value there)``, inside
    mappings and lists (``reward_lambdas.accuracy``: expected a number, got 'abc'), not just
    at the top ("expected a mapping", of a value that is one)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    arms = args if origin in (typing.Union, types.UnionType) else (hint,)
    for arm in arms:
        arm_origin, arm_args = typing.get_origin(arm), typing.get_args(arm)
        if isinstance(value, dict) and (arm_origin is dict or arm is dict) and len(arm_args) == 2:
            for k, v in value.items():
                if not fits(k, arm_args[0]):
                    return key_path(path, str(k)), arm_args[0], k
                if not fits(v, arm_args[1]):
                    return _mismatch(v, arm_args[1], key_path(path, str(k)))
        if isinstance(value, list | tuple) and (arm_origin in (list, tuple) or arm in (list, tuple)):
            inner = [a for a in arm_args if a is not Ellipsis]
            for i, v in enumerate(value):
                if inner and not fits(v, inner[0]):
                    return _mismatch(v, inner[0], f"{path}[{i}]")
    return path, hint, value


def describe(hint: Any) -> str:
    """'an integer', 'a number or null', 'a list of strings', ..."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe(arg) for arg in args)
    simple = {type(None): "null", bool: "true or false", int: "an integer", float: "a number",
              str: "a string", Any: "anything"}
    if hint in simple:
        return simple[hint]
    if origin in (list, tuple) or hint in (list, tuple):
        inner = [arg for arg in args if arg is not Ellipsis]
        return f"a list of {describe(inner[0]).split(' ', 1)[-1]}s" if inner else "a list"
    if origin is dict or hint is dict:
        return "a mapping"
    return getattr(hint, "__name__", str(hint))


def shown(value: Any) -> str:
    """A value as an error message shows it (cut at 60 characters), with what a YAML reader
    most likely meant when a number came as text or is not finite."""
    text = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    if isinstance(value, float) and not math.isfinite(value):
        return f"{text} (numbers must be finite)"
    if isinstance(value, str):
        try:
            float(value)
            return f"{text} (a string: YAML reads 1e-4 as text; write 1.0e-4)"
        except ValueError:
            pass
    return text


def key_path(path: str, key: str) -> str:
    """``path.key`` (``key`` alone at the top)."""
    return f"{path}.{key}" if path else key


def at(file: str, path: str) -> str:
    """'<file>: <key path>' (the file alone when the path is empty)."""
    return f"{file}: {path}" if path else file


def build(cls: type, data: Any, file: str, path: str = "", *,
          convert: dict[str, Any] | None = None, construct: bool = True) -> Any:
    """``cls(**data)`` after refusing unknown keys, missing required keys and values of the
    wrong type (from ``cls``'s annotations); ``cls``'s own checks (``__post_init__``) run last.
    ``None`` is an empty mapping (every field its default).

    Args:
        file: what the mapping came from, first in every message (a path, "xling demo").
        path: the mapping's key path in it ("eval", "cells[2].config"); "" = the top.
        convert: key -> function applied to the raw value first (e.g. language parsing).
        construct: False = check keys and types only (a partial config, merged later).

    Raises:
        XlingError: one line, ``<file>: <key path>: <what is wrong; what is allowed>``.

    >>> @dataclasses.dataclass
    ... class Pool:
    ...     n: int = 1
    >>> build(Pool, {"n": 2.5}, "s.yaml", "pool")
    Traceback (most recent call last):
    ...
    xling.schema.XlingError: s.yaml: pool.n: expected an integer, got 2.5
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise XlingError(f"{at(file, path)}: expected a mapping, got {shown(data)}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted((k for k in data if k not in fields), key=str)
    if unknown:
        raise XlingError(f"{at(file, path)}: unknown key {unknown[0]!r}; "
                         f"known: {', '.join(sorted(fields))}")
    hints = typing.get_type_hints(cls)
    values = dict(data)
    for key, value in data.items():
        if key in (convert or {}):
            value = values[key] = convert[key](value)  # type: ignore[index]
        if not fits(value, hints.get(key, Any)):
            where, hint, got = _mismatch(value, hints[key], key_path(path, key))
            raise XlingError(f"{at(file, where)}: expected {describe(hint)}, got {shown(got)}")
    if not construct:
        return None
    missing = [name for name, f in fields.items() if name not in values
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if missing:
        raise XlingError(f"{at(file, path)}: missing required key {missing[0]!r}")
    try:
        return cls(**values)
    except (XlingError, TypeError, ValueError) as exc:
        raise XlingError(f"{at(file, path)}: {exc}") from None


def typed_list(value: Any, file: str, path: str, item: type) -> list[Any]:
    """``value`` as a list of ``item`` (None = empty), else one line naming the key path."""
    hint = list[item]  # type: ignore[valid-type]
    if value is None:
        return []
    if not fits(value, hint):
        raise XlingError(f"{file}: {path}: expected {describe(hint)}, got {shown(value)}")
    return list(value)


def lang_codes(value: Any, file: str, path: str) -> tuple[str, ...]:
    """Languages as a study file writes them ('all', 'en,de' or a list), parsed and checked
    against the registry (``languages.parse_langs``), else one line naming the key path."""
    from xling.languages import parse_langs

    if not isinstance(value, str | list | tuple):
        raise XlingError(f"{file}: {path}: expected 'all', 'en,de' or a list of language codes, "
                         f"got {shown(value)}")
    try:
        return tuple(parse_langs(value if isinstance(value, str) else [str(v) for v in value]))
    except XlingError as exc:
        raise XlingError(f"{file}: {path}: {exc}") from None


def field_docs(cls: type) -> dict[str, str]:
    """The attribute docstring of each field of dataclass ``cls`` and its bases (the string
    literal right below the field's declaration), whitespace folded; "" where there is none
    or the source cannot be read."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass) or klass is object:
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body  # type: ignore[attr-defined]
        for node, after in zip(body, body[1:], strict=False):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                    and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)):
                docs[node.target.id] = " ".join(after.value.value.split())
    return {f.name: docs.get(f.name, "") for f in dataclasses.fields(cls)}

