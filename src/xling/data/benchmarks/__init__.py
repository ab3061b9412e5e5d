"""Benchmark loaders, one module each; each module declares one ``Benchmark`` (or several).

A benchmark is one ``Benchmark`` object: everything the rest of xling reads about it, declared in
one place with defaulted hooks (nothing is looked up with ``getattr`` defaults elsewhere):

- ``load(langs, source=None, limit=None) -> list[Example]``: ``source`` is a local folder (or
  file) or a hub id; ``None`` = the default (staged copy, else hub). ``limit`` keeps the first N
  items per language, the same items in every language.
- ``scorer``: the ``xling.scoring.SCORERS`` kind ``judge`` scores it with ("math", "choice", ...).
- ``langs``: the languages the benchmark has; ``langs_for(source)`` the ones a given source holds
  (a translated folder, an offline fallback). ``available_langs(source)`` is the one language
  filter: ``--langs all`` expands to it (``resolve_langs``), and a study's evaluation and probes
  keep the languages it holds (``split_langs``).
- ``sources``: where its data comes from, each with its languages (``xling benchmarks``).
- ``headline``: the number its paper publishes, structured (``Headline``): accuracy, pass@k,
  mean over runs, or the benchmark's own summary (PolyMath's DW-ACC, M-IFEval's
  instruction-level accuracy); the report picks its primary column from it.
- ``prompt(example, style)`` (optional): the prompt for study A's uniform styles when the default
  (question, options for multiple choice, the boxed instruction in the question's language)
  does not fit (IFEval sends the raw instruction).
- ``protocols``: named ways the benchmark's own authors ask and score it (``Protocol``: their
  prompt, the scorer kind that reproduces their extraction rule, and the deliberate differences),
  chosen with ``--prompt-style authors``; every eval row records the style it used.
- ``summarize(rows) -> dict`` (optional): extra per-language metrics from the eval rows.

Cards (``card.py``) produce the same object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xling.languages import STUDY_LANGS, get_language, parse_langs
from xling.languages import build_prompt as uniform_prompt
from xling.schema import Example, XlingError

HEADLINE_KINDS: tuple[str, ...] = ("accuracy", "pass@k", "runs", "summary")
AUTHORS = "authors"
"""The prompt style that asks and scores a benchmark as its authors' code does."""
EXTRACTION: dict[str, str] = {
    "math": "last non-empty \\boxed{}, else the last answer phrase of the question's language "
            "or English; numbers read per language",
    "math-first-box": "first non-empty \\boxed{}, else the last answer phrase",
    "math-lenient": "last \\boxed{}, else the last answer phrase, else the last number",
    "choice": "last \\boxed{} letter, else the letter after the last answer cue (any language's "
              "or English, JSON 'answer' keys), else an option line",
    "ifeval": "no extraction: every instruction checked, strict and loose",
}
"""How each scorer kind finds the answer (one line for ``xling benchmarks``)."""


def extraction_rule(scorer: str) -> str:
    """``EXTRACTION``'s line for a scorer kind; a user's scorer (a dotted path) is its own rule."""
    return EXTRACTION.get(scorer, f"the rule of the scorer {scorer}")


def check_langs(name: str, langs: list[str], have: tuple[str, ...], hint: str = "") -> None:
    """Raise unless every code is registered and one of ``have`` (the message lists ``have``)."""
    for lang in langs:
        get_language(lang)
        if lang not in have:
            raise XlingError(f"{name} has no language {lang!r}; it has: {', '.join(have)}{hint}")


