"""Stage 1: where Examples come from — benchmark loaders, training pools, the sandbox.

``BENCHMARKS`` maps a benchmark name to its module; each module has
``load(langs, source=None, limit=None) -> list[Example]`` and ``SCORER`` ("math" | "choice").
Adding a benchmark = one module in ``data/benchmarks/`` + one row here.

>>> BENCHMARKS["mgsm"]
'xling.data.benchmarks.mgsm'
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from types import ModuleType

from xling.registry import resolve
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

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
    "mgpqa-diamond": "xling.data.benchmarks.mgpqa:MGPQA_DIAMOND",
    "gpqa-diamond": "xling.data.benchmarks.gpqa_diamond",
    "mlogiqa": "xling.data.benchmarks.mlogiqa",
    "mifeval": "xling.data.benchmarks.mifeval",
    "xifeval": "xling.data.benchmarks.mifeval:XIFEVAL",
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


def looks_local(source: str) -> bool:
    """Whether ``source`` names a local path rather than a hub id (``org/name``).

    Absolute, ``./``/``../``/``~`` paths, anything with a file suffix, anything that exists, and
    ``dir/name`` where ``dir`` is an existing folder are local; a hub id is ``name`` or
    ``org/name`` without a suffix.
    """
    s = str(source)
    parent = Path(s).expanduser().parent
    return (Path(s).expanduser().exists() or s.startswith(("/", "./", "../", "~", "."))
            or s.count("/") > 1 or Path(s).suffix != "" or "\\" in s
            or (parent != Path(".") and parent.is_dir()))  # 'data/typo' beside a data/ folder


def resolve_source(source: str | None, staged: str, hub_id: str | None) -> tuple[Path | None, str | None]:
    """Where a benchmark loads from: ``(local folder, None)`` or ``(None, hub id)``.

    Args:
        source: what the user gave (a folder or file, a hub id) or None for the default.
        staged: the benchmark's folder under the staged data (``find_shared_data() / staged``).
        hub_id: the hub dataset to use when nothing local is given or staged (None: no hub copy).

    Raises:
        XlingError: a local-looking ``source`` that does not exist (never a slow hub retry), or
            no staged copy and no hub id.
    """
    if source is not None:
        if Path(source).expanduser().exists():
            return Path(source).expanduser(), None
        if looks_local(source):
            raise XlingError(f"benchmark source {source!r} does not exist")
        return None, source
    try:
        folder = find_shared_data() / staged
    except XlingError:
        folder = None
    if folder is not None and folder.exists():
        return folder, None
    if hub_id is None:
        raise XlingError(f"no staged copy of {staged!r} found and it has no hub id; pass --source")
    log.info("staged %s not found; loading the hub dataset %s", staged, hub_id)
    return None, hub_id


def get_benchmark(name: str) -> ModuleType:
    """The benchmark module registered as ``name`` (has ``load`` and ``SCORER``).

    A path to a ``.yaml``/``.yml`` card gives that card's benchmark, validated now (rows
    included); its results are stored under the card's ``name`` (the benchmark's ``NAME``).
    """
    if Path(name).suffix.lower() in (".yaml", ".yml"):
        from xling.data.benchmarks.card import card_benchmark

        return card_benchmark(name)
    return resolve(BENCHMARKS, name, "benchmark")


def results_name(benchmark: str) -> str:
    """The name a benchmark's results are stored under (``eval/<name>.parquet``, the metrics.json
    key): a card path's card ``name``, else the benchmark name itself. A card is validated once
    per process and file version, not on every lookup."""
    path = Path(benchmark)
    if path.suffix.lower() not in (".yaml", ".yml"):
        return benchmark
    stamp = path.stat().st_mtime_ns if path.is_file() else 0
    return _card_name(str(path.resolve()), stamp)


@functools.lru_cache(maxsize=64)
def _card_name(path: str, stamp: int) -> str:
    return getattr(get_benchmark(path), "NAME", None) or path


def load_benchmark(
    name: str, langs: list[str], source: str | None = None, limit: int | None = None
) -> list[Example]:
    """Load ``name`` in ``langs``; ``limit`` keeps the first N items per language."""
    if limit is not None and limit < 1:
        raise XlingError(f"--limit must be >= 1, got {limit}")
    return get_benchmark(name).load(langs, source=source, limit=limit)
