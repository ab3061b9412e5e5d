"""Stage 1: where Examples come from — benchmark loaders, training pools, the sandbox.

``BENCHMARKS`` (defined in ``data/benchmarks/__init__.py``) maps a benchmark name to the
``Benchmark`` its module declares (``load``, ``scorer``, ``langs``, ``headline``, ``sources``,
``protocols``, ...). Adding a benchmark = one module in ``data/benchmarks/`` + one row there. Where data is read
from (staged files, local paths, hub ids) and what a load read: ``data/sources.py``.

>>> BENCHMARKS["mgsm"]
'xling.data.benchmarks.mgsm:MGSM'
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from xling.data.benchmarks import BENCHMARKS, Benchmark
from xling.data.benchmarks.card import find_card, is_card_path
from xling.data.sources import (  # re-exported: the names users and loaders know
    DataReads,
    find_shared_data,
    looks_local,
    note_hub,
    note_read,
    record_reads,
    resolve_source,
)
from xling.registry import resolve
from xling.schema import Example, XlingError

__all__ = ["BENCHMARKS", "Benchmark", "DataReads", "find_card", "find_shared_data", "get_benchmark",
           "is_card_path", "load_benchmark", "looks_local", "note_hub", "note_read", "record_reads",
           "resolve_source", "results_name"]

log = logging.getLogger(__name__)


def get_benchmark(name: str) -> Benchmark:
    """The ``Benchmark`` registered as ``name``.

    A path to a ``.yaml``/``.yml`` card gives that card's benchmark, validated now (rows
    included); its results are stored under the card's ``name`` (the benchmark's ``name``).
    """
    if is_card_path(name):
        from xling.data.benchmarks.card import card_benchmark

        return card_benchmark(name)
    bench = resolve(BENCHMARKS, name, "benchmark")
    if not isinstance(bench, Benchmark):
        raise XlingError(f"benchmark {name!r} is a {type(bench).__name__}, not a "
                         "xling.data.benchmarks.Benchmark")
    return bench


def results_name(benchmark: str) -> str:
    """The name a benchmark's results are stored under (``eval/<name>.parquet``, the metrics.json
    key): a card path's card ``name``, else the benchmark name itself. A card is validated once
    per process and file version, not on every lookup."""
    path = Path(benchmark)
    if not is_card_path(path):
        return benchmark
    stamp = path.stat().st_mtime_ns if path.is_file() else 0
    return _card_name(str(path.resolve()), stamp)


@functools.lru_cache(maxsize=64)
def _card_name(path: str, stamp: int) -> str:
    return get_benchmark(path).name


def load_benchmark(
    name: str, langs: list[str], source: str | None = None, limit: int | None = None
) -> list[Example]:
    """Load ``name`` in ``langs``; ``limit`` keeps the first N items per language."""
    if limit is not None and limit < 1:
        raise XlingError(f"--limit must be >= 1, got {limit}")
    return get_benchmark(name).load(langs, source=source, limit=limit)
