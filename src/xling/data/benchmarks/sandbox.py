"""The sandbox benchmark: held-out multilingual arithmetic word problems (data/sandbox_world.py).

Stage: data. The ``eval`` split of the sandbox generator, parallel across all 10 languages by
construction (parallel_id = problem index); scored by scoring.math. No file or download:
the problems are generated, seeded. By default the default world's skill (``data.sandbox_world.SKILL``);
``source`` optionally carries SandboxConfig overrides as JSON (a study passes its base recipe's
skill, so evaluation measures what that world's post-training teaches).
Try:  xling eval --model <sandbox base> --benchmark sandbox --langs all --limit 50
"""

from __future__ import annotations

import json

from xling.data.benchmarks import Benchmark, Source
from xling.languages import STUDY_LANGS, parse_langs
from xling.schema import Example, XlingError

SCORER = "math"
LANGS: tuple[str, ...] = STUDY_LANGS
DEFAULT_SIZE = 200
"""Problems per language when no limit is given."""


def load(langs: list[str], source: str | None = None, limit: int | None = None) -> list[Example]:
    """``limit`` (default 200) held-out problems, rendered in each of ``langs``."""
    from xling.data.sandbox_world import SKILL, SandboxConfig, generate_problems

    langs = parse_langs(langs)
    for lang in langs:
        if lang not in LANGS:
            raise XlingError(f"sandbox has no language {lang!r}; it has: {', '.join(LANGS)}")
    cfg = SKILL
    if source:
        try:
            overrides = json.loads(source)
        except json.JSONDecodeError:
            raise XlingError(f"sandbox source must be JSON SandboxConfig overrides, got {source!r}") from None
        if not isinstance(overrides, dict):
            raise XlingError(f"sandbox source must be a JSON object of SandboxConfig overrides, got {source!r}")
        try:
            cfg = SandboxConfig(**overrides)
        except TypeError as exc:
            raise XlingError(f"sandbox source: {exc}") from None
    return generate_problems(limit or DEFAULT_SIZE, cfg, "eval", langs=langs)


SANDBOX = Benchmark(
    name="sandbox", load=load, scorer=SCORER, langs=LANGS,
    doc="The sandbox: generated multilingual arithmetic word problems (held-out split).",
    sources=(Source("generated (xling.data.sandbox_world, seeded; source = SandboxConfig JSON)", LANGS),),
)
"""The sandbox benchmark (registry name ``sandbox``)."""
