"""The nouns passed between stages: Example, Generation, Verdict, Section, XlingError; and
the two helpers every table uses (``markdown_table``, ``pct``).

Stage: all. Frozen dataclasses only; nothing else lives here (see DESIGN.md, "Data flow").
Imports nothing from xling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal


class XlingError(Exception):
    """A user error: bad config, unknown language/benchmark, malformed input row.

    The CLI prints it as one line and exits non-zero, without a traceback.
    """


@dataclass(frozen=True)
class Example:
    """One question in one language with its gold answer.

    Examples that are translations of one another share a ``parallel_id``.
    """

    id: str
    """Unique within a benchmark or pool, e.g. ``mgsm-de-17``."""
    parallel_id: str
    """Shared by translations of the same item, e.g. ``mgsm-17``."""
    lang: str
    """ISO 639-1 code of the question's language."""
    question: str
    answer: str
    """Gold final answer as a string (``"18"``, ``"\\frac{1}{2}"``, ``"B"``)."""
    solution: str | None = None
    """Step-by-step solution ending in ``\\boxed{answer}`` (SFT targets); None if unknown."""
    choices: tuple[str, ...] | None = None
    """Option texts for multiple-choice items, in letter order A, B, ..."""
    source: str = ""
    """Benchmark or pool name the example came from."""
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    """Benchmark-specific extras (e.g. IFEval instruction ids and kwargs)."""


FinishReason = Literal["stop", "length", "error"]


@dataclass(frozen=True)
class Generation:
    """One sampled completion for one prompt."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: FinishReason = "stop"
    """'length' = cut off by max_new_tokens; 'error' = the backend failed for this sample
    (the text is then empty and the error message is in ``error``)."""
    error: str | None = None


@dataclass(frozen=True)
class Verdict:
    """Per-sample outcome of scoring one completion against one gold answer."""

    extracted: str | None
    """The extracted answer span; None = no answer found (a counted outcome, not an error)."""
    correct: bool
    reason: str
    """Which rule fired: 'boxed', 'answer-phrase:de', 'no-answer', 'timeout', ..."""
    response_lang: str | None = None
    """ISO 639-1 code of the response's dominant language; None if undetectable."""
    ambiguous_number: bool = False
    """True when a number like ``1.000`` could be read two ways and was resolved by language."""
    details: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    """Scorer-specific per-sample details (e.g. IFEval's per-instruction strict/loose results);
    JSON-serialisable, stored as a JSON string in the ``details`` column of eval rows."""
    think_state: str = "none"
    """How the completion's thinking block read (``scoring.thinking``): 'closed', 'unclosed'
    (cut by the length cap), 'unclosed-finished' (never closed, but the model stopped on its
    own: scored on its final answer), or 'none'."""
    thinking: str | None = field(default=None, compare=False, hash=False, repr=False)
    """The thinking text (None when there is none)."""


@dataclass(frozen=True)
class Section:
    """One section of a report: a title, its Markdown body and the PNG files it shows.

    Built by ``report.study`` and by each probe's ``section`` (``xling.probes``); rendered by
    ``report.html``."""

    title: str
    markdown: str
    images: list[Any] = field(default_factory=list)
    """Paths of PNG files, embedded in the HTML in this order."""


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown pipe table of already formatted cells (a ``Section``'s usual body).

    >>> print(markdown_table(["model", "en"], [["Base", "50.0"]]))
    | model | en |
    |---|---|
    | Base | 50.0 |
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


MISSING = "—"
"""How every table prints a value that is missing or undefined (None or NaN)."""


def pct(value: float | None) -> str:
    """A fraction as a table cell: a percentage with one decimal, ``MISSING`` for None or NaN
    (the one formatter of the report's and the probes' percentages).

    >>> pct(0.4567), pct(None), pct(float("nan"))
    ('45.7', '—', '—')
    """
    if value is None or math.isnan(value):
        return MISSING
    return f"{100 * value:.1f}"
