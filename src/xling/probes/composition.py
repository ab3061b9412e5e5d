"""Language composition of responses: which languages a model reasons in, per question language.

Stage: probes. Study A reports that RL models trained in zh or de reason in English or a mix
(0.0% consistency); this probe shows the mix itself — the mean share of each language in the
responses to questions of each language, measured by sentence with scoring.language. It reads
the cell's evaluation responses (no model is loaded).
Try:  python -c "from xling.probes.composition import composition_by_lang as c; print(c({'de': ['Hallo Welt. The answer is 4.']}))"
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from xling.probes import ProbeContext, ProbeResult
from xling.schema import Section, markdown_table, pct
from xling.scoring.language import language_composition


def composition_by_lang(responses: dict[str, list[str]]) -> dict[str, dict[str, float]]:
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


def run(ctx: ProbeContext) -> dict[str, dict[str, float]]:
    """The probe: ``composition_by_lang`` of the cell's evaluation responses (first benchmark)."""
    from xling.data.io import read_parquet

    by_lang: dict[str, list[str]] = {}
    for row in read_parquet(ctx.eval_file):
        by_lang.setdefault(row["lang"], []).append(row["completion"])
    return composition_by_lang(by_lang)


def section(results: dict[str, ProbeResult], out: Path) -> Section | None:
    """Table: model × question language, % of the responses in that language / % in English."""
    if not results:
        return None
    langs = list(next(iter(results.values())).value)
    rows = []
    for label, result in results.items():
        cells = []
        for lang in langs:
            shares = result.value.get(lang, {})
            own = pct(shares.get(lang, 0.0))
            cells.append(own if lang == "en" else f"{own} / {pct(shares.get('en', 0.0))}")
        rows.append([label, *cells])
    return Section(
        "Probe: language composition of responses (% in the question's language / % English)",
        markdown_table(["model", *langs], rows))
