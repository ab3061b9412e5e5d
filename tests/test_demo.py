"""`xling demo` end to end on the shipped sandbox base: a real study, a real report.

Run: pytest tests/test_demo.py -v   (slow: trains SFT and GRPO on CPU, a few minutes)
"""

import subprocess
import sys

import pytest

from xling.data.io import read_parquet
from xling.demo import demo_spec
from xling.metrics import correctness_matrix, paired_bootstrap
from xling.study.grid import resolve_cells
from xling.study.spec import parse_spec


@pytest.mark.slow
def test_demo_trains_evaluates_and_reports(tmp_path, sandbox_base):
    out = tmp_path / "demo"
    r = subprocess.run([sys.executable, "-m", "xling.cli", "demo", "--out", str(out)],
                       capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (out / "report.html").is_file() and (out / "report.md").is_file()
    header = next(line for line in r.stdout.splitlines() if line.startswith("| model | en |"))
    assert header.split("|")[2:14] == [f" {x} " for x in
                                       "en zh de es fr ja ru th sw bn Avg Gen".split()]
    assert any(v in r.stdout for v in ("RL beat SFT", "SFT beat RL", "no significant difference"))

    cells = {c.label: c for c in resolve_cells(parse_spec(demo_spec(out), "demo"))}
    rows = {label: read_parquet(c.run.eval_file("sandbox")) for label, c in cells.items()}
    de = {label: correctness_matrix(r, ["de"])[1][:, 0] for label, r in rows.items()}
    # SFT learned the skill: its training loss fell, and German accuracy on held-out two-step
    # problems rose beyond the paired 95% interval (the base rarely chains two steps).
    assert_loss_fell(cells["SFT(de)"].run.train_dir)
    diff, lo, hi = paired_bootstrap(de["SFT(de)"], de["Base"])
    assert lo > 0, (diff, lo, hi)
    # GRPO ran all its steps and logged a reward for each (whether it rose is what the report
    # measures: in the demo's run it stayed near 0.03, README "The sandbox").
    from xling.train.sft import read_train_log

    steps = demo_spec(out)["paradigm_config"]["grpo"]["trl"]["max_steps"]
    rewards = [r["reward"] for r in read_train_log(cells["GRPO(de)"].run.train_dir) if "reward" in r]
    assert len(rewards) == steps and all(0 <= r <= 1 for r in rewards), rewards


def assert_loss_fell(train_dir) -> None:
    """SFT's logged loss per step fell: the last quarter of the steps has a mean loss below
    half of the first quarter's, and the least-squares slope over the steps has a 95% interval
    below 0. On the demo's run: 0.22 -> 0.04 (first and last quarter of 126 steps). A model
    that learned nothing (flat loss) fails both."""
    from scipy import stats

    from xling.train.sft import read_train_log

    losses = [r["loss"] for r in read_train_log(train_dir) if "loss" in r]
    assert len(losses) >= 20, losses
    quarter = len(losses) // 4
    first, last = sum(losses[:quarter]) / quarter, sum(losses[-quarter:]) / quarter
    assert last < first / 2, (first, last, losses)
    fit = stats.linregress(range(len(losses)), losses)
    assert fit.slope + 1.96 * fit.stderr < 0, (fit, losses)
