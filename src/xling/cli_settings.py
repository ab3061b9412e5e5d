"""CLI options generated from a settings dataclass, as TRL generates its CLI from its configs.

Stage: CLI. ``settings_command(EvalSettings)`` turns a command function that takes a parameter
annotated ``EvalSettings`` into one typer sees with a ``--<field>`` option per field: the name
kebab-cased (``max_new_tokens`` -> ``--max-new-tokens``), the field's default, and its attribute
docstring as the help (``config.field_docs``). The command gets the dataclass built from the
options, so its own checks run before the command does anything (one ``XlingError`` line). A
field added to the settings is a flag of every command built from them, with no CLI edit.

Types: ``int``, ``float``, ``str`` and ``X | None`` are typer's own; ``bool`` is
``--x/--no-x``; ``tuple[int, ...]`` is a comma-separated list (``--pass-k 1,8,16``).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import types
import typing
from collections.abc import Callable, Iterable
from typing import Annotated, Any

import typer

from xling.config import field_docs
from xling.schema import XlingError


def int_list(flag: str) -> Callable[[str | None], tuple[int, ...]]:
    """A parser of ``flag``'s text "1,8,16" into ``(1, 8, 16)`` ('' or None: ``()``)."""
    def parse(text: str | None) -> tuple[int, ...]:
        if not text:
            return ()
        try:
            return tuple(int(k) for k in text.split(",") if k.strip())
        except ValueError:
            raise XlingError(f"{flag} takes comma-separated integers, got {text!r}") from None
    return parse


def _option(name: str, hint: Any, default: Any, help: str) -> tuple[inspect.Parameter, Callable]:
    """The typer parameter of one field, and the function that turns its value into the field's."""
    flag = "--" + name.replace("_", "-")
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple and args[1:] == (Ellipsis,) and args[0] is int:
        annotation: Any = str | None
        default = ",".join(map(str, default)) if default else None
        convert: Callable = int_list(flag)
    elif hint in (int, float, str, bool) or (
            origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args
            and set(args) - {type(None)} <= {int, float, str}):
        annotation, convert = hint, (lambda value: value)
    else:
        raise TypeError(f"no CLI option for field {name!r} of type {hint!r}")
    parameter = inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                  annotation=Annotated[annotation, typer.Option(help=help)])
    return parameter, convert


def settings_command(cls: type, *, only: Iterable[str] | None = None,
                     help: dict[str, str] | None = None):
    """Decorator: the command's parameter annotated ``cls`` becomes one option per field (in
    its place), and receives the ``cls`` built from them.

    Args:
        cls: the settings dataclass.
        only: the fields to offer (the others keep their defaults); None = every field.
        help: help text replacing a field's docstring where a command means something narrower.
    """
    hints = typing.get_type_hints(cls)
    docs = field_docs(cls)
    wanted = [f for f in dataclasses.fields(cls) if f.init and (only is None or f.name in only)]

    def decorate(func: Callable) -> Callable:
        signature = inspect.signature(func, eval_str=True)
        generated, converters = [], {}
        for f in wanted:
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            parameter, converters[f.name] = _option(f.name, hints[f.name], default,
                                                    (help or {}).get(f.name, docs[f.name]))
            generated.append(parameter)
        # keyword-only, so that options with and without defaults may come in any order
        own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in signature.parameters.values()]
        at = next((i for i, p in enumerate(own) if p.annotation is cls), None)
        if at is None:
            raise TypeError(f"{func.__name__} has no parameter annotated {cls.__name__}")
        param = own[at].name
        parameters = own[:at] + generated + own[at + 1:]

        @functools.wraps(func)
        def command(**kwargs: Any) -> Any:
            values = {name: convert(kwargs.pop(name)) for name, convert in converters.items()}
            return func(**kwargs, **{param: cls(**values)})

        command.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in parameters}
        return command

    return decorate
