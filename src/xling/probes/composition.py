"""Language composition of responses: which languages a model reasons in, per question language.

Stage: probes. Study A reports that RL models trained in zh or de reason in English or a mix
(0.0% consistency); this probe shows the mix itself — the mean share of each language in the
responses to questions of each language, measured by sentence with scoring.language.
Try:  python -c "from xling.probes.composition import run; print(run({'de': ['Hallo Welt. The answer is 4.']}))"
"""

from __future__ import annotations

from collections import defaultdict

from xling.scoring.language import language_composition


def run(responses: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Mean language shares of the responses to each question language.

    Args:
        responses: question language -> response texts.

    Returns:
        question language -> {response language: mean share in [0, 1]}; a response with no
        detectable language (only math) counts under ``"none"``. Shares sum to 1 per language.
    """
    out: dict[str, dict[str, float]] = {}
    for lang, texts in responses.items():
        totals: dict[str, float] = defaultdict(float)
        for text in texts:
            shares = language_composition(text) or {"none": 1.0}
            for other, share in shares.items():
                totals[other] += share
        n = max(1, len(texts))
        out[lang] = {other: total / n for other, total in sorted(totals.items(), key=lambda kv: -kv[1])}
    return out
