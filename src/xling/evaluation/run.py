"""Evaluate one model on one benchmark: generate -> score -> metrics, resumable per language.

Stage: evaluation (composes data, generate, scoring, metrics). Writes ``<out>/eval/<bench>.parquet``
(one row per sample) and the benchmark's entry in ``<out>/metrics.json``. All languages'
prompts are generated as one length-sorted stream (a batch can hold several languages, so the
GPU stays full), in chunks that are saved as they finish; the rows are then saved per language
(shards, checked on every read). A killed evaluation resumes at the first unfinished chunk, and
rerunning a finished one does no work.
Try:  xling eval --model ./tiny --benchmark mgsm --langs de,en --limit 5 --out runs/tiny
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from xling.data import Benchmark, get_benchmark, record_reads
from xling.data.io import read_parquet, write_json, write_parquet
from xling.evaluation.rows import benchmark_metrics, eval_rows
from xling.evaluation.settings import EvalConfig
from xling.generate import (
    Generator,
    SamplingParams,
    expect_workload,
    get_generator,
    render_prompt,
)
from xling.languages import LANGUAGES
from xling.paths import looks_local
from xling.schema import Example, Generation, XlingError
from xling.store import RunDir

log = logging.getLogger(__name__)


def _check_config(run: RunDir, cfg: EvalConfig, name: str, replace_stale: bool = False) -> None:
    """Refuse to mix results of different configs in one directory (they would average), or,
    with ``replace_stale`` (a study cell whose evaluation settings were edited), remove the old
    results of ``name`` so they are redone with the new config.

    The fingerprint is recorded only once results exist (``_record_config``), so a failed start
    (a mistyped model) does not poison the directory; a fingerprint with no results is stale.
    """
    path = run.eval_config(name)
    wanted = json.loads(json.dumps(cfg.fingerprint()))
    if not path.is_file():
        return
    have = json.loads(path.read_text(encoding="utf-8"))
    if have == wanted:
        return
    shards = run.shard(name, "x").parent
    has_results = run.eval_file(name).is_file() or any(shards.glob("*.parquet"))
    if not has_results:
        log.info("%s: stale config fingerprint without results; replacing it", path)
        path.unlink()
        return
    diff = sorted(k for k in wanted if have.get(k) != wanted[k])
    if replace_stale:
        import shutil

        log.info("%s: evaluation settings changed (%s): re-evaluating", name, ", ".join(diff))
        shutil.rmtree(shards, ignore_errors=True)
        run.eval_file(name).unlink(missing_ok=True)
        path.unlink()
        return
    raise XlingError(
        f"{run.root} already holds {name} results of another config "
        f"(differs in: {', '.join(diff)}); use another --out"
    )


def _record_config(run: RunDir, cfg: EvalConfig, name: str) -> None:
    if not run.eval_config(name).is_file():
        write_json(run.eval_config(name), cfg.fingerprint())


def _read_shard(path: Path, lang: str, ids: list[str], per_item: int) -> list[dict[str, Any]] | None:
    """A finished language's rows, or None (and why, logged) when the shard does not check out:
    unreadable, another language's rows, or not exactly ``per_item`` samples of each of ``ids``."""
    try:
        rows = read_parquet(path)
    except Exception as exc:  # truncated or foreign file: redo the language, never crash on it
        log.warning("%s: unreadable shard (%s); redoing %s", path, type(exc).__name__, lang)
        return None
    counts: dict[str, int] = {}
    for row in rows:
        if row.get("lang") != lang:
            log.warning("%s: holds %s rows; redoing %s", path, row.get("lang"), lang)
            return None
        counts[str(row["id"])] = counts.get(str(row["id"]), 0) + 1
    if counts != dict.fromkeys(ids, per_item):
        log.warning("%s: %d rows do not match %d items x %d samples; redoing %s",
                    path, len(rows), len(ids), per_item, lang)
        return None
    return rows


CHUNK_PROMPTS = 512
"""Prompts per generation call of the cross-language stream; each finished chunk is saved, so
a killed evaluation loses at most one chunk. Not a tuning knob: the chunk composition decides
which prompts share a batch, and so the exact samples (``$XLING_EVAL_CHUNK_PROMPTS`` overrides
it for tests that need several chunks from a few prompts)."""


def _chunk_prompts() -> int:
    raw = os.environ.get("XLING_EVAL_CHUNK_PROMPTS")
    if raw is None:
        return CHUNK_PROMPTS
    if not raw.isdigit() or int(raw) < 1:
        raise XlingError(f"XLING_EVAL_CHUNK_PROMPTS must be an integer >= 1, got {raw!r}")
    return int(raw)


