"""Reasoning models' completions: the ``<think>...</think>`` part kept apart from the answer part.

Stage: score. Long chain-of-thought models (DeepSeek-R1 distills, Qwen3, QwQ, ...) write their
reasoning inside ``<think>...</think>`` and the answer after it; many chat templates put the
opening ``<think>`` into the prompt, so the completion starts inside the thinking block. Study B
scores the part after the thinking and measures the language of each part separately.

States of a completion (``ThinkSplit.state``), each a counted outcome:

- ``closed``: a thinking block that ends with ``</think>``; the answer is what follows.
- ``unclosed``: the thinking block never ends (the length cap cut it, or the model never closed
  it). There is no answer part; the verdict is ``truncated-thinking`` (never scored from the
  thinking, which holds intermediate numbers that would be read as answers).
- ``none``: no thinking block at all (an instruct model, or a reasoning model that skipped it);
  the whole completion is the answer part.

An empty answer after a closed block gets the verdict ``empty-answer``.
Try:  python -c "from xling.scoring.thinking import split_thinking as s; print(s('<think>2+2</think> \\\\boxed{4}'))"

>>> split_thinking("<think>Let me add.</think>So \\\\boxed{4}.").answer
'So \\\\boxed{4}.'
>>> split_thinking("Let me add. 2+2 is", prefilled=True).state
'unclosed'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OPEN, CLOSE = "<think>", "</think>"
THINK_MODES: tuple[str, ...] = ("auto", "prefilled", "off")
"""How to read completions: ``auto`` splits when a ``<think>`` or ``</think>`` tag appears;
``prefilled`` means the prompt ends inside the thinking block (a completion without
``</think>`` is unclosed); ``off`` never splits."""

ThinkState = Literal["closed", "unclosed", "none"]


@dataclass(frozen=True)
class ThinkSplit:
    """A completion cut into its thinking and answer parts."""

    thinking: str
    """Text inside the thinking block ('' when there is none)."""
    answer: str
    """Text after ``</think>`` (the whole completion when there is no block; '' when unclosed)."""
    state: ThinkState


def split_thinking(text: str, prefilled: bool = False) -> ThinkSplit:
    """Split ``text`` at its thinking block (see the module docstring for the states).

    Args:
        prefilled: the prompt already opened the block, so ``text`` starts inside it.
    """
    start = text.find(OPEN)
    inner_from = start + len(OPEN) if start >= 0 else 0
    end = text.find(CLOSE, inner_from)
    if end >= 0:
        return ThinkSplit(text[inner_from:end].strip(), text[end + len(CLOSE):].strip(), "closed")
    if start >= 0 or prefilled:
        return ThinkSplit(text[inner_from:].strip(), "", "unclosed")
    return ThinkSplit("", text.strip(), "none")


def read_completion(text: str, mode: str = "auto") -> ThinkSplit:
    """``split_thinking`` under a ``THINK_MODES`` mode (``off``: the whole text is the answer)."""
    if mode not in THINK_MODES:
        from xling.schema import XlingError

        raise XlingError(f"unknown think mode {mode!r}; known: {', '.join(THINK_MODES)}")
    if mode == "off":
        return ThinkSplit("", text, "none")
    return split_thinking(text, prefilled=mode == "prefilled")
