"""The benchmark contract: every benchmark is one declared ``Benchmark``; each is evaluated as its
authors evaluate it when asked (``--prompt-style authors``); the dataset's own gold string is
correct in every language of every benchmark.

Run: pytest tests/test_benchmark_contract.py -v
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from xling.data import BENCHMARKS, get_benchmark
from xling.data.benchmarks import AUTHORS, EXTRACTION, Benchmark
from xling.data.io import read_parquet
from xling.evaluation.run import run_eval
from xling.evaluation.settings import EvalConfig
from xling.schema import Generation, XlingError
from xling.scoring import SCORERS, judge

NO_MMATH = {"mmath500": pytest.mark.full_data("MMATH (RUCAIBox/MMATH) declares no licence, so it is not in tests/data/staged"),
            "mmath": pytest.mark.full_data("MMATH (RUCAIBox/MMATH) declares no licence, so it is not in tests/data/staged"),
            "maime2024": pytest.mark.full_data("MAIME2024 falls back on MMATH's AIME rows without the hub; MMATH declares no licence")}
"""Benchmarks read from MMATH's staged files, which tests/data/staged cannot hold."""
STAGED = [pytest.param(name, marks=NO_MMATH.get(name, ())) for name in (
    "mgsm", "gsm8k", "sandbox", "mmath500", "mmath", "maime2024", "polymath", "math500",
    "aime2024", "aime2025", "mmlu-prox-lite", "mlogiqa")]
"""Benchmarks with data staged (or generated) here; the GPQA ones and xIFEval are hub-only."""


def test_every_registered_benchmark_is_a_declared_benchmark():
    for name in BENCHMARKS:
        bench = get_benchmark(name)
        assert isinstance(bench, Benchmark) and bench.name == name
        assert bench.scorer in SCORERS and bench.sources, name
        assert all(set(s.langs) <= set(bench.langs) or s.langs for s in bench.sources)
        for protocol in bench.protocols.values():
            assert protocol.scorer in SCORERS and protocol.describe and protocol.extraction
        assert bench.extraction == EXTRACTION[bench.scorer]


def test_a_dotted_path_that_is_not_a_benchmark_is_refused():
    with pytest.raises(XlingError, match="not a xling.data.benchmarks.Benchmark"):
        get_benchmark("xling.data.benchmarks.mgsm:load")


@pytest.mark.parametrize("name", STAGED)
def test_the_datasets_own_gold_string_is_correct_in_every_language(name, shared_data):
    """An oracle answering \\boxed{<the dataset's gold as written>} scores 100% (MGSM writes
    2,125 in every language; PolyMath writes intervals such as [2,3)); golds flagged malformed
    by the loader (an unpaired brace cannot sit in a box) are the only exception."""
    bench = get_benchmark(name)
    langs = bench.resolve_langs("all")
    wrong, flagged = [], 0
    for ex in bench.load(langs):
        if ex.meta.get("flag") == "malformed-answer":
            flagged += 1
            continue
        gold = ex.meta.get("gold_as_written", ex.answer)
        v = judge(f"\\boxed{{{gold}}}", ex.answer, ex.lang, scorer=bench.scorer,
                  choices=ex.choices, langid=False)
        if not v.correct:
            wrong.append((ex.id, gold, v.reason, v.extracted))
    assert not wrong, wrong[:5]
    assert flagged <= 2 * len(langs)


@pytest.mark.full_data("MGSM's four golds with a thousands separator are on lines 147, 202, 231 and 250")
def test_mgsm_golds_as_written_and_their_ambiguous_readings_are_counted(shared_data, tmp_path):
    """MGSM writes '2,125' in every language: a German oracle echoing it is right, and each such
    verdict is counted as ambiguous in metrics.json and named in the table."""
    from xling.report.tables import format_markdown, load_run, reference_table

    bench = get_benchmark("mgsm")
    items = [ex for ex in bench.load(["de"]) if "," in ex.meta.get("gold_as_written", "")]
    assert [ex.meta["gold_as_written"] for ex in items] == ["2,125", "114,200", "276,000", "5,600"]

    by_q = {ex.question: ex for ex in bench.load(["de"])}

    def gold_of(prompt: str) -> str:
        ex = next(e for q, e in by_q.items() if prompt.startswith(q))
        return ex.meta.get("gold_as_written", ex.answer)

    class Oracle:
        def generate(self, prompts, params):
            return [[Generation(f"\\boxed{{{gold_of(p)}}}", 1, 1)] for p in prompts]

    result = run_eval(EvalConfig(model="oracle", benchmark="mgsm"), ["de"], tmp_path,
                      generator=Oracle())
    assert result["langs"]["de"]["acc"]["value"] == 1.0
    assert result["langs"]["de"]["ambiguous_numbers"] == 4
    header, rows, notes = reference_table([load_run(tmp_path, "mgsm")])
    assert any("4 answers held a number with two readings" in n and "de 4" in n for n in notes)
    assert "two readings" in format_markdown(header, rows, notes)