def _generate_stream(
    parts: Path, cfg: EvalConfig, module: Any, examples: list[Example], pending: set[str],
    generator: Generator,
) -> list[dict[str, Any]]:
    """Generate and score the pending languages' items as one length-sorted stream.

    All languages' prompts are sorted by length (longest first, ties by language and id) and
    cut into chunks of ``CHUNK_PROMPTS``; the chunks are fixed by the whole benchmark, not by
    what is pending, so a resumed evaluation samples exactly what an uninterrupted one would.
    Each finished chunk is written to ``parts/.part-r<run>-<chunk>.parquet`` and
    reused on a rerun; a chunk holding only finished languages is skipped.
    """
    requests = _requests(module, examples, cfg.prompt_style)
    prompts = {i: request.text for i, request in requests.items()}
    order = sorted(examples, key=lambda ex: (-len(prompts[ex.id]), ex.lang, ex.id))
    size = _chunk_prompts()
    chunks = [order[i:i + size] for i in range(0, len(order), size)]
    todo = [(r, c) for r in range(cfg.runs) for c, chunk in enumerate(chunks)
            if any(ex.lang in pending for ex in chunk)]
    parts.mkdir(parents=True, exist_ok=True)
    # the whole stream's size, so the backend can weigh a warm-up against all chunks (hf: path)
    expect_workload(generator, sum(len(chunks[c]) for r, c in todo
                                   if not (parts / f".part-r{r}-{c}.parquet").is_file()), cfg.sampling)
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()
    for step, (r, c) in enumerate(todo, 1):
        chunk = chunks[c]
        path = parts / f".part-r{r}-{c}.parquet"
        want = [ex.id for ex in chunk]
        got = _read_part(path, want, cfg.sampling.n)
        state = "reused" if got is not None else "done"
        if got is None:
            sampling = replace(cfg.sampling, seed=cfg.sampling.seed + r)
            gens = _sample(generator, [requests[i] for i in want], sampling)
            got = eval_rows(chunk, [prompts[i] for i in want], gens,
                            module.scorer_for(cfg.prompt_style), run_index=r,
                            think=cfg.think, prompt_style=cfg.prompt_style,
                            think_format=cfg.think_format)
            write_parquet(path, got)
        rows += [row for row in got if row["lang"] in pending]
        log.info("%s: chunk %d/%d (%d prompts, run %d) %s, %.0fs", cfg.benchmark, step,
                 len(todo), len(chunk), r, state, time.perf_counter() - start)
    index = {ex.id: i for i, ex in enumerate(examples)}  # back to the benchmark's item order
    rows.sort(key=lambda row: (index[row["id"]], row["run"], row["sample"]))
    return rows


@dataclass(frozen=True)
class _Request:
    """What the backend is asked for one item: the user turn and the assistant's first words."""

    prompt: str
    """The benchmark's prompt in the evaluation's style (``Benchmark.build_prompt``)."""
    prefix: str = ""
    """The start of the model's turn, which it continues ('' = none; think-prefill)."""

    @property
    def text(self) -> str:
        """The request as the eval rows record it (``render_prompt`` without a chat template:
        the prompt, then the prefix on a new line)."""
        return render_prompt(self.prompt, assistant_prefix=self.prefix)


def assistant_prefix(lang: str, style: str) -> str:
    """Study B's prefilled reasoning language: think-prefill opens the model's thinking block with
    a sentence in the question's language (``Language.think_opening``); '' for every other style."""
    if style != "think-prefill":
        return ""
    from xling.languages import get_language
    from xling.scoring.thinking import OPEN

    return f"{OPEN}\n{get_language(lang).think_opening}\n"


def _requests(module: Benchmark, examples: list[Example], style: str) -> dict[str, _Request]:
    return {ex.id: _Request(module.build_prompt(ex, style), assistant_prefix(ex.lang, style))
            for ex in examples}


def _sample(generator: Generator, requests: list[_Request],
            sampling: SamplingParams) -> list[list[Generation]]:
    """The backend's completions of ``requests``; the assistant prefixes go to its chat call
    (which renders them, with the chat template where the backend applies one)."""
    prompts = [request.prompt for request in requests]
    if not any(request.prefix for request in requests):
        return generator.generate(prompts, sampling)
    import inspect

    if "assistant_prefix" not in inspect.signature(generator.generate).parameters:
        raise XlingError(f"backend {type(generator).__name__} cannot start the model's turn with "
                         "a prefix (think-prefill): its generate() takes no assistant_prefix")
    return generator.generate(prompts, sampling,
                              assistant_prefix=[request.prefix for request in requests])