@dataclass(frozen=True)
class Headline:
    """The number a benchmark's paper publishes (study A's choice where it reports the
    benchmark), as data the report reads.

    >>> Headline("pass@k", k=16).label, Headline("runs", runs=6).label
    ('pass@16', 'accuracy, mean over 6 runs')
    """

    kind: str = "accuracy"
    """accuracy | pass@k | runs (mean ± sd over seeded runs) | summary (``summary.primary``)."""
    k: int | None = None
    runs: int | None = None
    name: str = ""
    """What the paper calls it, for the report's title ('difficulty-weighted accuracy')."""
    avg_langs: tuple[str, ...] = ()
    """The languages the paper's Avg covers when not all (study A: en, zh, de)."""

    def __post_init__(self) -> None:
        if self.kind not in HEADLINE_KINDS:
            raise XlingError(f"headline kind {self.kind!r}; known: {', '.join(HEADLINE_KINDS)}")
        if (self.kind == "pass@k") != (self.k is not None):
            raise XlingError("a pass@k headline needs k (and only it has one)")

    @property
    def label(self) -> str:
        """Its ``name``, else 'accuracy', 'pass@16' or 'accuracy, mean over 6 runs'."""
        if self.name:
            return self.name
        if self.kind == "pass@k":
            return f"pass@{self.k}"
        if self.kind == "runs":
            return f"accuracy, mean over {self.runs} runs" if self.runs else "accuracy, mean over runs"
        return "accuracy"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "k": self.k, "runs": self.runs, "label": self.label,
                "avg_langs": list(self.avg_langs)}


@dataclass(frozen=True)
class Source:
    """One place a benchmark's data comes from, and the study languages it has there."""

    where: str
    """'staged mgsm/ (google-research/url-nlp @ 452a21a)', 'hub juletxara/mgsm', ..."""
    langs: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Protocol:
    """A benchmark asked and scored as its authors' own code does."""

    prompt: Callable[[Example], str]
    """The prompt of one example (a plain string, sent as the user turn)."""
    scorer: str
    """The ``SCORERS`` kind that reproduces the authors' extraction rule."""
    describe: str
    """Their prompt, in one line, with where it is from (repo @ commit: path)."""
    extraction: str
    """Their extraction rule, in one line."""
    differences: str = ""
    """What xling does differently on purpose (docs/evaluation.md has the long form)."""


def _no_summary(rows: Iterable[Mapping[str, Any]]) -> None:
    return None


