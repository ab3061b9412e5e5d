"""Shared fixtures: the tiny local model and the staged data directory (the full staged files, or
the small copy in ``tests/data/staged`` on a machine without them: ``full_data`` tests skip there).

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


STAGED_COPY = Path(__file__).resolve().parent / "data" / "staged"
"""The first rows of each redistributable staged file, in the staged layout (``data/README.md``);
the root ``conftest.py`` points ``XLING_SHARED_DATA`` here when nothing is staged."""


def on_staged_copy() -> bool:
    """Whether the tests read ``tests/data/staged`` (a few rows per file) rather than the full
    staged files."""
    from xling.data import find_shared_data

    try:
        return find_shared_data().resolve() == STAGED_COPY
    except XlingError:
        return False


def pytest_collection_modifyitems(config, items) -> None:
    """Mark ``staged`` every test that reads the staged data: through the ``shared_data`` or
    ``tiny_model`` fixture (its tokenizer is trained on the staged MGSM questions), the
    docstring examples (some load a benchmark) and the tests marked by hand. ``.ci/run`` runs
    them once more on a copy of the checkout with nothing beside it (``-m staged``)."""
    for item in items:
        if ({"shared_data", "tiny_model"} & set(getattr(item, "fixturenames", ()))
                or isinstance(item, pytest.DoctestItem)):
            item.add_marker(pytest.mark.staged)


def pytest_runtest_setup(item) -> None:
    marker = item.get_closest_marker("full_data")
    if marker is not None and on_staged_copy():
        why = marker.args[0] if marker.args else "it reads the full staged files"
        pytest.skip(f"needs the full staged files (../shared/data or $XLING_SHARED_DATA): {why}")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The staged data folder: ``../shared/data`` (or ``$XLING_SHARED_DATA``), else the copy in
    ``tests/data/staged`` (a few rows of each redistributable file; see ``on_staged_copy``; the
    root ``conftest.py`` chose it before any test ran)."""
    from xling.data import find_shared_data

    return find_shared_data()


@pytest.fixture(autouse=True)
def _fresh_hub_answers():
    """Each test asks its own (fake or unreachable) hub: ``xling.hub`` remembers the hub's answers
    for the life of a process, which here spans every test."""
    yield
    from xling import hub

    hub._dataset_commit.cache_clear()
    hub._MODELS_FOUND.clear()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, shared_data) -> Path:
    """Directory of a seeded random Qwen2 model (64 hidden, 2 layers) + a BPE tokenizer trained
    on all MGSM questions; load it with ``AutoModelForCausalLM.from_pretrained``."""
    from xling.tiny import build_tiny_model, default_corpus

    return build_tiny_model(tmp_path_factory.mktemp("tiny_model"), default_corpus(shared_data))


@pytest.fixture(scope="session")
def sandbox_base() -> Path:
    """The shipped sandbox base model (the default recipe; see scripts/build_sandbox_base.py)."""
    from xling.study.sandbox_base import ASSET, SandboxRecipe, _asset_matches

    if not _asset_matches(SandboxRecipe()):
        pytest.fail("the shipped sandbox base does not match the default recipe; "
                    "run scripts/build_sandbox_base.py")
    return ASSET
