"""What a study file's cells train with, checked by the classes that will use it: each cell's
paradigm config (the paradigm's own config dataclass, ``train.PARADIGMS``) and the sandbox
recipe of a sandbox base.

Stage: study. Reads the train and sandbox dataclasses without importing a trainer or loading
a model; every error is one line with the file and key path (``config.build``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from xling.config import build, key_path, lang_codes, shown
from xling.schema import XlingError
from xling.study.blocks import CellSpec


def config_class(paradigm: str) -> type:
    """The config dataclass of a paradigm (``train.PARADIGMS`` or a dotted path); imports no
    trainer."""
    from xling.train import get_paradigm

    return get_paradigm(paradigm).config


def stages(paradigm: str) -> tuple[str, ...]:
    """The stages of a composed paradigm (``Paradigm.stages``), () for a single one."""
    from xling.train import get_paradigm

    return get_paradigm(paradigm).stages


def check_paradigm(paradigm: str, file: str, key: str, known: list[str] | dict[str, Any]) -> None:
    """A paradigm name of the table (listed as ``known`` when it is not), or a dotted path to a
    user's ``train.Paradigm``, resolved now."""
    from xling.registry import is_dotted
    from xling.train import PARADIGMS, get_paradigm

    if paradigm in PARADIGMS:
        return
    if not is_dotted(paradigm):
        raise XlingError(f"{file}: {key}: unknown paradigm {paradigm!r}; known: "
                         f"{', '.join(known)} (or a dotted path 'my_pkg.module:PARADIGM')")
    resolved(lambda: get_paradigm(paradigm), file, key)


def check_pool_name(name: str, file: str, key: str) -> None:
    """A pool name of ``data.pools.POOLS``, an existing path (jsonl, card, or a folder holding
    one), or a dotted path to a user's loader, resolved now."""
    from pathlib import Path

    from xling.data.pools import POOLS, get_pool
    from xling.registry import is_dotted

    if name in POOLS or Path(name).exists():
        return
    if not is_dotted(name):
        raise XlingError(f"{file}: {key}: unknown pool {name!r}; known: {', '.join(POOLS)} (or a "
                         "path to a .jsonl file, a card.yaml, a folder holding one, or a dotted "
                         "path 'my_pkg.module:load')")
    resolved(lambda: get_pool(name), file, key)


def resolved(lookup: Any, file: str, key: str) -> Any:
    """``lookup()`` (a registry lookup), its error prefixed with the file and key path."""
    try:
        return lookup()
    except XlingError as exc:
        raise XlingError(f"{file}: {key}: {exc}") from None


def merged_config(paradigm_config: dict[str, dict[str, Any]], cell: CellSpec) -> dict[str, Any]:
    """A cell's paradigm config: the study's per-paradigm config, then the cell's overrides.

    A composed paradigm ('sft+grpo') takes the configs of its stages under their names.
    (``grid.cell_config`` is this for a StudySpec; ``study.spec`` exports it with the study
    file's API.)
    """
    if cell.paradigm == "base":
        return {}
    config: dict[str, Any] = {}
    for part in stages(cell.paradigm):
        if part in paradigm_config and part != cell.paradigm:
            config[part] = dict(paradigm_config[part])
    config.update(paradigm_config.get(cell.paradigm, {}))
    config.update(cell.config)
    return config


def check_paradigm_config(paradigm: str, data: Any, file: str, path: str, construct: bool) -> None:
    """Keys and types of a paradigm config (and of nested stage configs, e.g. sft+grpo's 'sft'
    or rft's 'sft': a field named after a paradigm holds that paradigm's config)."""
    from xling.train import PARADIGMS

    cls = config_class(paradigm)
    if isinstance(data, dict):
        names = {f.name for f in dataclasses.fields(cls)}
        for key, value in data.items():
            if key in PARADIGMS and key != paradigm and key in names:
                check_paradigm_config(key, value, file, key_path(path, key), construct)
    build(cls, data, file, path, construct=construct)


def check_sandbox(overrides: Any, file: str) -> None:
    """The ``sandbox:`` block: keys, types and values of the recipe and its problem range."""
    from xling.data.sandbox_world import SandboxConfig
    from xling.study.sandbox_base import PRESETS, SandboxRecipe

    if not isinstance(overrides, dict):
        raise XlingError(f"{file}: sandbox: expected a mapping, got {shown(overrides)}")
    overrides = dict(overrides)
    preset = overrides.pop("preset", "default")
    if preset not in PRESETS:
        raise XlingError(f"{file}: sandbox.preset: unknown preset {preset!r}; known: {', '.join(PRESETS)}")
    try:
        build(SandboxRecipe, overrides, file, "sandbox", construct=False)
    except XlingError as exc:
        raise XlingError(str(exc).replace("; known: ", "; known: preset, ", 1)) from None
    recipe = dataclasses.replace(PRESETS[preset], **overrides)
    for name in ("pretrain_texts", "vocab_size", "hidden_size", "num_layers", "num_heads",
                 "num_kv_heads", "intermediate_size", "steps", "batch_size"):
        if getattr(recipe, name) < 1:
            raise XlingError(f"{file}: sandbox.{name}: must be >= 1, got {getattr(recipe, name)}")
    if recipe.learning_rate <= 0:
        raise XlingError(f"{file}: sandbox.learning_rate: must be > 0, got {recipe.learning_rate}")
    if recipe.hidden_size % recipe.num_heads or recipe.num_heads % recipe.num_kv_heads:
        raise XlingError(f"{file}: sandbox: hidden_size ({recipe.hidden_size}) must be a multiple of "
                         f"num_heads ({recipe.num_heads}), and num_heads of num_kv_heads "
                         f"({recipe.num_kv_heads})")
    if recipe.mix:
        lang_codes(list(recipe.mix), file, "sandbox.mix")
        shares = list(recipe.mix.values())
        if min(shares) < 0 or abs(sum(shares) - 1.0) > 1e-6:
            raise XlingError(f"{file}: sandbox.mix: shares must be >= 0 and sum to 1, "
                             f"got sum {sum(shares):.3f}")
    build(SandboxConfig, {"seed": recipe.seed, **recipe.problems}, file, "sandbox.problems")
    if recipe.skill is not None:
        build(SandboxConfig, {"seed": recipe.seed, **recipe.skill}, file, "sandbox.skill")
    if recipe.pretrain_split not in ("pretrain", "any"):
        raise XlingError(f"{file}: sandbox.pretrain_split: must be 'pretrain' or 'any', "
                         f"got {recipe.pretrain_split!r}")
