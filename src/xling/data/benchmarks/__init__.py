"""Benchmark loaders, one module each (see ``xling.data.BENCHMARKS``).

A benchmark is anything with the attributes below: usually a module, or a ``Benchmark`` object
when one module registers several (``mmath`` and ``mmath500`` share a loader).

- ``load(langs, source=None, limit=None) -> list[Example]``: ``source`` is a local folder (or
  file) or a hub id; ``None`` = the default (staged copy, else hub). ``limit`` keeps the first N
  items per language, the same items in every language.
- ``SCORER``: "math" | "math-lenient" | "choice" | "ifeval" (``xling.scoring.score``).
- ``LANGS``: the languages the benchmark has.
- ``PAPER_METRIC`` (optional, default "accuracy"): what the papers report, e.g. "pass@16",
  "mean over 6 runs", "difficulty-weighted accuracy"; the report names it in the header.
- ``PAPER_AVG_LANGS`` (optional): the languages the paper's Avg column covers when it is not
  all of them (study A: en, zh, de for MMLU-ProX-Lite and MGPQA-Diamond); reports add that Avg.
- ``langs_for(source) -> tuple[str, ...]`` (optional): the languages a given source actually
  holds, when that is fewer or other than ``LANGS`` (a translated folder, an offline fallback);
  ``--langs all`` expands to these.
- ``summarize(rows) -> dict`` (optional): extra per-language metrics computed from the eval
  rows (e.g. IFEval's prompt- and instruction-level accuracies), stored under ``summary``.
- ``build_prompt(example, style) -> str`` (optional): the prompt, when the default (question,
  options for multiple choice, the boxed instruction in the question's language) does not fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xling.languages import get_language
from xling.schema import Example, XlingError


def check_langs(name: str, langs: list[str], have: tuple[str, ...], hint: str = "") -> None:
    """Raise unless every code is registered and one of ``have`` (the message lists ``have``)."""
    for lang in langs:
        get_language(lang)
        if lang not in have:
            raise XlingError(f"{name} has no language {lang!r}; it has: {', '.join(have)}{hint}")


@dataclass(frozen=True)
class Benchmark:
    """A registered benchmark that is not a module of its own (same attributes as a module)."""

    name: str
    load: Callable[..., list[Example]]
    SCORER: str  # noqa: N815 - the module-level attribute names of the benchmark protocol
    LANGS: tuple[str, ...]
    PAPER_METRIC: str = "accuracy"  # noqa: N815
    doc: str = ""
    PAPER_AVG_LANGS: tuple[str, ...] = ()  # noqa: N815
    langs_for: Callable[[str | None], tuple[str, ...]] | None = None
    """The languages a given source holds, when that depends on the source (see above)."""


BENCHMARKS: dict[str, str] = {  # name -> module[:attribute]; re-exported by xling.data
    "mgsm": "xling.data.benchmarks.mgsm",
    "gsm8k": "xling.data.benchmarks.gsm8k",
    "sandbox": "xling.data.benchmarks.sandbox",
    "mmath500": "xling.data.benchmarks.mmath:MMATH500",
    "mmath": "xling.data.benchmarks.mmath:MMATH",
    "maime2024": "xling.data.benchmarks.maime2024",
    "polymath": "xling.data.benchmarks.polymath",
    "math500": "xling.data.benchmarks.english_math:MATH500",
    "aime2024": "xling.data.benchmarks.english_math:AIME2024",
    "aime2025": "xling.data.benchmarks.english_math:AIME2025",
    "mmlu-prox-lite": "xling.data.benchmarks.mmlu_prox_lite",
    "mgpqa": "xling.data.benchmarks.mgpqa",
    "mgpqa-diamond": "xling.data.benchmarks.mgpqa:MGPQA_DIAMOND",
    "gpqa-diamond": "xling.data.benchmarks.gpqa_diamond",
    "mlogiqa": "xling.data.benchmarks.mlogiqa",
    "mifeval": "xling.data.benchmarks.mifeval",
    "xifeval": "xling.data.benchmarks.mifeval:XIFEVAL",
}
