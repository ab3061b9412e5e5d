"""Instruction following (IFEval, M-IFEval, xIFEval): does a response obey its verifiable instructions?

Stage: score (also an RL reward: the scorer kind "ifeval" reads the example's ``meta``).
``check_instruction`` checks one instruction; ``score_ifeval`` checks every instruction of a prompt,
strict and loose, and returns a ``Verdict`` whose ``correct`` is IFEval's prompt-level strict
result and whose ``details`` keep each instruction's result (``metrics.ifeval_accuracy`` turns
them into the four accuracies). The checkers, one function each, are in ``ifeval_checks``.

Strict and loose are IFEval's (Zhou et al. 2023, arXiv 2311.07911, section 3): strict checks the
response as it is; loose also accepts the response with its first line, its last line or both
removed, each with and without markdown ``*``, and passes if any of those eight variants does.
An empty response follows nothing.

Instruction ids are taken as the data writes them, with or without M-IFEval's language prefix
(``ja:letters:kanji`` and ``letters:kanji`` are the same checker); the checker counts words and
sentences in ``lang``, the language of the example. An id xling does not know raises in
``check_instruction`` and is a counted failure in ``score_ifeval`` (``details["unknown"]``, the
benchmark summary names it): never silently passed or skipped.

Why not an existing package (checked offline, 2025-12): ``if-verifiable`` 0.1.2 (the IFEval
checks packaged) counts sentences with NLTK's Punkt model, which is not in the wheel:
``count_sentences`` raises ``LookupError: punkt_tab`` without internet; lm-evaluation-harness's
``tasks/ifeval`` downloads ``punkt_tab`` when imported, and pulls in the whole harness;
neither counts words in Chinese, Japanese or Thai, nor has M-IFEval's ja/fr/es instructions.
M-IFEval and BenchMAX ship scripts, not packages. So the ~50 checkers are written here, each
against its reference definition (differences listed in ``ifeval_checks``), with words and
sentences from ``scoring.segment`` (Janome for Japanese, PyThaiNLP newmm for Thai: both work
offline with bundled dictionaries).
Try:  python -c "from xling.scoring.ifeval import check_instruction as c; print(c('短い答え。', 'ja:length_constraints:number_sentences', {'relation': '未満', 'num_sentences': 2}, 'ja'))"

>>> check_instruction("Two words.", "length_constraints:number_words",
...                   {"relation": "less than", "num_words": 50}, "en")
True
>>> answer = 'Here is my answer:\\n"Paris is the capital of France."'
>>> check_instruction(answer, "en:startend:quotation", {}, "en")
False
>>> check_instruction(answer, "en:startend:quotation", {}, "en", loose=True)
True
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping, Sequence
from typing import Any

from xling.languages import get_language
from xling.schema import Verdict, XlingError
from xling.scoring.ifeval_checks import CHECKERS, RELATIONS, Checker

__all__ = ["CHECKERS", "base_id", "check_instruction", "is_known", "loose_variants", "score_ifeval"]

_PREFIX = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z]{2,4})?:(?=[^:]+:[^:]+$)")
"""A language prefix such as ``ja:`` or ``zh-CN:`` before ``group:name``."""


def base_id(instruction_id: str) -> str:
    """The instruction id without its language prefix.

    >>> base_id("ja:letters:kanji"), base_id("keywords:existence")
    ('letters:kanji', 'keywords:existence')
    """
    return _PREFIX.sub("", instruction_id.strip())


def is_known(instruction_id: str) -> bool:
    """Whether xling has a checker for ``instruction_id`` (with or without language prefix)."""
    return base_id(instruction_id) in CHECKERS


def _checker(instruction_id: str) -> Checker:
    try:
        return CHECKERS[base_id(instruction_id)]
    except KeyError:
        raise XlingError(f"unknown instruction id {instruction_id!r}; known: "
                         f"{', '.join(sorted(CHECKERS))}") from None


def _kwargs(instruction_id: str, checker: Checker, kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
    """The instruction's kwargs without the null entries the IFEval layout carries, checked
    against the checker's signature and the known relation words."""
    clean = {k: v for k, v in (kwargs or {}).items() if v is not None}
    try:
        inspect.signature(checker).bind("", "", **clean)
    except TypeError as exc:
        raise XlingError(f"instruction {instruction_id!r}: kwargs {clean} do not fit ({exc})") from None
    for key in ("relation", "capital_relation", "let_relation"):
        if key in clean and str(clean[key]).strip().lower() not in RELATIONS:
            raise XlingError(f"instruction {instruction_id!r}: unknown {key} {clean[key]!r}; "
                             f"known: {', '.join(RELATIONS)}")
    return clean


