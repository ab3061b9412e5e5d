"""Run every cell of a study that has no finished result; report status; never redo work.

Stage: study. For each cell: train (unless it is the base; a finished training is marked and
skipped, an interrupted one resumes from its last checkpoint), evaluate every benchmark (resumes
per language), run the probes, write ``metrics.json`` and finally ``DONE``. A cell that raises is
marked FAILED with the error and the study goes on with the next cell; rerunning retries it.
Before the base model is built or loaded, every paradigm config to train is checked against TRL
(``check_training``), every training language set against its pool (``check_pools``) and every
hub model the cells start from, once (``check_models``). A cell is run only under its lock (``<cell>/LOCK``, ``fcntl.flock``):
two ``study run``s of one study share the cells out, each waits at the end for the cells the
other holds, and a lock dies with its process, so a killed run never blocks a rerun.
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
from xling.provenance import DataReads
from xling.schema import Example, XlingError
from xling.store import AwaitingExternal, RunDir, attach_log
from xling.study.grid import Cell, resolve_cells, train_config
from xling.study.spec import StudySpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CellStatus:
    label: str
    state: str
    """done | running | failed | external (training handed to verl) | pending"""
    path: Path
    detail: str = ""


class CellLock:
    """The exclusive right to run one cell: ``fcntl.flock`` on ``<cell>/LOCK``.

    The kernel drops the lock when its holder closes it or dies (even by SIGKILL), so a lock is
    never stale; the file stays (deleting it would let two processes lock two different files)
    and holds the holder's pid for ``study status``.
    """

    def __init__(self, root: Path) -> None:
        self.path = RunDir(Path(root)).lock_file
        self._fd: int | None = None

    def acquire(self, wait: bool = False) -> bool:
        """Take the lock; False if another process holds it (and ``wait`` is False)."""
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "start": time.time()}).encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def holder(self) -> int | None:
        """The pid of the process holding the lock now, or None if it is free."""
        import fcntl

        if not self.path.is_file():
            return None
        fd = os.open(self.path, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                try:
                    return int(json.loads(self.path.read_text(encoding="utf-8") or "{}")["pid"])
                except (ValueError, KeyError, TypeError):
                    return -1  # held, but the pid is not written yet
            return None
        finally:
            os.close(fd)


def cell_status(cell: Cell) -> CellStatus:
    root = cell.run.root
    if cell.is_done():
        return CellStatus(cell.label, "done", root)
    pid = CellLock(root).holder()
    if pid is not None:
        return CellStatus(cell.label, "running", root, f"pid {pid}" if pid > 0 else "")
    external = cell.run.external_marker
    if external.is_file():
        return CellStatus(cell.label, "external", root,
                          external.read_text(encoding="utf-8").splitlines()[0])
    failed = cell.run.failed_marker
    if failed.is_file():
        return CellStatus(cell.label, "failed", root, failed.read_text(encoding="utf-8").splitlines()[0])
    if cell.run.is_done():  # finished with other evaluation settings or probes
        return CellStatus(cell.label, "pending", root, "evaluation or probes changed since DONE")
    return CellStatus(cell.label, "pending", root)


def study_status(study: StudySpec) -> list[CellStatus]:
    """The state of every cell (done, running, failed, pending)."""
    return [cell_status(cell) for cell in resolve_cells(study)]


def base_model_path(study: StudySpec, model: str = "") -> str:
    """A cell's starting model as a loadable path or hub id: the study's base model, or the
    listed model ``model`` (building a sandbox base if needed)."""
    path, recipe = study.start(model)
    if path == "sandbox":
        from xling.study.sandbox_base import SandboxRecipe, build_base

        return str(build_base(SandboxRecipe.from_overrides(recipe)))
    return path


def training_examples(study: StudySpec, cell: Cell,
                      reads: DataReads | None = None) -> list[Example]:
    """What ``cell`` trains on, whichever engine trains it: its languages of the study's pool,
    selected by its design with its seed (in the solution format the pool asks for). What the
    pool read is recorded into ``reads`` when given (``_train`` writes it to ``train/data.json``)."""
    from xling.data import record_reads
    from xling.data.pools import select

    langs = list(cell.spec.train_langs)
    with record_reads(reads):
        pool = cell_pool(study, cell, langs)
    examples = select(pool, langs, cell.resolved["design"], n=study.pool.n, seed=cell.spec.seed)
    if study.pool.format == "think":
        from xling.data.pools import with_thinking

        examples = [with_thinking(e) for e in examples]
    return examples


def _train(study: StudySpec, cell: Cell, base: str) -> str:
    from xling.train import train

    out, trained = cell.run.train_dir, cell.run.trained_marker
    if trained.is_file():
        return trained.read_text(encoding="utf-8").strip()
    reads = DataReads()
    examples = training_examples(study, cell, reads)
    if study.verl is not None and cell.spec.paradigm in study.verl.paradigms:
        from xling.study.verl_cells import train_on_verl

        write_json(cell.run.train_data, reads.record())
        # Returns the merged checkpoint once verl has trained; raises AwaitingExternal before.
        checkpoint = train_on_verl(study, cell, base, examples)
        atomic_write_text(trained, f"{checkpoint}\n")
        return str(checkpoint)
    log.info("%s: training %s on %d examples (%s, %s)", cell.label, cell.spec.paradigm,
             len(examples), ",".join(cell.spec.train_langs), cell.resolved["design"])
    from xling.data import record_reads

    with record_reads(reads, files=False):  # a hub starting model, at its commit
        checkpoint = train(cell.spec.paradigm, base, examples, out, config=train_config(cell))
        from xling.hub import model_revision
        from xling.provenance import note_model

        if (revision := model_revision(base)) is not None:  # a hub model TRL loaded itself
            note_model(base, revision)
    write_json(cell.run.train_data, reads.record())
    atomic_write_text(trained, f"{checkpoint}\n")
    return str(checkpoint)


def _evaluate(study: StudySpec, cell: Cell, model: str,
              backend_options: dict[str, Any] | None = None) -> None:
    """Every benchmark of the study, in the languages its source holds, with the cell's
    evaluation settings (``StudySpec.eval_for``) and seed; one backend for all of them."""
    from xling.data import get_benchmark
    from xling.evaluation.run import load_generator, run_eval
    from xling.evaluation.settings import EvalConfig

    loaded = None

    def shared(cfg: EvalConfig):  # loaded once, and only if some benchmark has work left
        nonlocal loaded
        if loaded is None:
            loaded = load_generator(cfg, backend_options)
        return loaded

    for benchmark in study.eval.benchmarks:
        source = study.benchmark_source(benchmark, cell.spec.base)
        langs, missing = get_benchmark(benchmark).split_langs(study.eval.langs, source)
        if missing:
            log.warning("%s has no %s: reported as n/a", benchmark, ", ".join(missing))
        if not langs:
            continue
        cfg = EvalConfig.of(study.eval_for(cell.spec), model=model, benchmark=benchmark,
                            backend=study.backend, source=source, seed=cell.spec.seed)
        run_eval(cfg, langs, cell.run.root, replace_stale=True, keep_other_langs=False,
                 generator=lambda cfg=cfg: shared(cfg))


def _probes(study: StudySpec, cell: Cell, model: str, base: str) -> None:
    if not study.probes:
        return
    import dataclasses

    from xling.study.probing import run_probes

    # probes.json holds {probe: result}; probes.inputs.json the evaluation key they were run on
    # and the probes that ran (a probe may have no result: drift on a base cell). Same inputs:
    # keep every stored probe and run only the new ones; other inputs: run all.
    inputs = cell.run.probe_inputs
    stored: dict[str, Any] = {}
    ran: list[str] = []
    record = json.loads(inputs.read_text(encoding="utf-8")) if inputs.is_file() else {}
    if cell.run.probes.is_file() and record.get("eval") == cell.stage_keys["eval"]:
        stored = json.loads(cell.run.probes.read_text(encoding="utf-8"))
        ran = list(record.get("ran", stored))
    missing = [name for name in study.probes if name not in ran]
    if missing:
        log.info("%s: probes %s", cell.label, ", ".join(missing))
        stored.update(run_probes(dataclasses.replace(study, probes=tuple(missing)), cell, model, base))
    elif set(stored) <= set(study.probes) and set(ran) <= set(study.probes):
        return
    write_json(cell.run.probes, {name: stored[name] for name in study.probes if name in stored})
    write_json(inputs, {"eval": cell.stage_keys["eval"],
                        "ran": [name for name in study.probes if name in {*ran, *missing}]})


def check_training(study: StudySpec, cells: list[Cell]) -> None:
    """Build every trained cell's paradigm config as training will (``grid.train_config``, the
    cell's seed included; ``train.make_config``, which also checks TRL's field names; imports
    trl, loads no model).

    Raises:
        XlingError: naming the study file and the cell.
    """
    from xling.train import make_config

    seen: set[str] = set()
    for cell in cells:
        if cell.spec.paradigm == "base":
            continue
        if study.verl is not None and cell.spec.paradigm in study.verl.paradigms:
            from xling.study.verl_cells import check_cell

            check_cell(study, cell)  # raises naming the file and the cell
        try:
            config = train_config(cell)
            fingerprint = json.dumps([cell.spec.paradigm, config], sort_keys=True, default=str)
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            make_config(cell.spec.paradigm, config)
        except XlingError as exc:
            raise XlingError(f"{study.source_file or study.name}: cell {cell.label}: {exc}") from None


def cell_pool(study: StudySpec, cell: Cell, langs: list[str]) -> list:
    """The training pool of ``cell`` in ``langs``: its own ``pool`` or the study's; a sandbox
    pool draws from the world of the cell's starting sandbox base (its recipe's problems)."""
    from xling.data.pools import SANDBOX_POOLS, load_pool

    name = cell.spec.pool or study.pool.name
    config = None
    if name in SANDBOX_POOLS:
        path, recipe = study.start(cell.spec.base)
        if path == "sandbox":
            from xling.study.sandbox_base import SandboxRecipe

            config = SandboxRecipe.from_overrides(recipe).pool_config(name)
    return load_pool(name, langs, sandbox=config)


def check_pools(study: StudySpec, cells: list[Cell]) -> None:
    """Load the training pool in every language set a cell still has to train on, so that a
    language the pool lacks (``xling demo --train-langs te``) or a scorer kind its items name
    that does not resolve is refused before any cell runs.

    Raises:
        XlingError: naming the study file, the cell and the pool's error.
    """
    from xling.scoring import get_scorer

    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    for cell in cells:
        langs = tuple(cell.spec.train_langs)
        loaded = (cell.spec.pool or study.pool.name, cell.spec.base, langs)
        if cell.spec.paradigm == "base" or loaded in seen or cell.run.trained_marker.is_file():
            continue
        seen.add(loaded)
        try:
            pool = cell_pool(study, cell, list(langs))
            for kind in sorted({e.meta.get("scorer", "math") for e in pool}):
                get_scorer(kind)  # a user's scorer (a dotted path) imports before training
        except XlingError as exc:
            raise XlingError(f"{study.source_file or study.name}: cell {cell.label}: {exc}") from None


def check_models(study: StudySpec, cells: list[Cell]) -> None:
    """Check every hub model the cells start from once, before any cell runs (``hub.check_model``:
    cached, or found by one quick request): a hub id that does not exist would otherwise cost
    half a minute of retries in every cell, then fail each. Local paths were checked with the
    study file (``spec``). Only models loaded here are checked: a base cell's model with the
    hf or vllm backend (for openai it is a served name, for a custom backend its own name), and
    a training's starting model (not for cells trained on verl, which load it on the GPU nodes).

    Raises:
        XlingError: naming the study file and the model.
    """
    from xling import hub

    seen: set[str] = set()
    for cell in cells:
        if (cell.spec.paradigm == "base" and study.backend not in ("hf", "vllm")) or (
                study.verl is not None and cell.spec.paradigm in study.verl.paradigms):
            continue
        path = study.start(cell.spec.base)[0]
        if not path or path == "sandbox" or path in seen or Path(path).expanduser().exists():
            continue
        seen.add(path)
        try:
            hub.check_model(path)
        except XlingError as exc:
            raise XlingError(f"{study.source_file or study.name}: {exc}") from None


def run_cell(study: StudySpec, cell: Cell, base: str,
             backend_options: dict[str, Any] | None = None) -> None:
    """Train, evaluate and probe one cell; DONE is written last. The caller holds its lock.
    ``backend_options`` go to the evaluation backend when it is not hf (``--timeout``)."""
    root = cell.run.root
    root.mkdir(parents=True, exist_ok=True)
    cell.run.failed_marker.unlink(missing_ok=True)
    # A DONE of other evaluation settings or probes: the cell is unfinished until they are run.
    cell.run.done_marker.unlink(missing_ok=True)
    handler = attach_log(cell.run)
    try:
        atomic_write_text(cell.run.spec, yaml.safe_dump(
            {"label": cell.label, "key": cell.key, "xling_version": __version__,
             "base_model": base, **cell.resolved}, allow_unicode=True, sort_keys=False))
        model = base if cell.spec.paradigm == "base" else _train(study, cell, base)
        _evaluate(study, cell, model, backend_options)
        _probes(study, cell, model, base)
        cell.mark_done({"label": cell.label, "model": model, "finished": time.time()})
    except BaseException as exc:
        if not isinstance(exc, KeyboardInterrupt | AwaitingExternal):
            atomic_write_text(cell.run.failed_marker, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        raise
    finally:
        logging.getLogger("xling").removeHandler(handler)
        handler.close()


def run_study(study: StudySpec, *, keep_going: bool = True,
              backend_options: dict[str, Any] | None = None) -> list[CellStatus]:
    """Run every unfinished cell of ``study``; returns the final status of every cell.

    Args:
        keep_going: on a cell's failure, record it and continue with the next cell (the
            failure is re-raised at the end as an XlingError naming the failed cells).
        backend_options: options of a non-hf evaluation backend (``timeout_s`` from
            ``--timeout``; they change waiting, not results, so they are in no key).
    """
    cells = resolve_cells(study)
    todo = [c for c in cells if not c.is_done()]
    log.info("study %s: %d cells, %d to run (%s)", study.name, len(cells), len(todo), study.out_dir)
    if not todo:
        return study_status(study)
    check_training(study, todo)
    check_pools(study, todo)
    check_models(study, todo)
    bases: dict[str, str] = {}
    failures: list[str] = []
    external: list[str] = []
    held_elsewhere: list[Cell] = []
    # First pass: every free cell; a cell another run holds is left to it. Second pass: wait for
    # those, and run any that the other run did not finish (it failed or was killed).
    for wait, cells_now in ((False, todo), (True, held_elsewhere)):
        for i, cell in enumerate(cells_now, start=1):
            lock = CellLock(cell.run.root)
            if wait:
                log.info("waiting for cell %s (run by pid %s)", cell.label, lock.holder())
            if not lock.acquire(wait=wait):
                log.info("cell %s is being run by pid %s: left to it", cell.label, lock.holder())
                held_elsewhere.append(cell)
                continue
            try:
                if cell.is_done():  # finished by another run meanwhile
                    continue
                if cell.spec.base not in bases:
                    bases[cell.spec.base] = base_model_path(study, cell.spec.base)
                base = bases[cell.spec.base]
                log.info("[%d/%d] cell %s (%s)", i, len(cells_now), cell.label, cell.run.root.name)
                start = time.perf_counter()
                try:
                    run_cell(study, cell, base, backend_options)
                except AwaitingExternal as exc:
                    log.info("cell %s: training handed to verl; run:\n  %s", cell.label, exc)
                    external.append(cell.label)
                    continue
                except (XlingError, RuntimeError, ValueError, OSError) as exc:
                    if not keep_going:
                        raise
                    log.error("cell %s failed: %s", cell.label, exc)
                    failures.append(cell.label)
                    continue
                log.info("cell %s done in %.0fs", cell.label, time.perf_counter() - start)
            finally:
                lock.release()
    if external:
        log.info("study %s: %d cell(s) wait for verl (%s): launch the printed commands, then "
                 "rerun `xling study run` to evaluate them", study.name, len(external),
                 ", ".join(external))
    if failures:
        raise XlingError(f"study {study.name}: {len(failures)} cell(s) failed: {', '.join(failures)} "
                         f"(see FAILED in their directories; rerun to retry)")
    return study_status(study)


def cell_results(study: StudySpec) -> list[tuple[Cell, dict[str, Any]]]:
    """Finished cells with their metrics.json, in spec order."""
    return [(c, c.run.read_metrics()) for c in resolve_cells(study) if c.is_done()]
