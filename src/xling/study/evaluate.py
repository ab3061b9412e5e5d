"""Evaluate one model on one benchmark: generate -> score -> metrics, resumable per language.

Stage: study (composes data, generate, scoring, metrics). Writes ``<out>/eval/<bench>.parquet``
(one row per sample) and the benchmark's entry in ``<out>/metrics.json``. Each language is
generated, scored and saved as a shard before the next starts, so a killed evaluation resumes
at the first unfinished language; rerunning a finished one does no work.
Try:  xling eval --model ./tiny --benchmark mgsm --langs de,en --limit 5 --out runs/tiny
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from xling.data import get_benchmark
from xling.data.io import read_parquet, write_json, write_parquet
from xling.generate import Generator, SamplingParams, get_generator
from xling.languages import build_prompt, parse_langs
from xling.metrics import acc_by_lang, average, summarize_rows
from xling.schema import Example, Generation, XlingError
from xling.scoring import score
from xling.study.store import RunDir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalConfig:
    """What defines an evaluation; a run directory holds results of one config per benchmark."""

    model: str
    benchmark: str = "mgsm"
    backend: str = "hf"
    source: str | None = None
    """Benchmark source: a local folder or hub id; None = the benchmark's default."""
    limit: int | None = None
    """First N items per language (quick runs); None = all."""
    prompt_style: str = "standard"
    """standard | english | consistency (see languages.build_prompt)."""
    chat_template: bool = False
    sampling: SamplingParams = field(default_factory=SamplingParams)

    def __post_init__(self) -> None:
        from xling.languages import PROMPT_STYLES

        if self.limit is not None and self.limit < 1:
            raise XlingError(f"--limit must be >= 1, got {self.limit}")
        if self.prompt_style not in PROMPT_STYLES:
            raise XlingError(f"unknown prompt style {self.prompt_style!r}; known: {', '.join(PROMPT_STYLES)}")

    def fingerprint(self) -> dict[str, Any]:
        return {**asdict(self), "sampling": asdict(self.sampling)}


def _prompt(example: Example, style: str, benchmark: Any = None) -> str:
    """The benchmark's own prompt builder when it has one, else the question (with its options
    for multiple choice) and the boxed instruction in the question's language."""
    custom = getattr(benchmark, "build_prompt", None)
    if custom is not None:
        return custom(example, style)
    return build_prompt(example.question, example.lang, style, choices=example.choices)


def _rows(
    examples: list[Example], prompts: list[str], gens: list[list[Generation]], scorer: str
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for ex, prompt, samples in zip(examples, prompts, gens, strict=True):
        for k, gen in enumerate(samples):
            if gen.finish_reason == "error":
                verdict_fields = {"extracted": None, "correct": False, "reason": "error",
                                  "response_lang": None, "ambiguous_number": False,
                                  "details": None}
            else:
                v = score(gen.text, ex.answer, ex.lang, scorer=scorer, choices=ex.choices,
                          meta=ex.meta)
                verdict_fields = {"extracted": v.extracted, "correct": v.correct,
                                  "reason": v.reason, "response_lang": v.response_lang,
                                  "ambiguous_number": v.ambiguous_number,
                                  "details": _json_or_none(v.details)}
            rows.append({
                "id": ex.id, "parallel_id": ex.parallel_id, "lang": ex.lang, "sample": k,
                "gold": ex.answer, "prompt": prompt, "completion": gen.text,
                **verdict_fields,
                "prompt_tokens": gen.prompt_tokens, "completion_tokens": gen.completion_tokens,
                "finish_reason": gen.finish_reason, "error": gen.error,
                "meta": _json_or_none(ex.meta),
            })
    return rows


def _json_or_none(value: Any) -> str | None:
    """Scorer details and example meta travel as JSON strings (one parquet type for any shape)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) if value else None


def _check_config(run: RunDir, cfg: EvalConfig) -> None:
    """Refuse to mix results of different configs in one directory (they would average)."""
    path = run.eval_config(cfg.benchmark)
    wanted = cfg.fingerprint()
    if path.is_file():
        have = json.loads(path.read_text(encoding="utf-8"))
        if have != json.loads(json.dumps(wanted)):
            diff = sorted(k for k in wanted if have.get(k) != json.loads(json.dumps(wanted[k])))
            raise XlingError(
                f"{run.root} already holds {cfg.benchmark} results of another config "
                f"(differs in: {', '.join(diff)}); use another --out"
            )
    else:
        write_json(path, wanted)


def run_eval(
    cfg: EvalConfig,
    langs: list[str] | str,
    out: str | Path,
    *,
    generator: Generator | None = None,
    backend_kwargs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Evaluate ``cfg.model`` on ``cfg.benchmark`` in ``langs``; results under ``out``.

    Args:
        generator: reuse an already loaded generator (studies evaluate several benchmarks).
        backend_kwargs: passed to the backend constructor (batch_size, device, base_url, ...).

    Returns:
        This benchmark's metrics: {"langs": {lang: ...}, "avg": fraction, "n_samples": int}.
    """
    langs = parse_langs(langs)
    run = RunDir(Path(out))
    module = get_benchmark(cfg.benchmark)
    examples = module.load(langs, source=cfg.source, limit=cfg.limit)
    if not examples:
        raise XlingError(f"{cfg.benchmark}: no examples loaded for {', '.join(langs)}")
    run.root.mkdir(parents=True, exist_ok=True)
    _check_config(run, cfg)

    for lang in langs:
        shard = run.shard(cfg.benchmark, lang)
        if shard.is_file():
            log.info("%s/%s: already evaluated, skipping", cfg.benchmark, lang)
            continue
        items = [ex for ex in examples if ex.lang == lang]
        if generator is None:
            generator = get_generator(cfg.backend, cfg.model, chat_template=cfg.chat_template,
                                      **(backend_kwargs or {}))
        start = time.perf_counter()
        prompts = [_prompt(ex, cfg.prompt_style, module) for ex in items]
        gens = generator.generate(prompts, cfg.sampling)
        rows = _rows(items, prompts, gens, module.SCORER)
        write_parquet(shard, rows)
        acc = sum(r["correct"] for r in rows) / max(1, len(rows))
        log.info("%s/%s: %d samples, acc %.1f%%, %.1fs", cfg.benchmark, lang, len(rows),
                 100 * acc, time.perf_counter() - start)

    rows = [r for lang in langs for r in read_parquet(run.shard(cfg.benchmark, lang))]
    write_parquet(run.eval_file(cfg.benchmark), rows)
    summary = summarize_rows(rows)
    result = {
        "langs": {lang: summary[lang] for lang in langs},
        **({"summary": module.summarize(rows)} if hasattr(module, "summarize") else {}),
        "avg": average(acc_by_lang(summary), langs),
        "n_samples": len(rows),
        "config": cfg.fingerprint(),
    }
    metrics = run.read_metrics()
    metrics.setdefault("model", cfg.model)
    metrics.setdefault("benchmarks", {})[cfg.benchmark] = result
    write_json(run.metrics, metrics)
    return result

