"""Self-similarity of sampled responses: self-BLEU (study A, arXiv 2509.23657, "sampling
exploration": German responses were the least alike, 0.425, i.e. the most exploration).

Stage: probes. Reads generations (k sampled responses per question, grouped by language);
gives {lang: mean self-BLEU in [0, 1]}. Lower = more diverse samples.

Tokenisation (sacrebleu's built-in tokenizers only; none downloads anything; the
sentencepiece-based "flores101/200" and the MeCab-based "ja-mecab" do, so they are not used):
- zh: "zh" (each CJK character a token, other text as 13a);
- ja, th and any other language written without spaces: "char";
- everything else: "intl" (13a plus Unicode punctuation/symbol splitting, e.g. Bengali danda).

Try:  python -c "from xling.probes.similarity import self_bleu_by_lang as s; print(s({'en': [['a b c', 'a b d']]}))"
"""

from __future__ import annotations

import logging
from pathlib import Path

from xling.languages import LANGUAGES
from xling.probes import ProbeContext, ProbeResult, lang_table
from xling.schema import Section, XlingError

log = logging.getLogger(__name__)


def bleu_tokenizer(lang: str | None) -> str:
    """The sacrebleu tokenizer name used for ``lang`` (see the module docstring).

    >>> bleu_tokenizer("zh"), bleu_tokenizer("th"), bleu_tokenizer("de")
    ('zh', 'char', 'intl')
    """
    if lang == "zh":
        return "zh"
    known = LANGUAGES.get(lang) if lang is not None else None
    if known is not None and not known.uses_spaces:
        return "char"
    return "intl"


def self_bleu(
    responses: list[str], lang: str | None = None, *, tokenize: str | None = None
) -> float:
    """Mean sentence BLEU over all ordered pairs (i, j), i != j: response i as the hypothesis,
    response j as its single reference. sacrebleu's sentence BLEU (exp smoothing, effective
    order) divided by 100, so the value is in [0, 1]; 1 = all responses identical.

    Args:
        responses: k >= 2 responses sampled for one question.
        lang: ISO 639-1 code of the responses' language; picks the tokenizer.
        tokenize: a sacrebleu tokenizer name, overriding the per-language choice.

    Raises:
        XlingError: fewer than 2 responses.

    >>> self_bleu(["the answer is 42", "the answer is 42"])
    1.0
    >>> 0 < self_bleu(["the answer is 42", "so the answer is 41"]) < 1
    True
    """
    from sacrebleu.metrics import BLEU

    if len(responses) < 2:
        raise XlingError(f"self-BLEU needs at least 2 responses; got {len(responses)}")
    bleu = BLEU(tokenize=tokenize or bleu_tokenizer(lang), effective_order=True)
    scores = [
        bleu.sentence_score(hyp, [ref]).score
        for i, hyp in enumerate(responses)
        for j, ref in enumerate(responses)
        if i != j
    ]
    return min(1.0, sum(scores) / len(scores) / 100.0)  # sacrebleu can give 100.00000000000004


SAMPLES = 4
"""Responses sampled per question (temperature 1.0) for the probe."""


def self_bleu_by_lang(generations: dict[str, list[list[str]]]) -> dict[str, float]:
    """Mean self-BLEU per language over its questions (study A's self-similarity probe).

    Args:
        generations: {lang: [responses to question 1 (k of them), responses to question 2, ...]}.

    Returns:
        {lang: mean over questions of ``self_bleu(responses, lang)``}, in [0, 1].
    """
    result: dict[str, float] = {}
    for lang, questions in generations.items():
        if not questions:
            raise XlingError(f"no questions with responses for language {lang!r}")
        scores = [self_bleu(responses, lang) for responses in questions]
        result[lang] = sum(scores) / len(scores)
    log.info("self-BLEU per language: %s", result)
    return result


def run(ctx: ProbeContext) -> dict[str, float]:
    """The probe: sample ``SAMPLES`` responses per probe question at temperature 1.0 with the
    cell's model (seeded with the cell's seed), then ``self_bleu_by_lang``."""
    from xling.generate import SamplingParams, get_generator
    from xling.languages import build_prompt

    settings = ctx.settings
    options = {"batch_size": settings.batch_size} if ctx.backend == "hf" else {}
    gen = get_generator(ctx.backend, ctx.model, **options)
    params = SamplingParams(n=SAMPLES, temperature=1.0, max_new_tokens=settings.max_new_tokens,
                            seed=ctx.seed)
    prompts = [build_prompt(ex.question, ex.lang, settings.prompt_style) for ex in ctx.examples]
    by_lang: dict[str, list[list[str]]] = {}
    for ex, gens in zip(ctx.examples, gen.generate(prompts, params), strict=True):
        by_lang.setdefault(ex.lang, []).append([g.text for g in gens])
    return self_bleu_by_lang(by_lang)


def section(results: dict[str, ProbeResult], out: Path) -> Section | None:
    """Table: model × language, mean self-BLEU of the sampled responses."""
    if not results:
        return None
    return Section("Probe: self-BLEU of sampled responses per language", lang_table(results))
