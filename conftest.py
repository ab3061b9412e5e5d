"""pytest anywhere in the checkout (tests/ and the docstring examples of src/xling): on the staged
benchmark files when they are there (``$XLING_SHARED_DATA`` or ``../shared/data``), else on the
small redistributable copy in ``tests/data/staged`` (a fresh clone with nothing beside it).

Tests that need the full staged files carry ``@pytest.mark.full_data("why")`` and skip, with that
reason, on the copy (``tests/conftest.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

STAGED_COPY = Path(__file__).resolve().parent / "tests" / "data" / "staged"


def pytest_configure(config) -> None:
    import pytest

    from xling.data.sources import find_shared_data
    from xling.schema import XlingError

    try:
        find_shared_data()
    except XlingError as exc:
        if "XLING_SHARED_DATA" in os.environ:  # a typo is an error, never a fallback
            raise pytest.UsageError(str(exc)) from None
        # Nothing staged: every loader, CLI child and doctest reads the copy.
        os.environ["XLING_SHARED_DATA"] = str(STAGED_COPY)