AUTHORS_CASES = [
    # (benchmark, language, a text the authors' prompt contains, the scorer it is scored with)
    ("polymath", "de", "Hinweis: Bitte setzen Sie die endgültige Antwort in $\\boxed\\{\\}$.",
     "math-first-box"),
    ("mmath500", "ja", "ステップバイステップで推論し", "math-lenient"),
    ("mgsm", "ru", "Задача: ", "math-lenient"),
    ("mlogiqa", "zh", "return it in the following JSON format:\n{'answer': '[choice]'}", "choice"),
    ("mmlu-prox-lite", "sw", "Jibu: Hebu tufikiria hatua kwa hatua.", "choice"),
    ("maime2024", "en", "Return your response in \\boxed{} format.", "math"),
]


class FirstAndLastBox:
    """Answers every prompt with two boxes: the gold first, a wrong value last."""

    def __init__(self, golds):
        self.golds = golds

    def generate(self, prompts, params):
        return [[Generation(f"\\boxed{{{self.golds[p]}}} ... check: \\boxed{{-999}}", 1, 1)]
                for p in prompts]


@pytest.mark.parametrize("name, lang, text, scorer",
                         [pytest.param(*c, marks=NO_MMATH.get(c[0], ())) for c in AUTHORS_CASES],
                         ids=[c[0] for c in AUTHORS_CASES])
def test_authors_style_sends_their_prompt_and_scores_with_their_rule(name, lang, text, scorer,
                                                                     tmp_path, shared_data):
    bench = get_benchmark(name)
    assert bench.scorer_for(AUTHORS) == scorer
    examples = bench.load([lang], limit=2)
    prompts = {bench.build_prompt(ex, AUTHORS): ex.answer for ex in examples}
    assert all(text in p for p in prompts)
    cfg = EvalConfig(model="scripted", benchmark=name, limit=2, prompt_style=AUTHORS)
    run_eval(cfg, [lang], tmp_path, generator=FirstAndLastBox(prompts))
    rows = read_parquet(tmp_path / "eval" / f"{name}.parquet")
    assert {r["prompt_style"] for r in rows} == {AUTHORS}
    # PolyMath's authors take the FIRST box; everyone else the last.
    expected = scorer == "math-first-box"
    assert [r["correct"] for r in rows] == [expected] * len(rows)


def test_a_benchmark_without_an_authors_protocol_refuses_the_style_in_one_line(tmp_path):
    cfg = EvalConfig(model="scripted", benchmark="sandbox", limit=1, prompt_style=AUTHORS)
    with pytest.raises(XlingError, match="sandbox has no 'authors' protocol"):
        run_eval(cfg, ["en"], tmp_path, generator=FirstAndLastBox({}))


def test_xling_benchmarks_shows_sources_prompts_extraction_scorer_and_headline():
    done = subprocess.run([sys.executable, "-m", "xling.cli", "benchmarks"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    blocks = done.stdout.split("\n\n")
    assert len(blocks) == len(BENCHMARKS)
    for block, name in zip(blocks, BENCHMARKS, strict=True):
        assert block.startswith(name + ":")
        for label in ("languages", "source", "prompt", "extraction", "scorer", "headline"):
            assert f"\n  {label} " in block, (name, label)
    diamond = blocks[list(BENCHMARKS).index("mgpqa-diamond")]
    assert "ellamind/gpqa-multilingual" in diamond and ": de es fr" in diamond
    polymath = blocks[list(BENCHMARKS).index("polymath")]
    assert "authors extraction" in polymath and "FIRST closed" in polymath
    assert "difficulty-weighted accuracy" in polymath