@dataclass(frozen=True)
class Benchmark:
    """One registered benchmark (see the module docstring for each field)."""

    name: str
    load: Callable[..., list[Example]]
    scorer: str
    langs: tuple[str, ...]
    doc: str = ""
    headline: Headline = Headline()
    sources: tuple[Source, ...] = ()
    langs_for: Callable[[str | None], tuple[str, ...]] | None = None
    prompt: Callable[[Example, str], str] | None = None
    protocols: Mapping[str, Protocol] = field(default_factory=dict)
    summarize: Callable[[Iterable[Mapping[str, Any]]], dict[str, Any] | None] = _no_summary
    card: Any = None
    """The ``Card`` a card benchmark was read from (None for the built-in ones)."""

    def available_langs(self, source: str | None = None) -> tuple[str, ...]:
        """The languages ``source`` holds (``langs_for``), else ``langs``: the one answer to
        "which languages can be evaluated", read by ``resolve_langs`` and ``split_langs``."""
        return tuple(self.langs_for(source)) if self.langs_for is not None else self.langs

    def resolve_langs(self, langs: str | Sequence[str], source: str | None = None) -> list[str]:
        """``--langs`` against this benchmark: ``all`` = the study languages ``source`` holds
        (so Avg matches study A's ten-language Avg), ``all,te`` adds Telugu; explicit codes are
        kept as given (the loader names what it has when one is missing).

        Raises:
            XlingError: an unknown language code.
        """
        if isinstance(langs, str):
            tokens = [t.strip() for t in langs.split(",") if t.strip()]
            if "all" in tokens:
                have = self.available_langs(source)
                expanded: list[str] = []
                for t in tokens:
                    expanded += [lang for lang in STUDY_LANGS if lang in have] if t == "all" else [t]
                return parse_langs(expanded)
        return parse_langs(langs)

    def split_langs(self, langs: Sequence[str],
                    source: str | None = None) -> tuple[list[str], list[str]]:
        """``(held, missing)``: the languages of ``langs`` that ``source`` holds, and those it
        lacks (a study reports those as n/a), both in the order of ``langs``."""
        have = self.available_langs(source)
        return [lang for lang in langs if lang in have], [lang for lang in langs if lang not in have]

    def build_prompt(self, example: Example, style: str) -> str:
        """The prompt of ``example`` in ``style``: the authors' protocol for ``AUTHORS``, else
        study A's uniform prompt (or the benchmark's own ``prompt``) in that style.

        Raises:
            XlingError: ``AUTHORS`` for a benchmark without an authors' protocol.
        """
        if style == AUTHORS:
            return self.protocol(style).prompt(example)
        if self.prompt is not None:
            return self.prompt(example, style)
        return uniform_prompt(example.question, example.lang, style, choices=example.choices)

    def scorer_for(self, style: str) -> str:
        """The scorer kind of rows asked in ``style`` (an authors' protocol may use its own)."""
        return self.protocol(style).scorer if style == AUTHORS else self.scorer

    def protocol(self, style: str) -> Protocol:
        """The named protocol; a one-line error naming the benchmarks that have it."""
        if style in self.protocols:
            return self.protocols[style]
        raise XlingError(f"{self.name} has no {style!r} protocol (prompt style); it has: "
                         f"{', '.join(self.protocols) or 'none'}; see `xling benchmarks`")

    @property
    def extraction(self) -> str:
        return extraction_rule(self.scorer)

    def describe(self) -> str:
        """What ``xling benchmarks`` prints: sources and their languages, prompts, extraction,
        scorer and headline metric, one labelled line each (long lines wrapped)."""
        from xling.languages import PROMPT_STYLES

        rows: list[tuple[str, str]] = [
            ("languages", " ".join(self.langs)),
            *(("source", f"{s.where}: {' '.join(s.langs)}" + (f" ({s.note})" if s.note else ""))
              for s in self.sources),
            ("prompt", f"{' | '.join(PROMPT_STYLES)} (study A's uniform prompt): "
                       + ("the benchmark's own prompt (see its docs)" if self.prompt is not None
                          else "the question (options under a heading), then the boxed "
                               "instruction in the question's language")),
            ("extraction", self.extraction),
            ("scorer", self.scorer),
            ("headline", self.headline.label
             + (f"; Avg over {', '.join(self.headline.avg_langs)}" if self.headline.avg_langs
                else "")),
        ]
        for style, protocol in self.protocols.items():
            rows += [(f"{style} prompt", protocol.describe),
                     (f"{style} extraction", f"{protocol.extraction} (xling: {protocol.scorer}: "
                                             f"{extraction_rule(protocol.scorer)})")]
            if protocol.differences:
                rows.append((f"{style} differs", protocol.differences))
        width = max(len(label) for label, _ in rows)
        lines = [f"{self.name}: {self.doc}" if self.doc else self.name]
        for label, text in rows:
            lines += _wrap(text, f"  {label:<{width}}  ", " " * (width + 4))
        return "\n".join(lines)


def _wrap(text: str, first: str, rest: str, width: int = 100) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


BENCHMARKS: dict[str, str] = {  # name -> module:Benchmark; re-exported by xling.data
    "mgsm": "xling.data.benchmarks.mgsm:MGSM",
    "gsm8k": "xling.data.benchmarks.gsm8k:GSM8K",
    "sandbox": "xling.data.benchmarks.sandbox:SANDBOX",
    "mmath500": "xling.data.benchmarks.mmath:MMATH500",
    "mmath": "xling.data.benchmarks.mmath:MMATH",
    "maime2024": "xling.data.benchmarks.maime2024:MAIME2024",
    "polymath": "xling.data.benchmarks.polymath:POLYMATH",
    "math500": "xling.data.benchmarks.english_math:MATH500",
    "aime2024": "xling.data.benchmarks.english_math:AIME2024",
    "aime2025": "xling.data.benchmarks.english_math:AIME2025",
    "mmlu-prox-lite": "xling.data.benchmarks.mmlu_prox_lite:MMLU_PROX_LITE",
    "mgpqa": "xling.data.benchmarks.mgpqa:MGPQA",
    "mgpqa-diamond": "xling.data.benchmarks.mgpqa_diamond:MGPQA_DIAMOND",
    "gpqa-diamond": "xling.data.benchmarks.gpqa_diamond:GPQA_DIAMOND",
    "mlogiqa": "xling.data.benchmarks.mlogiqa:MLOGIQA",
    "mifeval": "xling.data.benchmarks.mifeval:MIFEVAL",
    "xifeval": "xling.data.benchmarks.mifeval:XIFEVAL",
}
