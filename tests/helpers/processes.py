"""Run an `xling` child process and interrupt it at a chosen moment (tests of signals and kills).

Test helper, not part of the xling package.
Use:  from helpers.processes import interrupt_when
      r = interrupt_when(cmd, lambda: out.is_file(), signal.SIGINT)   # a CompletedProcess
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

XLING = [sys.executable, "-m", "xling.cli"]
"""The real entry point (``xling.cli.main``), as the ``xling`` console script runs it."""


def interrupt_when(cmd: list[str], ready: Callable[[], bool], sig: int, *, cwd: Path | None = None,
                   env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``cmd``, send ``sig`` once ``ready()`` holds (polled), and return how it ended.

    Raises:
        AssertionError: the command ended before ``ready()`` held (its stderr in the message).
    """
    # SIGINT as a terminal delivers it: a test run started in the background (`cmd &` in a
    # script, as CI harnesses do) ignores SIGINT, children inherit that, and Python then installs
    # no KeyboardInterrupt handler, so the child would never see the Ctrl-C under test.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=cwd, env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 300  # a guard against a hung child, not a speed requirement
    try:
        while not ready():
            if proc.poll() is not None:
                _, err = proc.communicate()
                raise AssertionError(f"the command ended (rc {proc.returncode}) before it could "
                                     f"be interrupted:\n{err[-3000:]}")
            if time.time() > deadline:
                raise AssertionError("the command never reached the point to interrupt")
            time.sleep(0.02)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)
