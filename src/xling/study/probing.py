"""Run a study's mechanism probes on one cell (study A's "why it generalizes" analyses).

Stage: study (composes data, probes). Builds one ``ProbeContext`` per cell — the evaluation
questions of the study's first benchmark (``PROBE_QUESTIONS`` per language, parallel across
languages), the cell's model, base and run directory, the study's evaluation settings — and calls
``run(ctx)`` of every probe the study names (``xling.probes.PROBES``), in the study's order.
The result, {probe name: its dict}, is the cell's ``probes.json``; a probe that returns None
(drift on a base cell) has no entry.
"""

from __future__ import annotations

import logging
from typing import Any

from xling.probes import ProbeContext, get_probe
from xling.schema import Example
from xling.study.grid import Cell
from xling.study.spec import StudySpec

log = logging.getLogger(__name__)

PROBE_QUESTIONS = 16
"""Questions per language used by the probes."""


def probe_examples(study: StudySpec, cell: Cell) -> list[Example]:
    """The probe questions of ``cell``: ``PROBE_QUESTIONS`` per language of the study's first
    benchmark, read as the cell's evaluation reads it, in the languages it holds."""
    from xling.data import get_benchmark

    benchmark = study.eval.benchmarks[0]
    module = get_benchmark(benchmark)
    source = study.benchmark_source(benchmark, cell.spec.base)
    langs, _ = module.split_langs(study.eval.langs, source)
    return module.load(langs, source=source, limit=PROBE_QUESTIONS)


def probe_context(study: StudySpec, cell: Cell, model: str, base: str) -> ProbeContext:
    """What the probes of ``cell`` read: its model, base, run directory, the probe questions
    and the study's evaluation settings."""
    return ProbeContext(
        model=model, base=base, examples=probe_examples(study, cell), run_dir=cell.run.root,
        eval_file=cell.run.eval_file(study.eval.benchmarks[0]),
        trained=cell.spec.paradigm != "base", seed=cell.spec.seed, backend=study.backend,
        settings=study.eval_for(cell.spec).settings)


def run_probes(study: StudySpec, cell: Cell, model: str, base: str) -> dict[str, Any]:
    """Every probe named in the study, for one cell; JSON-serialisable."""
    ctx = probe_context(study, cell, model, base)
    out: dict[str, Any] = {}
    for name in study.probes:
        result = get_probe(name).run(ctx)
        if result is not None:
            out[name] = result
    return out
