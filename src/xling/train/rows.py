"""What one training example becomes, on every paradigm and engine (TRL and verl alike).

Stage: train. The training prompt of an example (``example_prompt``), its form (plain text, or
one user message that the model's chat template wraps: ``prompt_of``), and the columns its
reward reads (``reward_columns``: gold answer, language, scorer kind, options, meta). TRL's
GRPO rows (``grpo.grpo_row``) and verl's parquet rows (``verl_export.verl_row``) are both built
from these, so a study cell trains on the same rows whichever engine runs it
(tests/test_same_experiment.py compares them). Imports no trainer.

>>> prompt_of(Example("q", "q", "en", "1+1?", "2"), "standard", chat=True)[0]["role"]
'user'
"""

from __future__ import annotations

import json
from typing import Any

from xling.languages import PROMPT_STYLES, build_prompt
from xling.schema import Example, XlingError

TRAIN_PROMPT_STYLES: tuple[str, ...] = tuple(s for s in PROMPT_STYLES if s != "think-prefill")
"""Prompt styles a training prompt can take (every paradigm, TRL and verl): think-prefill opens
the model's thinking block after a chat template is applied, which only evaluation does."""


def check_prompt_style(style: str) -> None:
    """Refuse a prompt style training cannot carry (never a silent stand-in).

    Raises:
        XlingError: an unknown style, or think-prefill (evaluation only).
    """
    if style == "think-prefill":
        raise XlingError("prompt_style think-prefill opens the model's thinking block, which only "
                         "evaluation does (xling eval, a study's eval.prompt_style); a training "
                         f"prompt takes {', '.join(TRAIN_PROMPT_STYLES)} (consistency is the same "
                         "instruction without the opened block)")
    if style not in PROMPT_STYLES:
        raise XlingError(f"unknown prompt_style {style!r}; known: {', '.join(TRAIN_PROMPT_STYLES)}")


def example_prompt(e: Example, style: str = "standard") -> str:
    """The training prompt of ``e`` for every paradigm and engine (SFT, RFT, GRPO, verl), by its
    scorer kind (``e.meta["scorer"]``, default math): an IFEval item is its instruction prompt
    as is; a multiple-choice item lists its options; otherwise ``build_prompt`` in ``style``.

    >>> example_prompt(Example("q", "q", "en", "Which?", "B", choices=("x", "y"))).splitlines()[2]
    'A. x'
    """
    if e.meta.get("scorer") == "ifeval":
        return e.question
    return build_prompt(e.question, e.lang, style, choices=e.choices)


def prompt_of(e: Example, style: str, chat: bool) -> str | list[dict[str, str]]:
    """The prompt as a trainer takes it: plain text (tokenized as it is), or, when ``chat``, one
    user message that the model's chat template wraps (with its generation prompt)."""
    prompt = example_prompt(e, style)
    return [{"role": "user", "content": prompt}] if chat else prompt


def reward_columns(e: Example) -> dict[str, Any]:
    """The columns a reward reads for ``e`` (``rewards.accuracy_reward``'s keyword arguments):
    ``answer``, ``lang``, the scorer kind (``scorer``; ``choices`` and ``meta`` as JSON
    strings, "" when absent: one column type for every row, parquet's and datasets' alike), and
    the ids ``id``, ``parallel_id``."""
    return {"answer": e.answer, "lang": e.lang, "id": e.id, "parallel_id": e.parallel_id,
            "scorer": e.meta.get("scorer", "math"),
            "choices": json.dumps(list(e.choices), ensure_ascii=False) if e.choices else "",
            "meta": json.dumps(e.meta, ensure_ascii=False, default=str) if e.meta else ""}
