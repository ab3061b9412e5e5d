"""The driver of a translation: ``translate`` queues every unfinished (language, item), asks the
translator in batches, checks each reply, re-asks the failures with feedback and saves after every
batch.

Stage: translate (see ``xling.translate``).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from xling.generate import Generator, SamplingParams, get_generator
from xling.languages import CHOICE_LETTERS, get_language
from xling.schema import Example, Generation
from xling.translate.checks import Check, chrf, parse_verdict, rule_checks
from xling.translate.config import TranslateConfig, load_prompts, render
from xling.translate.source import Source, load_source, parse_tagged, source_fields, to_tagged
from xling.translate.store import Store, check_fingerprint, copy_row, finish

log = logging.getLogger(__name__)

@dataclass
class _Task:
    lang: str
    example: Example
    attempt: int = 0
    feedback: str = ""
    previous: str = ""
    prompt: str = ""
    reply: str = ""
    fields: dict[str, str] | None = None
    checks: dict[str, Check] = field(default_factory=dict)
    reason: str | None = None


def _first_failure(checks: dict[str, Check]) -> str | None:
    return next((name for name, c in checks.items() if c.ok is False), None)


class _Run:
    def __init__(self, cfg: TranslateConfig, source: Source, out: Path, prompts: dict[str, str],
                 translator: Generator | None, verifier: Generator | None,
                 backend_kwargs: dict[str, Any], verify_kwargs: dict[str, Any]) -> None:
        self.cfg, self.source, self.prompts = cfg, source, prompts
        self.store = Store(out)
        self._translator, self._verifier = translator, verifier
        self.backend_kwargs, self.verify_kwargs = backend_kwargs, verify_kwargs
        self.counts: Counter[str] = Counter()

    # generators are built only when there is work (a finished run loads no model)
    @property
    def translator(self) -> Generator:
        if self._translator is None:
            self._translator = _generator(self.cfg.backend, self.cfg.model, self.cfg,
                                          self.backend_kwargs)
        return self._translator

    @property
    def verifier(self) -> Generator:
        if self._verifier is None:
            backend = self.cfg.verify_backend or self.cfg.backend
            if (self.cfg.verify_model == self.cfg.model and backend == self.cfg.backend
                    and not self.verify_kwargs):
                self._verifier = self.translator
            else:
                self._verifier = _generator(backend, str(self.cfg.verify_model), self.cfg,
                                            self.backend_kwargs | self.verify_kwargs)
        return self._verifier

    def _names(self, lang: str) -> dict[str, str]:
        return {"source_language": get_language(self.cfg.source_lang).name,
                "target_language": get_language(lang).name, "lang": lang}

    def _prompt(self, task: _Task) -> str:
        src = to_tagged(source_fields(task.example, self.cfg.fields))
        prompt = render(self.prompts["translate"], source=src, **self._names(task.lang))
        if task.attempt:
            prompt += render(self.prompts["retry"], feedback=task.feedback, previous=task.previous)
        return prompt

    def run_batch(self, tasks: list[_Task]) -> None:
        """Translate, check, judge and back-translate one batch; sets each task's outcome."""
        cfg = self.cfg
        params = SamplingParams(temperature=cfg.temperature, max_new_tokens=cfg.max_new_tokens,
                                seed=cfg.seed)
        for t in tasks:
            t.prompt, t.checks, t.fields, t.reason = self._prompt(t), {}, None, None
        gens = self.translator.generate([t.prompt for t in tasks], params)
        for t, (gen, *_) in zip(tasks, gens, strict=True):
            self._check(t, gen)
        judged = [t for t in tasks if t.reason is None and cfg.verify_model]
        if judged:
            judge_params = replace(params, max_new_tokens=min(512, cfg.max_new_tokens))
            prompts = [render(self.prompts["judge"],
                              source=to_tagged(source_fields(t.example, cfg.fields)),
                              translation=to_tagged(t.fields or {}), **self._names(t.lang))
                       for t in judged]
            for t, (gen, *_) in zip(judged, self.verifier.generate(prompts, judge_params),
                                    strict=True):
                t.checks["judge"] = (parse_verdict(gen.text) if gen.finish_reason != "error"
                                     else Check(False, f"judge: backend error {gen.error}"))
                if t.checks["judge"].ok is False:
                    t.reason = "judge"
        back = [t for t in tasks if t.reason is None and cfg.min_chrf is not None]
        if back:
            prompts = [render(self.prompts["translate"], source=to_tagged(t.fields or {}),
                              source_language=get_language(t.lang).name,
                              target_language=get_language(cfg.source_lang).name,
                              lang=cfg.source_lang) for t in back]
            for t, (gen, *_) in zip(back, self.translator.generate(prompts, params), strict=True):
                src = source_fields(t.example, cfg.fields)
                fields, _ = parse_tagged(gen.text, list(src))
                score = chrf("\n".join(fields.values()), "\n".join(src.values())) if fields else 0.0
                ok = score >= float(cfg.min_chrf)  # type: ignore[arg-type]
                t.checks["backtranslation"] = Check(ok, f"chrF {score:.1f} (minimum {cfg.min_chrf})"
                                                    + ("" if ok else "; the meaning drifted"))
                if not ok:
                    t.reason = "backtranslation"

    def _check(self, task: _Task, gen: Generation) -> None:
        task.reply = gen.text
        src = source_fields(task.example, self.cfg.fields)
        if gen.finish_reason == "error":
            task.checks["error"], task.reason = Check(False, f"backend error: {gen.error}"), "error"
            return
        if gen.finish_reason == "length":
            task.checks["truncated"] = Check(False, f"the reply hit the {self.cfg.max_new_tokens}-"
                                             "token cap; translate only, add nothing")
            task.reason = "truncated"
            return
        fields, why = parse_tagged(gen.text, list(src))
        if fields is None:
            task.checks["format"], task.reason = Check(False, why), "format"
            return
        task.fields = fields
        task.checks = rule_checks(task.example, src, fields, task.lang, self.cfg)
        task.reason = _first_failure(task.checks)

    def passed_row(self, t: _Task) -> dict[str, Any]:
        ex, fields = t.example, t.fields or {}
        row: dict[str, Any] = {"id": ex.parallel_id, "lang": t.lang, "question": fields["question"],
                               "answer": ex.answer}
        if "solution" in fields:
            row["solution"] = fields["solution"]
        if ex.choices:  # options not asked to be translated are copied as they are
            row["choices"] = [fields.get(f"option_{CHOICE_LETTERS[i]}", text)
                              for i, text in enumerate(ex.choices)]
        row |= {"source_text": source_fields(ex, self.cfg.fields), "model": self.cfg.model,
                "verify_model": self.cfg.verify_model, "prompt": t.prompt,
                "checks": {k: asdict(c) for k, c in t.checks.items()}, "attempts": t.attempt + 1}
        return row