def _read_part(path: Path, ids: list[str], n: int) -> list[dict[str, Any]] | None:
    """A saved chunk's rows when it holds exactly ``n`` samples of each of ``ids``, else None."""
    if not path.is_file():
        return None
    try:
        rows = read_parquet(path)
    except Exception:  # a chunk cut off by a kill: generate it again
        return None
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["id"]] = counts.get(row["id"], 0) + 1
    return rows if counts == dict.fromkeys(ids, n) else None


def _earlier_langs(run: RunDir, name: str, langs: list[str],
                   per_item: int) -> dict[str, list[dict[str, Any]]]:
    """Rows of languages an earlier run of the same config evaluated and ``langs`` leaves out:
    their shards, when each holds only its language and ``per_item`` samples of every item
    (anything else is left out and logged, never trusted)."""
    kept: dict[str, list[dict[str, Any]]] = {}
    for shard in sorted(run.shard(name, "x").parent.glob("*.parquet")):
        lang = shard.stem
        if lang in langs or shard.name.startswith("."):
            continue
        try:
            rows = read_parquet(shard)
        except Exception as exc:  # a damaged shard of a language not asked for: leave it out
            log.warning("%s: unreadable (%s); %s left out", shard, type(exc).__name__, lang)
            continue
        counts: dict[str, int] = {}
        for row in rows:
            counts[str(row["id"])] = counts.get(str(row["id"]), 0) + 1
        if not rows or any(row.get("lang") != lang for row in rows) or set(counts.values()) != {
                per_item}:
            log.warning("%s: does not hold %d samples per %s item; %s left out", shard,
                        per_item, lang, lang)
            continue
        kept[lang] = rows
    if kept:
        log.info("%s: keeping %s from an earlier run (not asked for now)", name, ", ".join(kept))
    return kept


def _retry_errors(rows: list[dict[str, Any]], cfg: EvalConfig, module: Any,
                  examples: list[Example], backend: Callable[[], Generator], where: str) -> bool:
    """Ask again for the samples of ``rows`` a backend failed on (``finish_reason`` "error"),
    with the request and seed they had (run ``r``: ``seed + r``; the openai backend seeds sample
    ``k`` with ``seed + k``, so each retry is the request that failed); replaces them in place.
    Returns whether any was retried."""
    failed = [i for i, row in enumerate(rows) if row["finish_reason"] == "error"]
    if not failed:
        return False
    log.info("%s: asking again for %d samples that failed with a backend error", where,
             len(failed))
    by_id = {ex.id: ex for ex in examples}
    for r in sorted({rows[i]["run"] for i in failed}):
        ids = list(dict.fromkeys(rows[i]["id"] for i in failed if rows[i]["run"] == r))
        requests = _requests(module, [by_id[i] for i in ids], cfg.prompt_style)
        gens = _sample(backend(), [requests[i] for i in ids],
                       replace(cfg.sampling, seed=cfg.sampling.seed + r))
        fresh = eval_rows([by_id[i] for i in ids], [requests[i].text for i in ids], gens,
                          module.scorer_for(cfg.prompt_style), run_index=r, think=cfg.think,
                          prompt_style=cfg.prompt_style, think_format=cfg.think_format)
        by_sample = {(row["id"], row["sample"]): row for row in fresh}
        for i in failed:
            if rows[i]["run"] == r:
                rows[i] = by_sample[rows[i]["id"], rows[i]["sample"]]
    still = sum(rows[i]["finish_reason"] == "error" for i in failed)
    if still:
        log.warning("%s: %d of %d retried samples failed again (counted as wrong; rerun to "
                    "retry)", where, still, len(failed))
    return True


def load_generator(cfg: EvalConfig, options: dict[str, Any] | None = None) -> Generator:
    """The backend of ``cfg`` for its model (``EvalConfig.backend_options``: the chat template,
    the hf batch size), with ``options`` of the backend's own (``base_url``, ``timeout_s``).

    A hub model the hf or vllm backend is to load is looked up first (``hub.check_model``:
    cached, or one quick request), so a mistyped id is one line at once, not half a minute of
    the loader's retries ending in a traceback.
    """
    if cfg.backend in ("hf", "vllm") and not looks_local(cfg.model):
        from xling import hub

        hub.check_model(cfg.model)
    return get_generator(cfg.backend, cfg.model, **{**cfg.backend_options(), **(options or {})})


