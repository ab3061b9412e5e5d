"""Run a study's mechanism probes on one cell (study A's "why it generalizes" analyses).

Stage: study (composes data, probes). Builds one ``ProbeContext`` per cell — the evaluation
questions of the study's first benchmark (``PROBE_QUESTIONS`` per language, parallel across
languages), the cell's model, base and run directory, the study's sampling settings — and calls
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


def probe_examples(study: StudySpec) -> list[Example]:
    from xling.data import get_benchmark
    from xling.study.grid import eval_source

    benchmark = study.eval.benchmarks[0]
    module = get_benchmark(benchmark)
    source = eval_source(study, benchmark)
    langs = [lang for lang in study.eval.langs if lang in module.available_langs(source)]
    return module.load(langs, source=source, limit=PROBE_QUESTIONS)


def probe_context(study: StudySpec, cell: Cell, model: str, base: str) -> ProbeContext:
    """What the probes of ``cell`` read: its model, base, run directory and the probe questions."""
    ev = study.eval
    return ProbeContext(
        model=model, base=base, examples=probe_examples(study), run_dir=cell.run.root,
        eval_file=cell.run.eval_file(ev.benchmarks[0]), trained=cell.spec.paradigm != "base",
        seed=cell.spec.seed, backend=study.backend, prompt_style=ev.prompt_style,
        max_new_tokens=ev.max_new_tokens, batch_size=ev.batch_size)


def run_probes(study: StudySpec, cell: Cell, model: str, base: str) -> dict[str, Any]:
    """Every probe named in the study, for one cell; JSON-serialisable."""
    ctx = probe_context(study, cell, model, base)
    out: dict[str, Any] = {}
    for name in study.probes:
        result = get_probe(name).run(ctx)
        if result is not None:
            out[name] = result
    return out
