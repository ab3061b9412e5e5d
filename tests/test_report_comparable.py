"""Gen and every derived number compare the same metric on the same items, or refuse in one line;
MTI over a source gain indistinguishable from none is undefined, with the reason.

Run: pytest tests/test_report_comparable.py -v
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np

from xling.evaluation.run import run_eval
from xling.evaluation.settings import EvalConfig
from xling.metrics import bootstrap_mti
from xling.schema import Generation


class Alternating:
    """Right on every other sample, starting right on half the prompts (by prompt length), so
    greedy accuracy is about half and pass@8 is 1."""

    def __init__(self, answers):
        self.answers = answers

    def generate(self, prompts, params):
        out = []
        for p in prompts:
            gold = next(a for q, a in self.answers.items() if p.startswith(q))
            out.append([Generation(f"\\boxed{{{gold if (k + len(p)) % 2 == 0 else -1}}}", 1, 1)
                        for k in range(params.n)])
        return out


def _runs(tmp_path, shared_data):
    from xling.data import load_benchmark

    answers = {ex.question: ex.answer for ex in load_benchmark("mgsm", ["de", "en"], limit=6)}
    gen = Alternating(answers)
    base = tmp_path / "base"
    run_eval(EvalConfig(model="m", benchmark="mgsm", limit=6), ["de", "en"], base, generator=gen)
    greedy = tmp_path / "greedy"
    run_eval(EvalConfig(model="m", benchmark="mgsm", limit=6), ["de", "en"], greedy, generator=gen)
    pk = tmp_path / "pass8"
    run_eval(EvalConfig(model="m", benchmark="mgsm", limit=6, pass_k=(8,),
                        n=8, temperature=1.0),
             ["de", "en"], pk, generator=gen)
    fewer = tmp_path / "fewer"
    run_eval(EvalConfig(model="m", benchmark="mgsm", limit=4), ["de", "en"], fewer, generator=gen)
    return base, greedy, pk, fewer


def _report(*args):
    return subprocess.run([sys.executable, "-m", "xling.cli", "report", *map(str, args)],
                          capture_output=True, text=True)


def test_gen_refuses_a_pass_at_k_run_against_a_greedy_base(tmp_path, shared_data):
    base, greedy, pk, _ = _runs(tmp_path, shared_data)
    done = _report(pk, greedy, "--base", base)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0  # one line, no traceback
    assert "pass@8" in done.stderr and "same metric" in done.stderr
    ok = _report(greedy, "--base", base)  # the same metric on the same items: Gen 0
    assert ok.returncode == 0 and "| 0.0 |" in ok.stdout.splitlines()[-1]


def test_gen_refuses_different_item_sets(tmp_path, shared_data):
    base, _, _, fewer = _runs(tmp_path, shared_data)
    done = _report(fewer, "--base", base)
    assert done.returncode == 1 and "different items in" in done.stderr
    assert "de" in done.stderr and "Gen needs the same items on both" in done.stderr


def test_mti_over_a_source_gain_whose_interval_includes_zero_is_undefined():
    init = np.zeros((60, 3))
    post = init.copy()
    post[:2, 0] = 1  # a source gain of two items in 60: indistinguishable from none
    post[:30, 1] = 1
    out = bootstrap_mti(post, init, ["en", "de", "zh"], n_boot=500)
    lo, hi = out["gains_ci95"]["en"]
    assert lo <= 0 <= hi
    assert math.isnan(out["mti"]) and math.isnan(out["ci95"][0])
    assert "en gain's 95% interval" in out["undefined"] and "includes 0" in out["undefined"]
    assert math.isfinite(out["point"])  # kept for the record, not reported as MTI
    clear = post.copy()
    clear[:40, 0] = 1  # a clear source gain: MTI is defined
    assert math.isfinite(bootstrap_mti(clear, init, ["en", "de", "zh"], n_boot=500)["mti"])
