"""Where a study cell reads each benchmark from (``StudySpec.benchmark_source``), and the
languages its evaluation and probes keep (``Benchmark.split_langs``): one answer for both.

Run: pytest tests/test_study_sources.py -v
"""

from __future__ import annotations

import json

from xling.study.grid import resolve_cells
from xling.study.probing import probe_examples
from xling.study.spec import parse_spec

STUDY = {"name": "s", "base_model": "sandbox", "sandbox": {"skill": {"max_value": 9}},
         "models": [{"name": "other", "path": "sandbox", "sandbox": {"skill": {"max_value": 7}}}],
         "grid": {"paradigms": ["sft"], "train_langs": [["de"]], "base_models": ["", "other"]},
         "eval": {"benchmarks": ["sandbox", "mgsm"], "langs": ["de", "en"], "limit": 2}}


def test_the_eval_block_first_then_the_sandbox_base_world_then_the_default():
    study = parse_spec(STUDY)
    # a sandbox base's recipe decides the sandbox problems (its skill), per starting model
    assert json.loads(study.benchmark_source("sandbox")) == {"max_value": 9}
    assert json.loads(study.benchmark_source("sandbox", "other")) == {"max_value": 7}
    assert study.benchmark_source("mgsm") is None  # the benchmark's own default
    given = parse_spec({**STUDY, "eval": {**STUDY["eval"], "source": "x/global",
                                          "sources": {"mgsm": "x/mgsm"}}})
    assert given.benchmark_source("mgsm") == "x/mgsm"
    assert given.benchmark_source("sandbox", "other") == "x/global"


def test_probes_read_the_questions_the_cells_evaluation_reads():
    from xling.data import get_benchmark
    from xling.study.probing import PROBE_QUESTIONS

    study = parse_spec(STUDY)
    sandbox = get_benchmark("sandbox")
    seen = []
    for cell in resolve_cells(study):
        if cell.spec.paradigm == "sft":
            want = sandbox.load(["de", "en"], source=study.benchmark_source("sandbox", cell.spec.base),
                                limit=PROBE_QUESTIONS)
            assert probe_examples(study, cell) == want
            seen.append([ex.question for ex in want])
    assert len(seen) == 2 and seen[0] != seen[1]  # each cell's own world, not the study base's
