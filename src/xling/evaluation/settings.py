"""What defines an evaluation: its settings and the config a run directory's results carry.

Stage: evaluation. ``EvalConfig`` is one model on one benchmark with its sampling, prompt and
scoring settings; its fingerprint is recorded beside the results (``eval/<bench>.config.json``)
and in metrics.json, so results of different configs are never averaged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from xling.generate import SamplingParams
from xling.schema import XlingError


def check_settings(*, limit: int | None, runs: int, pass_k: tuple[int, ...] | list[int], n: int,
                   temperature: float, think: str, prompt_style: str) -> None:
    """The checks every evaluation's settings pass, from the CLI (``EvalConfig``) or a study file
    (``spec.EvalSpec``): one place, one wording.

    Raises:
        XlingError: naming the setting, its value and what is allowed.
    """
    from xling.data.benchmarks import AUTHORS
    from xling.languages import PROMPT_STYLES
    from xling.scoring.thinking import THINK_MODES

    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise XlingError(f"limit must be >= 1 (or none = every question), got {limit!r}")
    if not isinstance(runs, int) or runs < 1:
        raise XlingError(f"runs must be an integer >= 1, got {runs!r}")
    total = n * runs
    bad = [k for k in pass_k if not isinstance(k, int) or not 1 <= k <= total]
    if bad:
        raise XlingError(f"pass_k {bad} needs 1 <= k <= n x runs = {total} samples per item")
    if think not in THINK_MODES:
        raise XlingError(f"think mode {think!r} unknown; known: {', '.join(THINK_MODES)}")
    if prompt_style not in (*PROMPT_STYLES, AUTHORS):
        raise XlingError(f"prompt style {prompt_style!r} unknown; known: "
                         f"{', '.join((*PROMPT_STYLES, AUTHORS))}")
    if prompt_style == "think-prefill" and think == "off":
        raise XlingError("prompt style think-prefill opens a thinking block; think 'off' "
                         "would score the thinking as the answer")
    if temperature == 0 and total > 1:
        # Greedy decoding gives the same completion every time: R runs or n samples would be
        # identical copies and pass@k / run sd would be meaningless.
        raise XlingError(f"{n} samples x {runs} runs with temperature 0 would be identical greedy "
                         "copies; set temperature > 0, or n 1 and runs 1")


@dataclass(frozen=True)
class EvalConfig:
    """What defines an evaluation; a run directory holds results of one config per benchmark."""

    model: str
    benchmark: str = "mgsm"
    backend: str = "hf"
    source: str | None = None
    """Benchmark source: a local folder or hub id; None = the benchmark's default."""
    limit: int | None = None
    """First N items per language (quick runs); None = all."""
    prompt_style: str = "standard"
    """standard | english | consistency | think-prefill (study A's uniform prompt,
    ``languages.build_prompt``) | authors (the benchmark's own authors' prompt and extraction,
    ``Benchmark.protocols``)."""
    chat_template: bool = False
    sampling: SamplingParams = field(default_factory=SamplingParams)
    runs: int = 1
    """R seeded sampled runs (seeds ``sampling.seed + r``), reported as mean ± sd (study A: 6)."""
    pass_k: tuple[int, ...] = ()
    """k values of the unbiased pass@k, from the ``sampling.n * runs`` samples of each item."""
    think: str = "auto"
    """Reasoning models' ``<think>`` blocks: auto | prefilled | off (``scoring.thinking``)."""
    think_format: str = "auto"
    """The thinking block's delimiters: auto (any preset by its tags), a preset of
    ``scoring.thinking.THINK_FORMATS`` (think, s1, solution) or "OPEN CLOSE"."""

    def __post_init__(self) -> None:
        check_settings(limit=self.limit, runs=self.runs, pass_k=self.pass_k, n=self.sampling.n,
                       temperature=self.sampling.temperature, think=self.think,
                       prompt_style=self.prompt_style)
        from xling.scoring.thinking import parse_think_format

        parse_think_format(self.think_format)  # a bad spec is a one-line error now
        if self.benchmark.endswith((".yaml", ".yml")) and Path(self.benchmark).is_file():
            # A card is the same benchmark however its path is spelled (resume, fingerprints).
            object.__setattr__(self, "benchmark", str(Path(self.benchmark).resolve()))
        object.__setattr__(self, "pass_k", tuple(sorted(set(self.pass_k))))
        if self.prompt_style == "think-prefill":
            object.__setattr__(self, "think", "prefilled")

    def fingerprint(self) -> dict[str, Any]:
        return {**asdict(self), "sampling": asdict(self.sampling)}
