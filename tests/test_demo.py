"""`xling demo` end to end on the shipped sandbox base: a real study, a real report.

Run: pytest tests/test_demo.py -v   (slow: trains SFT and GRPO on CPU, a few minutes)
"""

import subprocess
import sys

import pytest

from xling.data.io import read_parquet
from xling.metrics import correctness_matrix, paired_bootstrap
from xling.study.demo import demo_spec
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
    # SFT on German solutions raises German accuracy, beyond the paired 95% interval.
    diff, lo, hi = paired_bootstrap(de["SFT(de)"], de["Base"])
    assert lo > 0, (diff, lo, hi)
    # GRPO changed the model: its German answers differ from the base's on some questions.
    changed = sum(a != b for a, b in zip(de["GRPO(de)"], de["Base"], strict=True))
    assert changed > 0