def loose_variants(response: str) -> list[str]:
    """IFEval's eight loose variants: the response, without its first / last / both lines, each
    also without ``*``.

    >>> loose_variants("Sure!\\nHi *there*")[:3]
    ['Sure!\\nHi *there*', 'Sure!\\nHi there', 'Hi *there*']
    """
    lines = response.split("\n")
    first = "\n".join(lines[1:]).strip()
    last = "\n".join(lines[:-1]).strip()
    both = "\n".join(lines[1:-1]).strip()
    return [response, response.replace("*", ""), first, last, both,
            first.replace("*", ""), last.replace("*", ""), both.replace("*", "")]


def check_instruction(response: str, instruction_id: str, kwargs: Mapping[str, Any] | None,
                      lang: str, loose: bool = False) -> bool:
    """Whether ``response`` (written for a prompt in ``lang``) follows one instruction.

    Args:
        instruction_id: IFEval's id as the data writes it, e.g. ``length_constraints:number_words``
            or M-IFEval's ``fr:length_constraints:number_words``.
        kwargs: the instruction's kwargs as the data writes them (null entries are ignored), e.g.
            ``{"relation": "less than", "num_words": 50}``.
        lang: ISO 639-1 code of the prompt; words and sentences are counted in it.
        loose: IFEval's loose criterion (any of ``loose_variants`` passes).

    Raises:
        XlingError: unknown ``lang``, unknown instruction id, kwargs that do not fit the
            instruction, or an unknown relation word (data errors; never for the response).
    """
    get_language(lang)
    checker = _checker(instruction_id)
    clean = _kwargs(instruction_id, checker, kwargs)
    candidates = loose_variants(response) if loose else [response]
    return any(text.strip() and checker(text, lang, **clean) for text in candidates)


def score_ifeval(completion: str, meta: Mapping[str, Any], lang: str) -> Verdict:
    """Check every instruction of one prompt, strict and loose.

    Args:
        meta: the example's meta: ``instruction_id_list`` (ids) and ``kwargs`` (one mapping per
            id), as in the IFEval / M-IFEval / xIFEval rows.

    Returns:
        ``correct`` = all instructions followed (strict); ``extracted`` = ``"k/n"`` instructions
        followed (strict), None for an empty response; ``reason`` = "ifeval", "no-answer" or
        "ifeval-unknown-instruction"; ``details`` = ``{"instructions": [{"id", "strict",
        "loose"}], "unknown": [ids], "prompt_strict", "prompt_loose"}``.

    Raises:
        XlingError: ``meta`` without instructions, or with as many kwargs as ids (data errors).
    """
    ids = meta.get("instruction_id_list")
    kwargs_list = meta.get("kwargs")
    if not isinstance(ids, Sequence) or isinstance(ids, str) or not isinstance(kwargs_list, Sequence) \
            or len(ids) != len(kwargs_list):
        raise XlingError("the ifeval scorer needs meta with 'instruction_id_list' and one 'kwargs' "
                         f"mapping per instruction; got {dict(meta)!r:.200}")
    results: list[dict[str, Any]] = []
    unknown: list[str] = []
    for instruction_id, kwargs in zip(ids, kwargs_list, strict=True):
        if not is_known(instruction_id):
            unknown.append(instruction_id)
            results.append({"id": instruction_id, "strict": False, "loose": False})
            continue
        strict = check_instruction(completion, instruction_id, kwargs, lang)
        loose = strict or check_instruction(completion, instruction_id, kwargs, lang, loose=True)
        results.append({"id": instruction_id, "strict": strict, "loose": loose})
    prompt_strict = all(r["strict"] for r in results)
    details = {"instructions": results, "unknown": unknown, "prompt_strict": prompt_strict,
               "prompt_loose": all(r["loose"] for r in results)}
    if not completion.strip():
        reason, extracted = "no-answer", None
    else:
        reason = "ifeval-unknown-instruction" if unknown else "ifeval"
        extracted = f"{sum(r['strict'] for r in results)}/{len(results)}"
    return Verdict(extracted=extracted, correct=prompt_strict, reason=reason, details=details)
