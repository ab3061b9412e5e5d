"""Math-Verify workers never run the caller's code, from any kind of main, and fail loudly.

Each invocation form runs a user "script" whose top level appends a line to a file, then scores
symbolic cases; the file must hold exactly one line (the workers did not run the script again),
and the verdicts must equal those computed here. Run: pytest tests/test_scoring_workers.py -v
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from xling.schema import XlingError
from xling.scoring import check_answer, judge
from xling.scoring import math as math_scoring

REPO = Path(__file__).resolve().parents[1]

# Symbolic cases (not plain numbers, so they go to the worker); expected values hand-checked.
CASES = [
    ("\\boxed{\\frac{\\sqrt{2}}{2}}", "\\frac{1}{\\sqrt{2}}", True),  # the reproduction
    ("\\boxed{x = 18}", "18", True),
    ("\\boxed{\\sqrt{8}}", "2\\sqrt{2}", True),
    ("\\boxed{\\frac{\\pi}{3}}", "\\frac{\\pi}{4}", False),
]

BODY = """\
import json, os
with open(os.environ["XLING_TEST_MARK"], "a") as fh:
    fh.write("top level ran\\n")
from xling.scoring import check_answer
CASES = json.loads(os.environ["XLING_TEST_CASES"])
"""
SCORE = "print('VERDICTS', json.dumps([check_answer(c, g, 'en') for c, g, _ in CASES]))\n"
SCRIPTS = {
    "plain": BODY + SCORE,
    "guarded": BODY + "if __name__ == '__main__':\n    " + SCORE,
    "thread": BODY + "import threading\nt = threading.Thread(target=lambda: exec(" + repr(SCORE)
              + ", globals()))\nt.start(); t.join()\n",
}


def run_form(tmp_path: Path, form: str, script: str, cwd: Path) -> tuple[list[bool], int]:
    """Run ``script`` as ``form``; (verdicts it printed, lines the top level wrote)."""
    mark = tmp_path / "mark.txt"
    path = tmp_path / "user_script.py"
    path.write_text(script, encoding="utf-8")
    command = {
        "file": [sys.executable, str(path)],
        "stdin": [sys.executable, "-"],
        "-c": [sys.executable, "-c", script],
        "repl": [sys.executable, "-i", "-q"],
    }[form]
    env = {**os.environ, "XLING_TEST_MARK": str(mark), "XLING_TEST_CASES": json.dumps(CASES),
           "OMP_NUM_THREADS": "1"}
    stdin = script if form in ("stdin", "repl") else None
    if form == "repl":  # an interactive session (as in a notebook): no __main__.__file__
        stdin = "exec(" + repr(script) + ")\n"
    proc = subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next((x for x in proc.stdout.splitlines() if x.startswith("VERDICTS ")), None)
    assert line is not None, (proc.stdout[-1000:], proc.stderr[-2000:])
    return json.loads(line.split(" ", 1)[1]), mark.read_text().count("top level ran")


@pytest.mark.parametrize("form, script, where", [
    ("file", "plain", "tmp"),
    ("file", "guarded", "tmp"),
    ("file", "thread", "tmp"),
    ("stdin", "plain", "tmp"),
    ("stdin", "plain", "repo"),
    ("-c", "plain", "tmp"),
    ("-c", "plain", "repo"),
    ("repl", "plain", "tmp"),
])
def test_user_code_runs_once_and_verdicts_match(tmp_path, form, script, where):
    cwd = REPO if where == "repo" else tmp_path
    verdicts, runs = run_form(tmp_path, form, SCRIPTS[script], cwd)
    assert runs == 1  # the workers did not import the user's main again
    assert verdicts == [check_answer(c, g, "en") for c, g, _ in CASES]  # same as in this process
    assert verdicts == [expected for _, _, expected in CASES]


def test_modules_beside_the_script_are_not_imported_by_workers(tmp_path):
    # A user's own sympy.py next to the script: the caller never imports sympy, the workers do,
    # and they must take the real one (the script's folder is not on their path).
    (tmp_path / "sympy.py").write_text(
        "import os\nopen(os.environ['XLING_TEST_MARK'], 'a').write('shadow ran\\n')\n"
        "raise ImportError('not the real sympy')\n", encoding="utf-8")
    verdicts, runs = run_form(tmp_path, "file", SCRIPTS["plain"], tmp_path)
    assert runs == 1 and "shadow" not in (tmp_path / "mark.txt").read_text()
    assert verdicts == [expected for _, _, expected in CASES]


@pytest.fixture
def fresh_pool(monkeypatch):
    """A new worker pool for the test (workers=1), restored to a fresh default afterwards."""
    math_scoring.configure(workers=1)
    yield
    monkeypatch.undo()
    math_scoring.configure(workers=2)


def test_a_dying_worker_gives_a_counted_checker_error(fresh_pool, monkeypatch):
    # A worker that gets ready, then dies on every request.
    monkeypatch.setattr(math_scoring, "_WORKER_CODE", textwrap.dedent("""\
        import sys; print('{"ready": true}', flush=True); sys.stdin.readline(); sys.exit(9)"""))
    before = math_scoring.stats()
    verdict = judge("\\boxed{\\sqrt{8}}", "2\\sqrt{2}", "en")
    after = math_scoring.stats()
    assert (verdict.correct, verdict.reason) == (False, "checker-error")
    assert after["checker_errors"] == before["checker_errors"] + 1
    assert after["pool_restarts"] >= before["pool_restarts"] + math_scoring.ATTEMPTS


def test_a_worker_that_cannot_start_raises(fresh_pool, monkeypatch):
    monkeypatch.setattr(math_scoring, "_WORKER_CODE",
                        "import sys; sys.stderr.write('no math here\\n'); sys.exit(3)")
    with pytest.raises(XlingError, match="did not start: .*no math here"):
        check_answer("\\boxed{\\sqrt{8}}", "2\\sqrt{2}", "en")


def test_recovers_after_failures(fresh_pool):
    assert check_answer("\\boxed{\\sqrt{8}}", "2\\sqrt{2}", "en") is True


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_gets_its_own_workers():
    math_scoring.warm_up()
    assert check_answer("\\boxed{\\sqrt{8}}", "2\\sqrt{2}", "en") is True
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: score with new workers, report, leave without cleanup handlers
        ok = check_answer("\\boxed{\\sqrt{8}}", "2\\sqrt{2}", "en") is True
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    assert answer == b"1"
    assert check_answer("\\boxed{\\sqrt{8}}", "2\\sqrt{2}", "en") is True  # parent's still work
