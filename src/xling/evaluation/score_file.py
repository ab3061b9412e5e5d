"""Score completions produced elsewhere (vLLM, SGLang, an API): ``xling score``.

Stage: evaluation (composes data, scoring, metrics). Reads a JSONL of
``{"id", "lang", "completion"[, "finish_reason", "sample", "run", "prompt"]}`` rows and scores
each with ``scoring.judge`` against a benchmark's (or a card's) items, matched by ``id`` (the
item's id as ``xling eval`` writes it, e.g. ``mgsm-de-17``, or its ``parallel_id`` with
``lang``); or self-contained rows that carry their own ``gold`` (and optionally ``scorer``,
``choices``, ``meta``). Writes the same ``eval/<name>.parquet`` rows and ``metrics.json`` entry
as ``xling eval``, so ``xling report`` and studies read them unchanged.

A malformed row is an error naming ``file:line`` before anything is scored; an empty
completion is a counted ``no-answer``, never an exception.
Try:  xling score runs/vllm/completions.jsonl --benchmark mgsm --out runs/vllm-scored
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from xling.data import Benchmark, get_benchmark, record_reads
from xling.data.benchmarks import Headline
from xling.data.io import read_jsonl_numbered, write_json, write_parquet
from xling.evaluation.rows import benchmark_metrics, json_or_none, verdict_fields
from xling.evaluation.settings import EvalSettings
from xling.languages import LANGUAGES, get_language
from xling.schema import Example, Generation, XlingError
from xling.scoring import FINISH_REASONS, get_scorer
from xling.store import RunDir

log = logging.getLogger(__name__)


def _self_contained(rows: list[tuple[int, dict[str, Any]]], path: Path) -> list[Example]:
    """Examples from rows that carry their own ``gold`` (``scorer`` default "math")."""
    examples = []
    for line, row in rows:
        where = f"{path}:{line}"
        kind = row.get("scorer", "math")
        try:
            get_scorer(kind)  # a kind of scoring.SCORERS or a dotted path
        except XlingError as exc:
            raise XlingError(f"{where}: {exc}") from None
        if "gold" not in row and kind != "ifeval":
            raise XlingError(f"{where}: no 'gold' (rows need it without --benchmark)")
        choices = row.get("choices")
        if choices is not None and (not isinstance(choices, list)
                                    or not all(isinstance(c, str) for c in choices)):
            raise XlingError(f"{where}: 'choices' must be a list of strings")
        meta = row.get("meta") or {}
        if not isinstance(meta, dict):
            raise XlingError(f"{where}: 'meta' must be an object")
        rid = str(row.get("id", f"row-{line}"))
        examples.append(Example(id=rid, parallel_id=str(row.get("parallel_id", rid)),
                                lang=row["lang"], question=str(row.get("question", "")),
                                answer=str(row.get("gold", "")), choices=tuple(choices) if choices
                                else None, source="scored", meta={**meta, "scorer": kind}))
    return examples


def _matched(rows: list[tuple[int, dict[str, Any]]], path: Path, bench: Benchmark,
             source: str | None) -> list[Example]:
    """The benchmark item of each row, by ``id`` or by (``parallel_id``, ``lang``)."""
    langs = sorted({row["lang"] for _, row in rows}, key=list(LANGUAGES).index)
    items = bench.load(langs, source=source)
    by_id = {ex.id: ex for ex in items}
    by_pid = {(ex.parallel_id, ex.lang): ex for ex in items}
    out = []
    for line, row in rows:
        key = str(row.get("id", ""))
        ex = by_id.get(key) or by_pid.get((str(row.get("parallel_id", key)), row["lang"]))
        if ex is None:
            raise XlingError(f"{path}:{line}: no {bench.name} item {key!r} in {row['lang']} (ids "
                             f"look like {items[0].id!r}, or give parallel_id and lang)")
        if ex.lang != row["lang"]:
            raise XlingError(f"{path}:{line}: item {key!r} is in {ex.lang}, the row says "
                             f"{row['lang']}")
        out.append(ex)
    return out


def _check_rows(rows: list[tuple[int, dict[str, Any]]], path: Path) -> None:
    for line, row in rows:
        where = f"{path}:{line}"
        if not isinstance(row.get("completion"), str):
            raise XlingError(f"{where}: 'completion' must be a string")
        if not isinstance(row.get("lang"), str):
            raise XlingError(f"{where}: 'lang' must be an ISO 639-1 code")
        try:
            get_language(row["lang"])
        except XlingError as exc:
            raise XlingError(f"{where}: {exc}") from None
        finish = row.get("finish_reason", "stop")
        if finish not in FINISH_REASONS:
            raise XlingError(f"{where}: finish_reason {finish!r}; known: "
                             f"{', '.join(FINISH_REASONS)}")
        for key in ("sample", "run"):
            if key in row and (not isinstance(row[key], int) or row[key] < 0):
                raise XlingError(f"{where}: {key!r} must be an integer >= 0")


def score_file(path: str | Path, out: str | Path, *, benchmark: str | None = None,
               source: str | None = None, name: str | None = None,
               settings: EvalSettings | None = None,
               pass_k: tuple[int, ...] = ()) -> dict[str, Any]:
    """Score the completions in ``path`` and record them under ``out`` (see the module docstring).

    Args:
        benchmark: a registered benchmark or card path whose items the rows answer; None = the
            rows carry their own ``gold``.
        name: the results name (default: the benchmark's, else "scored").
        settings: what scoring reads of an evaluation's settings: ``prompt_style`` (the style
            the completions were prompted in: recorded; ``authors`` also selects the authors'
            extraction rule), ``think`` and ``think_format``; None = the defaults.
        pass_k: unbiased pass@k for these k (every item needs that many samples).

    Returns:
        The benchmark's metrics entry (as ``run_eval`` returns it).

    Raises:
        XlingError: a malformed row (file:line), an id the benchmark lacks, bad settings.
    """
    path = Path(path)
    settings = settings or EvalSettings()
    think, think_format, prompt_style = settings.think, settings.think_format, settings.prompt_style
    rows = read_jsonl_numbered(path, required=("lang", "completion"))
    if not rows:
        raise XlingError(f"{path}: no rows to score")
    _check_rows(rows, path)
    with record_reads() as reads:
        if benchmark is not None:
            bench = get_benchmark(benchmark)
            examples = _matched(rows, path, bench, source)
            scorers = [bench.scorer_for(prompt_style)] * len(rows)
        else:
            bench = Benchmark(name=name or "scored", load=lambda *a, **k: [], scorer="math",
                              langs=tuple(LANGUAGES), headline=Headline())
            examples = _self_contained(rows, path)
            scorers = [ex.meta.pop("scorer") for ex in examples]
    name = name or bench.name
    seen: dict[tuple[str, int], int] = {}
    out_rows: list[dict[str, Any]] = []
    for (_line, row), ex, kind in zip(rows, examples, scorers, strict=True):
        run_index = int(row.get("run", 0))
        sample = row.get("sample")
        if sample is None:
            sample = seen.get((ex.id, run_index), 0)
        seen[(ex.id, run_index)] = sample + 1
        gen = Generation(row["completion"], 0, 0, row.get("finish_reason", "stop"))
        out_rows.append({
            "id": ex.id, "parallel_id": ex.parallel_id, "lang": ex.lang, "sample": sample,
            "gold": ex.answer, "prompt": str(row.get("prompt", "")), "completion": gen.text,
            **verdict_fields(ex, gen, kind, think, think_format),
            "run": run_index, "prompt_style": prompt_style,
            "prompt_tokens": None, "completion_tokens": None,
            "finish_reason": gen.finish_reason, "error": None, "meta": json_or_none(ex.meta),
        })
    langs = list(dict.fromkeys(r["lang"] for r in out_rows))
    per_item = {}
    for r in out_rows:
        per_item[r["id"]] = per_item.get(r["id"], 0) + 1
    if pass_k and max(pass_k) > min(per_item.values()):
        raise XlingError(f"--pass-k {max(pass_k)} needs that many samples of every item; "
                         f"{path} has {min(per_item.values())} of some")
    run = RunDir(Path(out))
    run.root.mkdir(parents=True, exist_ok=True)
    write_parquet(run.eval_file(name), out_rows)
    result = benchmark_metrics(out_rows, bench, langs, pass_k)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    result.update(config={"scored_from": str(path.resolve()), "sha256": digest,
                          "benchmark": benchmark, "source": source, "think": think,
                          "think_format": think_format, "prompt_style": prompt_style},
                  data=reads.record())
    metrics = run.read_metrics()
    metrics.setdefault("model", str(path))
    metrics.setdefault("benchmarks", {})[name] = result
    write_json(run.metrics, metrics)
    log.info("scored %d completions of %s into %s", len(out_rows), path, run.eval_file(name))
    return result

