"""Run every cell of a study that has no finished result; report status; never redo work.

Stage: study. For each cell: train (unless it is the base; a finished training is marked and
skipped, an interrupted one resumes from its last checkpoint), evaluate every benchmark (resumes
per language), run the probes, write ``metrics.json`` and finally ``DONE``. A cell that raises is
marked FAILED with the error and the study goes on with the next cell; rerunning retries it.
Try:  xling study run studies/sandbox.yaml && xling study status studies/sandbox.yaml
"""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from xling import __version__
from xling.data.io import atomic_write_text, write_json
from xling.schema import XlingError
from xling.study.grid import Cell, resolve_cells
from xling.study.spec import StudySpec
from xling.study.store import attach_log

log = logging.getLogger(__name__)

RUNNING, FAILED, TRAINED = "RUNNING", "FAILED", "TRAINED"


@dataclass(frozen=True)
class CellStatus:
    label: str
    state: str
    """done | running | failed | pending"""
    path: Path
    detail: str = ""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cell_status(cell: Cell) -> CellStatus:
    root = cell.run.root
    if cell.run.is_done():
        return CellStatus(cell.label, "done", root)
    running = root / RUNNING
    if running.is_file():
        info = json.loads(running.read_text(encoding="utf-8") or "{}")
        if _pid_alive(int(info.get("pid", -1))):
            return CellStatus(cell.label, "running", root, f"pid {info.get('pid')}")
    failed = root / FAILED
    if failed.is_file():
        return CellStatus(cell.label, "failed", root, failed.read_text(encoding="utf-8").splitlines()[0])
    return CellStatus(cell.label, "pending", root)


def study_status(study: StudySpec) -> list[CellStatus]:
    """The state of every cell (done, running, failed, pending)."""
    return [cell_status(cell) for cell in resolve_cells(study)]


def base_model_path(study: StudySpec) -> str:
    """The base model as a loadable path or hub id (building the sandbox base if needed)."""
    if study.base_model == "sandbox":
        from xling.study.sandbox import SandboxRecipe, build_base

        return str(build_base(SandboxRecipe.from_overrides(study.sandbox)))
    return study.base_model


def _eval_source(study: StudySpec, benchmark: str) -> str | None:
    if study.eval.source is not None:
        return study.eval.source
    if benchmark == "sandbox" and study.base_model == "sandbox":
        from xling.study.sandbox import SandboxRecipe

        problems = SandboxRecipe.from_overrides(study.sandbox).problems
        return json.dumps(problems) if problems else None
    return None


def _train(study: StudySpec, cell: Cell, base: str) -> str:
    from xling.data.pools import load_pool, select
    from xling.train import train

    out = cell.run.root / "train"
    if (out / TRAINED).is_file():
        return (out / TRAINED).read_text(encoding="utf-8").strip()
    langs = list(cell.spec.train_langs)
    pool = load_pool(study.pool.name, langs)
    design = cell.resolved["design"]
    examples = select(pool, langs, design, n=study.pool.n, seed=cell.spec.seed)
    log.info("%s: training %s on %d examples (%s, %s)", cell.label, cell.spec.paradigm,
             len(examples), ",".join(langs), design)
    checkpoint = train(cell.spec.paradigm, base, examples, out, config=cell.resolved["config"])
    atomic_write_text(out / TRAINED, f"{checkpoint}\n")
    return str(checkpoint)


def _evaluate(study: StudySpec, cell: Cell, model: str) -> None:
    from xling.data import get_benchmark
    from xling.generate import SamplingParams, get_generator
    from xling.study.evaluate import EvalConfig, run_eval

    ev = study.eval
    sampling = SamplingParams(n=ev.n, temperature=ev.temperature, top_p=ev.top_p,
                              max_new_tokens=ev.max_new_tokens, seed=cell.spec.seed)
    generator = None
    for benchmark in ev.benchmarks:
        covered = getattr(get_benchmark(benchmark), "LANGS", ev.langs)
        langs = [lang for lang in ev.langs if lang in covered]
        missing = [lang for lang in ev.langs if lang not in covered]
        if missing:
            log.warning("%s has no %s: reported as n/a", benchmark, ", ".join(missing))
        if not langs:
            continue
        cfg = EvalConfig(model=model, benchmark=benchmark, backend=study.backend,
                         source=_eval_source(study, benchmark), limit=ev.limit,
                         prompt_style=ev.prompt_style, sampling=sampling)
        if generator is None and study.backend == "hf":
            generator = get_generator("hf", model, batch_size=ev.batch_size)
        run_eval(cfg, langs, cell.run.root, generator=generator)


def _probes(study: StudySpec, cell: Cell, model: str, base: str) -> None:
    if not study.probes:
        return
    from xling.study.probing import run_probes

    path = cell.run.root / "probes.json"
    if path.is_file():
        return
    write_json(path, run_probes(study, cell, model, base))


def run_cell(study: StudySpec, cell: Cell, base: str) -> None:
    """Train, evaluate and probe one cell; DONE is written last."""
    root = cell.run.root
    root.mkdir(parents=True, exist_ok=True)
    atomic_write_text(root / RUNNING, json.dumps({"pid": os.getpid(), "start": time.time()}))
    (root / FAILED).unlink(missing_ok=True)
    handler = attach_log(cell.run)
    try:
        atomic_write_text(cell.run.spec, yaml.safe_dump(
            {"label": cell.label, "key": cell.key, "xling_version": __version__,
             "base_model": base, **cell.resolved}, allow_unicode=True, sort_keys=False))
        model = base if cell.spec.paradigm == "base" else _train(study, cell, base)
        _evaluate(study, cell, model)
        _probes(study, cell, model, base)
        cell.run.mark_done({"label": cell.label, "model": model, "finished": time.time()})
    except BaseException as exc:
        if not isinstance(exc, KeyboardInterrupt):
            atomic_write_text(root / FAILED, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        raise
    finally:
        (root / RUNNING).unlink(missing_ok=True)
        logging.getLogger("xling").removeHandler(handler)
        handler.close()


def run_study(study: StudySpec, *, keep_going: bool = True) -> list[CellStatus]:
    """Run every unfinished cell of ``study``; returns the final status of every cell.

    Args:
        keep_going: on a cell's failure, record it and continue with the next cell (the
            failure is re-raised at the end as an XlingError naming the failed cells).
    """
    cells = resolve_cells(study)
    todo = [c for c in cells if not c.run.is_done()]
    log.info("study %s: %d cells, %d to run (%s)", study.name, len(cells), len(todo), study.out_dir)
    if not todo:
        return study_status(study)
    base = base_model_path(study)
    failures: list[str] = []
    for i, cell in enumerate(todo, start=1):
        log.info("[%d/%d] cell %s (%s)", i, len(todo), cell.label, cell.run.root.name)
        start = time.perf_counter()
        try:
            run_cell(study, cell, base)
        except (XlingError, RuntimeError, ValueError, OSError) as exc:
            if not keep_going:
                raise
            log.error("cell %s failed: %s", cell.label, exc)
            failures.append(cell.label)
            continue
        log.info("cell %s done in %.0fs", cell.label, time.perf_counter() - start)
    if failures:
        raise XlingError(f"study {study.name}: {len(failures)} cell(s) failed: {', '.join(failures)} "
                         f"(see FAILED in their directories; rerun to retry)")
    return study_status(study)


def cell_results(study: StudySpec) -> list[tuple[Cell, dict[str, Any]]]:
    """Finished cells with their metrics.json, in spec order."""
    return [(c, c.run.read_metrics()) for c in resolve_cells(study) if c.run.is_done()]
