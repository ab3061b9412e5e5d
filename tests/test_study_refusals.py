"""Mistakes in a study are refused before any model is built, loaded or evaluated."""

from __future__ import annotations

import pytest

from xling.demo import run_demo
from xling.schema import XlingError


def test_demo_refuses_a_language_the_pool_lacks_before_evaluating(tmp_path):
    # Telugu is a registered language, but the sandbox pool has no Telugu templates: the demo
    # used to evaluate the base cell first and fail only when training started.
    out = tmp_path / "demo"
    with pytest.raises(XlingError, match=r"cell SFT\(te\).*no templates for te"):
        run_demo(out, quick=True, train_langs="te")
    assert not out.exists()  # nothing ran: no cell directory, no evaluation
