"""Eval rows: one row per sample, scored, and a benchmark's metrics.json entry from its rows.

Stage: evaluation. ``xling eval`` (``evaluation.run``) and ``xling score``
(``evaluation.score_file``) write the same rows with these functions: each completion scored by
``scoring.judge`` (the verdict rewards use too), the language of its thinking measured apart
from the answer's, and the per-language metrics with the benchmark's own summary.
"""

from __future__ import annotations

import json
from typing import Any

from xling.data import Benchmark
from xling.metrics import acc_by_lang, average, summarize_rows
from xling.schema import Example, Generation
from xling.scoring import judge


def verdict_fields(ex: Example, gen: Generation, scorer: str, think: str,
                    think_format: str = "auto") -> dict[str, Any]:
    """Scoring of one completion by ``scoring.judge`` (the verdict rewards use too), and the
    language of its thinking measured apart from the answer's."""
    from xling.scoring.language import language_composition

    v = judge(gen.text, ex.answer, ex.lang, scorer=scorer, choices=ex.choices, meta=ex.meta,
              think=think, finish_reason=gen.finish_reason, think_format=think_format)
    thinking: dict[str, Any] = {"think_state": v.think_state, "thinking": v.thinking,
                                "thinking_lang": None, "thinking_top_share": None}
    if v.thinking:
        shares = language_composition(v.thinking)
        if shares:
            top = max(shares, key=shares.__getitem__)
            thinking.update(thinking_lang=top, thinking_top_share=shares[top])
    return {"extracted": v.extracted, "correct": v.correct, "reason": v.reason,
            "response_lang": v.response_lang, "ambiguous_number": v.ambiguous_number,
            "details": json_or_none(v.details), **thinking}


def eval_rows(
    examples: list[Example], prompts: list[str], gens: list[list[Generation]], scorer: str,
    run_index: int = 0, think: str = "auto", prompt_style: str = "standard",
    think_format: str = "auto",
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for ex, prompt, samples in zip(examples, prompts, gens, strict=True):
        for k, gen in enumerate(samples):
            verdict = verdict_fields(ex, gen, scorer, think, think_format)
            rows.append({
                "id": ex.id, "parallel_id": ex.parallel_id, "lang": ex.lang, "sample": k,
                "gold": ex.answer, "prompt": prompt, "completion": gen.text,
                **verdict,
                "run": run_index,
                "prompt_style": prompt_style,
                "prompt_tokens": gen.prompt_tokens, "completion_tokens": gen.completion_tokens,
                "finish_reason": gen.finish_reason, "error": gen.error,
                "meta": json_or_none(ex.meta),
            })
    return rows


def json_or_none(value: Any) -> str | None:
    """Scorer details and example meta travel as JSON strings (one parquet type for any shape)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) if value else None


def benchmark_metrics(rows: list[dict[str, Any]], module: Benchmark, langs: list[str],
                      pass_k: tuple[int, ...] = ()) -> dict[str, Any]:
    """A benchmark's entry of metrics.json from its eval rows (``xling eval`` and ``xling
    score`` alike): per-language metrics, the benchmark's own summary, Avg and its headline."""
    summary = summarize_rows(rows, pass_k=pass_k)
    return {
        "langs": {lang: summary[lang] for lang in langs},
        **({"summary": extra} if (extra := module.summarize(rows)) else {}),
        "avg": average(acc_by_lang(summary), langs),
        "n_samples": len(rows),
        "headline": module.headline.to_dict(),
    }

