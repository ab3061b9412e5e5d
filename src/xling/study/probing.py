"""Run a study's mechanism probes on one cell (study A's "why it generalizes" analyses).

Stage: study (composes data, generate, probes). On the evaluation questions of the study's
first benchmark (``PROBE_QUESTIONS`` per language, parallel across languages):
- perplexity: mean question perplexity per language under the cell's model;
- similarity: self-BLEU of ``PROBE_SAMPLES`` responses sampled at temperature 1.0 per question;
- composition: mean language shares of the evaluation responses, per question language;
- drift: final-layer hidden-state drift from the base model (trained cells only), PCA summary,
  with the projected coordinates saved to ``drift.npz`` for the report's scatter plot.
"""

from __future__ import annotations

import logging
from typing import Any

from xling.schema import Example
from xling.study.grid import Cell
from xling.study.spec import StudySpec

log = logging.getLogger(__name__)

PROBE_QUESTIONS = 16
"""Questions per language used by the probes."""
PROBE_SAMPLES = 4
"""Sampled responses per question for self-similarity."""


def probe_examples(study: StudySpec) -> list[Example]:
    from xling.data import get_benchmark
    from xling.study.runner import _eval_source

    benchmark = study.eval.benchmarks[0]
    module = get_benchmark(benchmark)
    langs = [lang for lang in study.eval.langs if lang in getattr(module, "LANGS", study.eval.langs)]
    return module.load(langs, source=_eval_source(study, benchmark), limit=PROBE_QUESTIONS)


def run_probes(study: StudySpec, cell: Cell, model: str, base: str) -> dict[str, Any]:
    """Every probe named in the study, for one cell; JSON-serialisable."""
    examples = probe_examples(study)
    out: dict[str, Any] = {}
    if "perplexity" in study.probes:
        from xling.probes.perplexity import run as perplexity

        out["perplexity"] = perplexity(model, examples)
    if "similarity" in study.probes:
        from xling.generate import SamplingParams, get_generator
        from xling.languages import build_prompt
        from xling.probes.similarity import run as similarity

        gen = get_generator(study.backend, model, **({"batch_size": study.eval.batch_size}
                                                    if study.backend == "hf" else {}))
        params = SamplingParams(n=PROBE_SAMPLES, temperature=1.0,
                                max_new_tokens=study.eval.max_new_tokens, seed=cell.spec.seed)
        prompts = [build_prompt(ex.question, ex.lang, study.eval.prompt_style) for ex in examples]
        samples = gen.generate(prompts, params)
        by_lang: dict[str, list[list[str]]] = {}
        for ex, gens in zip(examples, samples, strict=True):
            by_lang.setdefault(ex.lang, []).append([g.text for g in gens])
        out["similarity"] = similarity(by_lang)
    if "composition" in study.probes:
        from xling.data.io import read_parquet
        from xling.probes.composition import run as composition

        rows = read_parquet(cell.run.eval_file(study.eval.benchmarks[0]))
        by_lang: dict[str, list[str]] = {}
        for row in rows:
            by_lang.setdefault(row["lang"], []).append(row["completion"])
        out["composition"] = composition(by_lang)
    if "drift" in study.probes and cell.spec.paradigm != "base":
        import numpy as np

        from xling.probes.drift import run as drift

        result = drift(base, model, examples, seed=cell.spec.seed)
        out["drift"] = result.summary()
        # h_diff is enough to rebuild the DriftResult for the report's plot (drift(0, h_diff)).
        np.savez(cell.run.root / "drift.npz", h_diff=result.h_diff,
                 langs=np.array([ex.lang for ex in examples]))
    return out