def _generator(backend: str, model: str, cfg: TranslateConfig, kwargs: dict[str, Any]) -> Generator:
    """Build a backend in chat mode, passing only the options its constructor takes (so one set
    of options serves an openai translator and an hf judge)."""
    import inspect

    from xling.generate import BACKENDS
    from xling.registry import resolve

    params = inspect.signature(resolve(BACKENDS, backend, "backend")).parameters
    defaults = {"chat_template": True, "progress": False, "max_concurrency": cfg.concurrency,
                "batch_size": cfg.batch_size}
    options = {k: v for k, v in defaults.items() if k in params} | kwargs
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        options = {k: v for k, v in options.items() if k in params}
    return get_generator(backend, model, **options)


def translate(
    cfg: TranslateConfig,
    input: str,  # noqa: A002 - mirrors --input
    out: str | Path,
    *,
    limit: int | None = None,
    benchmark_source: str | None = None,
    translator: Generator | None = None,
    verifier: Generator | None = None,
    backend_kwargs: dict[str, Any] | None = None,
    verify_kwargs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Translate ``input`` into ``cfg.langs`` under ``out``; resumable (see the module docstring).

    Args:
        input: a card.yaml, a .jsonl file, or a benchmark / pool name (``pool:``/``benchmark:``
            prefixes settle names that are both).
        limit: the first N items of the input.
        benchmark_source: where a benchmark named by ``input`` loads from (folder or hub id).
        translator, verifier: already built generators (else built from ``cfg`` when needed).
        backend_kwargs: backend options (base_url, api_key_env, device, ...); each backend
            gets those its constructor takes.
        verify_kwargs: options for the judge only, over ``backend_kwargs`` (e.g. its base_url).

    Returns:
        The summary (also written to ``out/summary.json``).

    Raises:
        XlingError: bad input, or ``out`` holding a translation made with another config.
    """
    from xling.data.io import write_json
    from xling.progress import progress

    out = Path(out)
    source = load_source(input, cfg.source_lang, limit, benchmark_source)
    prompts = load_prompts(cfg.prompts)
    fingerprint = cfg.fingerprint(prompts, source.name)
    run = _Run(cfg, source, out, prompts, translator, verifier, dict(backend_kwargs or {}),
               dict(verify_kwargs or {}))
    store = run.store
    check_fingerprint(out, fingerprint, store)

    def save(path: Path, rows: list[dict[str, Any]]) -> None:
        """Append results; the config is recorded with the first ones (a failed start, e.g. a
        server that cannot be reached, records nothing and blocks no corrected command)."""
        if rows and not (out / "translate.json").is_file():
            write_json(out / "translate.json", fingerprint)
        store.append(path, rows)

    finished: dict[tuple[str, str], str] = {}
    for lang in cfg.langs:
        for row in store.read(store.passed_path(lang)):
            finished[lang, str(row["id"])] = "passed"
    dropped_rows = store.read(store.dropped_path)
    if cfg.retry_dropped and dropped_rows:
        log.info("re-asking %d items dropped by an earlier run", len(dropped_rows))
        from xling.data.io import write_jsonl

        write_jsonl(store.dropped_path, [])
        dropped_rows = []
    for row in dropped_rows:
        finished.setdefault((row["lang"], str(row["id"])), "dropped")

    # The source language is copied, not translated; saved with the first translations.
    copies = {lang: [copy_row(ex, lang, cfg.fields) for ex in source.examples
                     if (lang, ex.parallel_id) not in finished]
              for lang in cfg.langs if lang == cfg.source_lang}
    queue = [_Task(lang, ex) for lang in cfg.langs if lang != cfg.source_lang
             for ex in source.examples if (lang, ex.parallel_id) not in finished]

    def save_copies() -> None:
        for lang, rows in copies.items():
            save(store.passed_path(lang), rows)
        copies.clear()

    if not queue:
        save_copies()
    if finished:
        log.info("%s: %d items already finished; %d to translate", out, len(finished), len(queue))

    def rounds():
        counts = run.counts
        while queue:
            batch, queue[:] = queue[:cfg.batch_size], queue[cfg.batch_size:]
            run.run_batch(batch)
            passed, dropped = [], []
            for t in batch:
                if t.reason is None:
                    passed.append(t)
                elif t.attempt < cfg.retries:
                    feedback = "\n".join(f"- {name}: {c.detail}" for name, c in t.checks.items()
                                         if c.ok is False)
                    queue.append(_Task(t.lang, t.example, t.attempt + 1, feedback,
                                       t.reply.strip()[:4000]))
                    counts["retries"] += 1
                else:
                    dropped.append(t)
            save_copies()
            for lang in cfg.langs:
                save(store.passed_path(lang), [run.passed_row(t) for t in passed if t.lang == lang])
            save(store.dropped_path, [
                {"id": t.example.parallel_id, "lang": t.lang, "reason": t.reason,
                 "detail": t.checks[t.reason].detail if t.reason in t.checks else "",
                 "attempts": t.attempt + 1, "checks": {k: asdict(c) for k, c in t.checks.items()},
                 "reply": t.reply[:4000], "prompt": t.prompt} for t in dropped])
            counts["passed"] += len(passed)
            counts["dropped"] += len(dropped)
            log.info("translate: %d done, %d queued (passed %d, retries %d, dropped %d)",
                     counts["passed"] + counts["dropped"], len(queue), counts["passed"],
                     counts["retries"], counts["dropped"])
            yield from range(len(passed) + len(dropped))

    for _ in progress(rounds(), "translate", total=len(queue)):
        pass
    summary = finish(cfg, source, store)
    write_json(out / "summary.json", summary)
    return summary
