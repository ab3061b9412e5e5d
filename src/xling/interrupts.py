"""Ctrl-C and SIGTERM: the exit code a shell expects, and one line saying what was kept.

Stage: CLI helper (no xling imports). ``install`` makes SIGTERM raise ``KeyboardInterrupt`` in
the main thread, as Ctrl-C does, so the same cleanup runs for both (temp files removed, cell
locks released, no FAILED marker for a cell that was only interrupted) and remembers which
signal came. A long command names what a rerun resumes from with ``on_interrupt``;
``cli.main`` then prints ``interrupted: <that>`` and exits with ``exit_code()``: 128 + the
signal number (130 for SIGINT, 143 for SIGTERM), what shells, schedulers and CI read as
"killed by that signal", never 0.

>>> on_interrupt("finished chunks are kept in runs/x; rerun to resume")
>>> message(), exit_code()
('interrupted: finished chunks are kept in runs/x; rerun to resume', 130)
"""

from __future__ import annotations

import signal
from types import FrameType

_received: int = signal.SIGINT
_kept: str = ""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _received
    _received = signum
    raise KeyboardInterrupt(f"signal {signum}")


def install() -> None:
    """SIGTERM raises KeyboardInterrupt (Ctrl-C already does); call once, in the main thread."""
    signal.signal(signal.SIGTERM, _on_sigterm)


def on_interrupt(kept: str) -> None:
    """What an interrupted run of the current command leaves and how to resume it (one clause)."""
    global _kept
    _kept = kept


def message() -> str:
    """The one line printed on an interrupt."""
    return f"interrupted: {_kept}" if _kept else "interrupted"


def exit_code() -> int:
    """128 + the signal that interrupted (130 for Ctrl-C / SIGINT, 143 for SIGTERM)."""
    return 128 + int(_received)
