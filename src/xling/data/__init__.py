"""Stage 1: where Examples come from — benchmark loaders, training pools, the sandbox.

``BENCHMARKS`` maps a benchmark name to its module; each module has
``load(langs, source=None, limit=None) -> list[Example]`` and ``SCORER`` ("math" | "choice").
Adding a benchmark = one module in ``data/benchmarks/`` + one row here.

>>> sorted(BENCHMARKS)[:2]
['gsm8k', 'mgsm']
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

from xling.registry import resolve
from xling.schema import Example, XlingError

BENCHMARKS: dict[str, str] = {
    "mgsm": "xling.data.benchmarks.mgsm",
    "gsm8k": "xling.data.benchmarks.gsm8k",
    "sandbox": "xling.data.benchmarks.sandbox",
    "mmath500": "xling.data.benchmarks.mmath:MMATH500",
    "mmath": "xling.data.benchmarks.mmath:MMATH",
    "maime2024": "xling.data.benchmarks.maime2024",
    "polymath": "xling.data.benchmarks.polymath",
    "math500": "xling.data.benchmarks.english_math:MATH500",
    "aime2024": "xling.data.benchmarks.english_math:AIME2024",
    "aime2025": "xling.data.benchmarks.english_math:AIME2025",
    "mmlu-prox-lite": "xling.data.benchmarks.mmlu_prox_lite",
    "mgpqa": "xling.data.benchmarks.mgpqa",
    "gpqa-diamond": "xling.data.benchmarks.gpqa_diamond",
    "mlogiqa": "xling.data.benchmarks.mlogiqa",
    "mifeval": "xling.data.benchmarks.mifeval",
}


def find_shared_data() -> Path:
    """Locate the staged benchmark files (``shared/data``).

    Order: ``$XLING_SHARED_DATA``; ``../shared/data`` beside the checkout (how tests and CI run).

    Raises:
        XlingError: neither exists; the message says how to point xling at the files.
    """
    env = os.environ.get("XLING_SHARED_DATA")
    if env:
        if not Path(env).expanduser().is_dir():
            raise XlingError(f"XLING_SHARED_DATA={env!r} is not a directory")
        return Path(env).expanduser()
    repo = Path(__file__).resolve().parents[3]  # src/xling/data/__init__.py -> repo root
    candidates = [repo.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for path in candidates:
        if path.is_dir():
            return path
    raise XlingError(
        "local benchmark files not found; set XLING_SHARED_DATA to the folder holding mgsm/ "
        "(or pass a hub dataset id as the source)"
    )


def get_benchmark(name: str) -> ModuleType:
    """The benchmark module registered as ``name`` (has ``load`` and ``SCORER``)."""
    return resolve(BENCHMARKS, name, "benchmark")


def load_benchmark(
    name: str, langs: list[str], source: str | None = None, limit: int | None = None
) -> list[Example]:
    """Load ``name`` in ``langs``; ``limit`` keeps the first N items per language."""
    if limit is not None and limit < 1:
        raise XlingError(f"--limit must be >= 1, got {limit}")
    return get_benchmark(name).load(langs, source=source, limit=limit)