def run_eval(
    cfg: EvalConfig,
    langs: list[str] | str,
    out: str | Path,
    *,
    generator: Generator | Callable[[], Generator] | None = None,
    backend_kwargs: dict[str, Any] | None = None,
    replace_stale: bool = False,
    keep_other_langs: bool = True,
) -> dict[str, Any]:
    """Evaluate ``cfg.model`` on ``cfg.benchmark`` in ``langs``; results under ``out``.

    A rerun adds or refreshes what it runs and keeps the rest: languages evaluated earlier with
    the same config and not in ``langs`` stay in the parquet and metrics.json
    (``keep_other_langs``). Samples a backend failed on (``finish_reason`` "error", e.g. a
    server that timed out) are asked again on every rerun; those that fail again stay errors,
    counted and named in the tables.

    Args:
        generator: reuse an already loaded generator (studies evaluate several benchmarks), or
            a function that loads one, called only if something is left to generate.
        backend_kwargs: passed to the backend constructor (batch_size, device, base_url, ...).
        replace_stale: results of another config in ``out`` are removed and redone (studies,
            whose cells are keyed by their evaluation settings) instead of refused.
        keep_other_langs: False = the results hold exactly ``langs`` (a study cell, whose
            evaluation is keyed by its languages).

    Returns:
        This benchmark's metrics: {"langs": {lang: ...}, "avg": fraction, "n_samples": int}.
    """
    run = RunDir(Path(out))
    module = get_benchmark(cfg.benchmark)
    name = module.name  # a card path's results: its card's name
    if cfg.prompt_style == "authors":
        module.protocol(cfg.prompt_style)  # no authors' protocol: one line, before any work
    langs = module.resolve_langs(langs, cfg.source)
    with record_reads() as reads:  # the data files and hub ids behind these results
        examples = module.load(langs, source=cfg.source, limit=cfg.limit)
    if not examples:
        raise XlingError(f"{cfg.benchmark}: no examples loaded for {', '.join(langs)}")
    empty = [lang for lang in langs if not any(ex.lang == lang for ex in examples)]
    if empty:
        raise XlingError(f"{cfg.benchmark}: no items for {', '.join(empty)}")
    run.root.mkdir(parents=True, exist_ok=True)
    _check_config(run, cfg, name, replace_stale)
    per_item = cfg.sampling.n * cfg.runs

    done: dict[str, list[dict[str, Any]]] = {}
    for lang in langs:
        shard = run.shard(name, lang)
        ids = [ex.id for ex in examples if ex.lang == lang]
        if shard.is_file() and (rows := _read_shard(shard, lang, ids, per_item)) is not None:
            log.info("%s/%s: already evaluated, skipping", name, lang)
            done[lang] = rows
    pending = [lang for lang in langs if lang not in done]

    def backend() -> Generator:  # loaded once, and only when something is left to generate
        nonlocal generator
        with record_reads(reads, files=False):  # a hub model loaded here, at its commit
            if callable(generator) and not hasattr(generator, "generate"):
                generator = generator()
            if generator is None:
                generator = load_generator(cfg, backend_kwargs)
        return generator  # type: ignore[return-value]

    retried = [lang for lang, rows in done.items()
               if _retry_errors(rows, cfg, module, examples, backend, f"{name}/{lang}")]
    for lang in retried:
        write_parquet(run.shard(name, lang), done[lang])
    if pending:
        fresh = _generate_stream(run.shard(name, "x").parent, cfg, module, examples, set(pending),
                                 backend())
        for lang in pending:
            rows = [row for row in fresh if row["lang"] == lang]
            write_parquet(run.shard(name, lang), rows)
            acc = sum(r["correct"] for r in rows) / max(1, len(rows))
            log.info("%s/%s: %d samples, acc %.1f%%", name, lang, len(rows), 100 * acc)
            done[lang] = rows
        _record_config(run, cfg, name)
        for part in run.shard(name, "x").parent.glob(".part-*.parquet"):
            part.unlink()  # every language has its shard now
    metrics = run.read_metrics()
    before = metrics.get("benchmarks", {}).get(name, {})
    kept = _earlier_langs(run, name, langs, per_item) if keep_other_langs else {}
    done |= kept
    order = [lang for lang in LANGUAGES if lang in done] + sorted(set(done) - set(LANGUAGES))
    rows = [row for lang in order for row in done[lang]]
    if pending or retried or list(before.get("langs", ())) != order or not run.eval_file(
            name).is_file():  # else: the file already holds these rows
        write_parquet(run.eval_file(name), rows)
    data = reads.record()
    if kept:  # the kept languages' data was read by the earlier run: keep its record too
        earlier = before.get("data") or {}
        data = {"files": {**earlier.get("files", {}), **data["files"]},
                "hub": list(dict.fromkeys([*earlier.get("hub", []), *data["hub"]])),
                "models": list(dict.fromkeys([*earlier.get("models", []), *data["models"]]))}
    result = benchmark_metrics(rows, module, order, cfg.pass_k)
    result.update(config=cfg.fingerprint(), data=data)
    metrics.setdefault("model", cfg.model)
    metrics.setdefault("benchmarks", {})[name] = result
    write_json(run.metrics, metrics)
    return result
