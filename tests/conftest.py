"""Shared fixtures: the tiny local model and the shared data directory.

Run any test file; ``tiny_model`` is built once per session (about 4 s on a laptop CPU).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from xling.schema import XlingError

# One intra-op thread before torch is imported: the tiny model gains nothing from more, and on a
# shared CPU OpenMP threads spinning against other processes made generation ~20x slower.
os.environ.setdefault("OMP_NUM_THREADS", "1")

NO_BLOWUP_S = 30.0
"""Ceiling for "bounded on huge input" tests. Not a speed target (those live in benchmarks/):
the failure it catches, regex backtracking or quadratic scans over a megabyte, takes minutes
to hours, while the bounded code takes milliseconds, so a busy 2-core machine cannot trip it."""


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ``../shared/data`` (or ``$XLING_SHARED_DATA``); skips the test if absent."""
    from xling.tiny import find_shared_data

    try:
        return find_shared_data()
    except XlingError as exc:
        pytest.skip(f"shared data not available: {exc}")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, shared_data) -> Path:
    """Directory of a seeded random Qwen2 model (64 hidden, 2 layers) + a BPE tokenizer trained
    on all MGSM questions; load it with ``AutoModelForCausalLM.from_pretrained``."""
    from xling.tiny import build_tiny_model, default_corpus

    return build_tiny_model(tmp_path_factory.mktemp("tiny_model"), default_corpus(shared_data))


@pytest.fixture(scope="session")
def sandbox_base() -> Path:
    """The shipped sandbox base model (the default recipe; see scripts/build_sandbox_base.py)."""
    from xling.study.sandbox import ASSET, SandboxRecipe, _asset_matches

    if not _asset_matches(SandboxRecipe()):
        pytest.fail("the shipped sandbox base does not match the default recipe; "
                    "run scripts/build_sandbox_base.py")
    return ASSET
