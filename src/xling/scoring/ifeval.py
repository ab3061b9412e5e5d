"""Instruction following (IFEval, M-IFEval, xIFEval): does a response obey its verifiable instructions?

Stage: score (also an RL reward: the scorer kind "ifeval" reads the example's ``meta``).
``check_instruction`` checks one instruction; ``score_ifeval`` checks every instruction of a prompt,
strict and loose, and returns a ``Verdict`` whose ``correct`` is IFEval's prompt-level strict
result and whose ``details`` keep each instruction's result (``metrics.ifeval_accuracy`` turns
them into the four accuracies). The checkers, one function each, are in ``ifeval_checks``.

Each benchmark is checked as its authors check it: ``meta["ifeval_rules"]`` ("m-ifeval" |
"xifeval", set by the loaders; ``ifeval_rules``) picks M-IFEval's or BenchMAX's rule for each
instruction in the example's language. Meta without it is read by its ids (M-IFEval's carry a
language prefix). An id the benchmark's authors have no checker for in that language is a
counted failure in ``score_ifeval`` (``details["unknown"]``, the summary names it) and raises
in ``check_instruction``: never silently passed or skipped.

Strict and loose are IFEval's (Zhou et al. 2023, arXiv 2311.07911, section 3), as every
benchmark's own harness computes them: strict checks the response as it is; loose also accepts
the response with its first line, its last line or both removed, each with and without
markdown ``*``, and passes if any of those eight variants does. An empty response follows
nothing.

Why not the authors' code or an existing package (checked offline, 2025-12): M-IFEval and
BenchMAX ship scripts, not packages, that download NLTK's Punkt model (and M-IFEval spaCy
models) when imported; ``if-verifiable`` 0.1.2 and lm-evaluation-harness's ``tasks/ifeval`` need
Punkt too and have neither benchmark's language rules. So the ~50 checkers are written here,
each against its authors' ``check_following`` (``ifeval_checks`` names every branch), with the
authors' own counters where they install from the package index (``segment``).
Try:  python -c "from xling.scoring.ifeval import check_instruction as c; print(c('##Titre##', 'fr:detectable_format:title', {}, 'fr'))"

>>> check_instruction("Two words.", "length_constraints:number_words",
...                   {"relation": "less than", "num_words": 50}, "en")
True
>>> answer = 'Here is my answer:\\n"Paris is the capital of France."'
>>> check_instruction(answer, "en:startend:quotation", {}, "en")
False
>>> check_instruction(answer, "en:startend:quotation", {}, "en", loose=True)
True
>>> check_instruction("Sí.", "detectable_format:constrained_response", {}, "es", rules="m-ifeval")
True
>>> check_instruction("Sí.", "detectable_format:constrained_response", {}, "es", rules="xifeval")
False
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping, Sequence
from typing import Any

from xling.languages import get_language
from xling.schema import Verdict, XlingError
from xling.scoring.ifeval_checks import AUTHORS_RULES, CHECKERS, Checker
from xling.scoring.ifeval_rules import MIFEVAL, RULE_SETS, Rules, infer_rules, rules_for

__all__ = ["CHECKERS", "base_id", "check_instruction", "is_known", "loose_variants",
           "rules_of", "score", "score_ifeval"]

_PREFIX = re.compile(r"^([a-z]{2,3}(?:-[A-Za-z]{2,4})?):(?=[^:]+:[^:]+$)")
"""A language prefix such as ``ja:`` or ``zh-CN:`` before ``group:name``."""
_RELATION_KEYS = ("relation", "capital_relation", "let_relation")


def base_id(instruction_id: str) -> str:
    """The instruction id without its language prefix.

    >>> base_id("ja:letters:kanji"), base_id("keywords:existence")
    ('letters:kanji', 'keywords:existence')
    """
    return _PREFIX.sub("", instruction_id.strip())


def rules_of(instruction_id: str, lang: str, rules: str | None = None) -> Rules:
    """The rules one instruction is checked by: the rule set ``rules`` (None: read from the id,
    ``ifeval_rules.infer_rules``) in the id's language prefix for M-IFEval (its registry picks
    the checker by prefix), else in ``lang``.

    Raises:
        XlingError: an unknown rule set, or a language it has no rules for.
    """
    name = rules or infer_rules([instruction_id])
    prefix = _PREFIX.match(instruction_id.strip())
    return rules_for(name, prefix.group(1) if name == MIFEVAL and prefix else lang)


def is_known(instruction_id: str, lang: str | None = None, rules: str | None = None) -> bool:
    """Whether xling has a checker for ``instruction_id``: in any benchmark (``lang`` None), or
    in benchmark ``rules`` (None: read from the id) in ``lang``."""
    if lang is None:
        return base_id(instruction_id) in CHECKERS
    try:
        return base_id(instruction_id) in rules_of(instruction_id, lang, rules).instructions
    except XlingError:
        return False


def _checker(instruction_id: str, r: Rules) -> Checker:
    base = base_id(instruction_id)
    if base not in r.instructions:
        raise XlingError(f"unknown instruction id {instruction_id!r} for {r.name} {r.lang}; "
                         f"known: {', '.join(sorted(r.instructions))}")
    return CHECKERS[base]


def _kwargs(instruction_id: str, checker: Checker, kwargs: Mapping[str, Any] | None,
            r: Rules) -> dict[str, Any]:
    """The instruction's kwargs without the null entries the IFEval layout carries, checked
    against the checker's signature and the benchmark's relation words."""
    clean = {k: v for k, v in (kwargs or {}).items() if v is not None}
    try:
        inspect.signature(checker).bind("", r, **clean)
    except TypeError as exc:
        raise XlingError(f"instruction {instruction_id!r}: kwargs {clean} do not fit ({exc})") from None
    for key in _RELATION_KEYS:
        if key in clean:
            r.relation(clean[key])  # raises on a word the benchmark does not know
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
                      lang: str, loose: bool = False, *, rules: str | None = None) -> bool:
    """Whether ``response`` (written for a prompt in ``lang``) follows one instruction.

    Args:
        instruction_id: the id as the data writes it, e.g. ``length_constraints:number_words``
            or M-IFEval's ``fr:length_constraints:number_words``.
        kwargs: the instruction's kwargs as the data writes them (null entries are ignored), e.g.
            ``{"relation": "less than", "num_words": 50}``.
        lang: ISO 639-1 code of the prompt.
        loose: IFEval's loose criterion (any of ``loose_variants`` passes).
        rules: "m-ifeval" or "xifeval" (``ifeval_rules.RULE_SETS``); None: M-IFEval's for a
            language-prefixed id, else xIFEval's.

    Raises:
        XlingError: unknown ``lang`` or rule set, an id the benchmark has no checker for, kwargs
            that do not fit the instruction, or a relation word the benchmark does not know
            (data errors; never for the response).
    """
    get_language(lang)
    r = rules_of(instruction_id, lang, rules)
    checker = _checker(instruction_id, r)
    clean = _kwargs(instruction_id, checker, kwargs, r)
    candidates = loose_variants(response) if loose else [response]
    return any(text.strip() and checker(text, r, **clean) for text in candidates)


def score_ifeval(completion: str, meta: Mapping[str, Any], lang: str) -> Verdict:
    """Check every instruction of one prompt, strict and loose, by its benchmark's rules.

    Args:
        meta: the example's meta: ``instruction_id_list`` (ids), ``kwargs`` (one mapping per
            id), as in the IFEval / M-IFEval / xIFEval rows, and ``ifeval_rules`` ("m-ifeval" |
            "xifeval"; absent: read from the ids).

    Returns:
        ``correct`` = all instructions followed (strict); ``extracted`` = ``"k/n"`` instructions
        followed (strict), None for an empty response; ``reason`` = "ifeval", "no-answer" or
        "ifeval-unknown-instruction"; ``details`` = ``{"rules", "instructions": [{"id",
        "strict", "loose"[, "substitute"][, "deliberate"]}], "unknown": [ids],
        "prompt_strict", "prompt_loose"}``; ``substitute`` names the offline counter xling used
        where the authors' cannot run (``ifeval_rules.OFFLINE_SUBSTITUTES``), ``deliberate``
        the deliberate difference that made the result differ from the authors' check
        (``ifeval_checks.AUTHORS_RULES``).

    Raises:
        XlingError: ``meta`` without instructions or without one kwargs mapping per id, an
            unknown rule set, or a language the rule set has no rules for (data errors).
    """
    ids = meta.get("instruction_id_list")
    kwargs_list = meta.get("kwargs")
    if not isinstance(ids, Sequence) or isinstance(ids, str) or not isinstance(kwargs_list, Sequence) \
            or len(ids) != len(kwargs_list):
        raise XlingError("the ifeval scorer needs meta with 'instruction_id_list' and one 'kwargs' "
                         f"mapping per instruction; got {dict(meta)!r:.200}")
    name = meta.get("ifeval_rules") or infer_rules(ids)
    if name not in RULE_SETS:
        raise XlingError(f"unknown meta['ifeval_rules'] {name!r}; known: {', '.join(RULE_SETS)}")
    results: list[dict[str, Any]] = []
    unknown: list[str] = []
    for instruction_id, kwargs in zip(ids, kwargs_list, strict=True):
        r, base = rules_of(instruction_id, lang, name), base_id(instruction_id)
        if base not in r.instructions:
            unknown.append(instruction_id)
            results.append({"id": instruction_id, "strict": False, "loose": False})
            continue
        strict = check_instruction(completion, instruction_id, kwargs, lang, rules=name)
        loose = strict or check_instruction(completion, instruction_id, kwargs, lang, True,
                                            rules=name)
        result: dict[str, Any] = {"id": instruction_id, "strict": strict, "loose": loose}
        if r.substitute(base):
            result["substitute"] = r.counter(base)
        if (r.name, r.lang, base) in AUTHORS_RULES:
            difference, authors = AUTHORS_RULES[(r.name, r.lang, base)]
            clean = _kwargs(instruction_id, authors, kwargs, r)
            theirs = [[authors(t, r, **clean) if t.strip() else False for t in variants]
                      for variants in ([completion], loose_variants(completion))]
            if any(None in t for t in theirs) or [any(t) for t in theirs] != [strict, loose]:
                result["deliberate"] = difference  # differs from theirs, or theirs is random
        results.append(result)
    prompt_strict = all(r["strict"] for r in results)
    details = {"rules": name, "instructions": results, "unknown": unknown,
               "prompt_strict": prompt_strict, "prompt_loose": all(r["loose"] for r in results)}
    if not completion.strip():
        reason, extracted = "no-answer", None
    else:
        reason = "ifeval-unknown-instruction" if unknown else "ifeval"
        extracted = f"{sum(r['strict'] for r in results)}/{len(results)}"
    return Verdict(extracted=extracted, correct=prompt_strict, reason=reason, details=details)


def score(text: str, gold: str, lang: str, *, choices: tuple[str, ...] | None = None,
          meta: Mapping[str, Any] | None = None) -> Verdict:
    """Scorer "ifeval" of ``scoring.SCORERS``: ``score_ifeval`` (the gold is unused: the
    instructions in ``meta`` are the answer key)."""
    return score_ifeval(text, meta or {}, lang)
