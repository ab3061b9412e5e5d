"""Reasoning models' completions: the thinking part kept apart from the answer part.

Stage: score. Long chain-of-thought models write their reasoning inside a delimited block and
the answer after it; many chat templates put the opening delimiter into the prompt, so the
completion starts inside the block. Study B scores the part after the thinking and measures the
language of each part separately.

Delimiters differ by model family (``THINK_FORMATS``, each a ``ThinkFormat``):

- ``think``: ``<think> ... </think>`` (DeepSeek-R1 distills, Qwen3, QwQ). With two ``</think>``
  tags the answer is what follows the last one (lm-evaluation-harness's ``think_end_token``
  rule): a model that closed, wrote more reasoning and closed again answers after the second.
- ``s1``: ``<|im_start|>think ... <|im_start|>answer ...`` (s1 / s1.1 with budget forcing).
- ``solution``: reasoning, then ``<solution> ... </solution>`` holding the answer.
- a custom pair, written ``"OPEN CLOSE"`` (``parse_think_format``).

``auto`` (the default format) recognises every preset by its tags. In any format, an answer part
wrapped in ``<solution>...</solution>`` or ``<answer>...</answer>`` is read as that wrapper's
content (the last one).

States of a completion (``ThinkSplit.state``), each a counted outcome:

- ``closed``: a thinking block that ends; the answer is what follows the (last) end tag.
- ``unclosed``: the block never ends. The split cannot tell why; ``scoring.judge`` decides with
  the generation's finish reason: cut by the length cap (``finish_reason="length"``) is the
  verdict ``truncated-thinking`` (never scored from the thinking, which holds intermediate
  numbers), while a model that stopped on its own without closing the block (Qwen3 fine-tunes
  do this, with the answer inside) is scored on the block's final answer and recorded as
  ``unclosed-finished``.
- ``none``: no thinking block at all; the whole completion is the answer part.

Try:  python -c "from xling.scoring.thinking import split_thinking as s; print(s('<think>2+2</think> \\\\boxed{4}'))"

>>> split_thinking("<think>Let me add.</think>So \\\\boxed{4}.").answer
'So \\\\boxed{4}.'
>>> split_thinking("Let me add. 2+2 is", prefilled=True).state
'unclosed'
>>> split_thinking("<|im_start|>think\\nAdd.<|im_start|>answer\\nFinal Answer: 4").answer
'Final Answer: 4'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from xling.schema import XlingError

THINK_MODES: tuple[str, ...] = ("auto", "prefilled", "off")
"""How to read completions: ``auto`` splits when the format's tags appear; ``prefilled`` means
the prompt ends inside the thinking block (a completion without the end tag is unclosed);
``off`` never splits."""

ThinkState = Literal["closed", "unclosed", "none"]


@dataclass(frozen=True)
class ThinkFormat:
    """The delimiters of one model family's thinking block."""

    name: str
    open: str
    """Opens the block ('' when the format has no opening tag: reasoning starts the text)."""
    close: str
    """Ends the block; the answer follows it."""


THINK_FORMATS: dict[str, ThinkFormat] = {f.name: f for f in (
    ThinkFormat("think", "<think>", "</think>"),
    ThinkFormat("s1", "<|im_start|>think", "<|im_start|>answer"),
    ThinkFormat("solution", "", "<solution>"),
)}
"""Known presets; ``auto`` tries them in this order and takes the first whose tags appear."""
THINK = THINK_FORMATS["think"]
OPEN, CLOSE = THINK.open, THINK.close
_ANSWER_WRAPPERS = re.compile(r"<(solution|answer)>(.*?)(?:</\1>|$)", re.DOTALL)


def parse_think_format(spec: str | ThinkFormat | None) -> ThinkFormat | None:
    """A preset name, ``"auto"``/None (recognise any preset), or a custom ``"OPEN CLOSE"`` pair.

    >>> parse_think_format("s1").close
    '<|im_start|>answer'
    >>> parse_think_format("<reasoning> </reasoning>")
    ThinkFormat(name='<reasoning> </reasoning>', open='<reasoning>', close='</reasoning>')

    Raises:
        XlingError: neither a preset nor two space-separated tags.
    """
    if spec is None or isinstance(spec, ThinkFormat):
        return spec
    spec = spec.strip()
    if spec == "auto":
        return None
    if spec in THINK_FORMATS:
        return THINK_FORMATS[spec]
    tags = spec.split()
    if len(tags) != 2:
        raise XlingError(f"think format {spec!r}: a preset ({', '.join(THINK_FORMATS)}, auto) or "
                         "two tags 'OPEN CLOSE' separated by one space")
    return ThinkFormat(spec, tags[0], tags[1])


@dataclass(frozen=True)
class ThinkSplit:
    """A completion cut into its thinking and answer parts."""

    thinking: str
    """Text inside the thinking block ('' when there is none)."""
    answer: str
    """Text after the block's end (the whole completion when there is no block; '' when
    unclosed); a ``<solution>``/``<answer>`` wrapper is replaced by its content."""
    state: ThinkState
    format: str = ""
    """Name of the format whose tags were found ('' when none)."""


def _detect(text: str) -> ThinkFormat | None:
    for fmt in THINK_FORMATS.values():
        if (fmt.open and fmt.open in text) or fmt.close in text:
            return fmt
    return None


def _unwrap(answer: str) -> str:
    """The content of the last ``<solution>``/``<answer>`` wrapper, else the text itself."""
    wrapped = [m.group(2) for m in _ANSWER_WRAPPERS.finditer(answer)]
    return wrapped[-1].strip() if wrapped else answer


def split_thinking(text: str, prefilled: bool = False,
                   fmt: str | ThinkFormat | None = None) -> ThinkSplit:
    """Split ``text`` at its thinking block (see the module docstring for the states).

    Args:
        prefilled: the prompt already opened the block, so ``text`` starts inside it.
        fmt: a ``ThinkFormat``, a preset name, ``"OPEN CLOSE"``, or None / ``"auto"``
            (recognise any preset by its tags; ``think`` when prefilled and none appears).
    """
    found = parse_think_format(fmt)
    if found is None:
        found = _detect(text) or (THINK if prefilled else None)
    if found is None:
        return ThinkSplit("", _unwrap(text.strip()), "none")
    start = text.find(found.open) if found.open else -1
    inner_from = start + len(found.open) if start >= 0 else 0
    end = text.rfind(found.close, inner_from)
    if end >= 0:
        thinking = text[inner_from:end]
        if found.open:  # a block re-closed ('</think> ... </think>'): one thinking text
            thinking = thinking.replace(found.close, "\n")
        answer = text[end + len(found.close):]
        if found.name == "solution":
            answer = found.close + answer  # the wrapper is the answer
        return ThinkSplit(thinking.strip(), _unwrap(answer.strip()), "closed", found.name)
    if start >= 0 or prefilled:
        return ThinkSplit(text[inner_from:].strip(), "", "unclosed", found.name)
    return ThinkSplit("", _unwrap(text.strip()), "none")


def read_completion(text: str, mode: str = "auto",
                    fmt: str | ThinkFormat | None = None) -> ThinkSplit:
    """``split_thinking`` under a ``THINK_MODES`` mode (``off``: the whole text is the answer)."""
    if mode not in THINK_MODES:
        raise XlingError(f"unknown think mode {mode!r}; known: {', '.join(THINK_MODES)}")
    if mode == "off":
        return ThinkSplit("", text, "none")
    return split_thinking(text, prefilled=mode == "prefilled", fmt=fmt)
