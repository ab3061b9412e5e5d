"""How a model is asked and scored (``EvalSettings``), and one model on one benchmark (``EvalConfig``).

Stage: evaluation. ``EvalSettings`` is declared once and read everywhere an evaluation is set
up: ``xling eval``'s flags and their help are generated from its fields (``cli_settings``, as
TRL generates its CLI from its configs), a study file's ``eval:`` block is an ``EvalSpec``
(``study.blocks``, these fields plus the benchmarks and languages), and the probes get them in
their ``ProbeContext``. ``EvalConfig`` adds the model, benchmark, backend, source and seed;
``EvalConfig.of`` is the one way an evaluation is built from settings. Its fingerprint is
recorded beside the results (``eval/<bench>.config.json``) and in metrics.json, so results of
different configs are never averaged.

>>> EvalConfig.of(EvalSettings(n=4, temperature=0.7), model="m", benchmark="mgsm").sampling.n
4
>>> EvalSettings(n=0)
Traceback (most recent call last):
...
xling.schema.XlingError: n must be an integer >= 1, got 0
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xling.generate import SamplingParams
from xling.schema import XlingError


@dataclass(frozen=True)
class EvalSettings:
    """How a model is asked and scored, whatever the model and benchmark (module docstring)."""

    limit: int | None = None
    """First N items per language (quick runs); none = every item."""
    n: int = 1
    """Samples per item in each run."""
    runs: int = 1
    """Seeded sampled runs (seed, seed+1, ...), reported as mean ± sd (study A: 6)."""
    pass_k: tuple[int, ...] = ()
    """Unbiased pass@k for these k, e.g. 1,8,16 (needs n x runs >= k)."""
    temperature: float = 0.0
    """Sampling temperature; 0 = greedy."""
    top_p: float = 1.0
    """Nucleus sampling mass in (0, 1]; 1 = off."""
    max_new_tokens: int = 512
    """Completion length cap (tokens)."""
    prompt_style: str = "standard"
    """standard | english | consistency | think-prefill (study A's prompt; think-prefill also
    opens the thinking block in the question's language) | authors (the benchmark authors' own
    prompt and extraction; see `xling benchmarks`)."""
    think: str = "auto"
    """Reasoning models' <think> blocks: auto | prefilled | off; the answer part is scored."""
    think_format: str = "auto"
    """Thinking delimiters: auto (any known) | think (<think></think>) | s1
    (<|im_start|>think/answer) | solution | 'OPEN CLOSE'."""
    chat_template: bool = False
    """Wrap prompts in the model's chat template (instruct and reasoning models)."""
    batch_size: int | None = None
    """Prompts per generation batch of the hf backend; none = automatic (fills the GPU on
    CUDA). Changes speed, not results."""

    def __post_init__(self) -> None:
        self.sampling_params()  # raises on n, temperature, top_p, max_new_tokens
        _check(self)
        from xling.scoring.thinking import parse_think_format

        parse_think_format(self.think_format)
        if self.batch_size is not None and self.batch_size < 1:
            raise XlingError(f"batch_size must be >= 1, got {self.batch_size}")

    def sampling_params(self, seed: int = 0) -> SamplingParams:
        """The sampling of run 0 with ``seed`` (run r samples with ``seed + r``)."""
        return SamplingParams(n=self.n, temperature=self.temperature, top_p=self.top_p,
                              max_new_tokens=self.max_new_tokens, seed=seed)

    @property
    def settings(self) -> EvalSettings:
        """These settings alone (of an ``EvalConfig`` or a study's ``EvalSpec``)."""
        return EvalSettings(**{f.name: getattr(self, f.name)
                               for f in dataclasses.fields(EvalSettings)})


def _check(s: EvalSettings) -> None:
    """The checks of settings that depend on each other, one wording for the CLI and studies.

    Raises:
        XlingError: naming the setting, its value and what is allowed.
    """
    from xling.data.benchmarks import AUTHORS
    from xling.languages import PROMPT_STYLES
    from xling.scoring.thinking import THINK_MODES

    if s.limit is not None and (not isinstance(s.limit, int) or s.limit < 1):
        raise XlingError(f"limit must be >= 1 (or none = every question), got {s.limit!r}")
    if not isinstance(s.runs, int) or s.runs < 1:
        raise XlingError(f"runs must be an integer >= 1, got {s.runs!r}")
    total = s.n * s.runs
    bad = [k for k in s.pass_k if not isinstance(k, int) or not 1 <= k <= total]
    if bad:
        raise XlingError(f"pass_k {bad} needs 1 <= k <= n x runs = {total} samples per item")
    if s.think not in THINK_MODES:
        raise XlingError(f"think mode {s.think!r} unknown; known: {', '.join(THINK_MODES)}")
    if s.prompt_style not in (*PROMPT_STYLES, AUTHORS):
        raise XlingError(f"prompt style {s.prompt_style!r} unknown; known: "
                         f"{', '.join((*PROMPT_STYLES, AUTHORS))}")
    if s.prompt_style == "think-prefill" and s.think == "off":
        raise XlingError("prompt style think-prefill opens a thinking block; think 'off' "
                         "would score the thinking as the answer")
    if s.temperature == 0 and total > 1:
        # Greedy decoding gives the same completion every time: R runs or n samples would be
        # identical copies and pass@k / run sd would be meaningless.
        raise XlingError(f"{s.n} samples x {s.runs} runs with temperature 0 would be identical "
                         "greedy copies; set temperature > 0, or n 1 and runs 1")


@dataclass(frozen=True, kw_only=True)
class EvalConfig(EvalSettings):
    """What defines an evaluation; a run directory holds results of one config per benchmark."""

    model: str
    """Local path or hub id (or a served model name)."""
    benchmark: str = "mgsm"
    """A registered benchmark or a card.yaml path."""
    backend: str = "hf"
    """A key of ``generate.BACKENDS`` or a dotted path."""
    source: str | None = None
    """Benchmark source: a local folder or hub id; None = the benchmark's default."""
    seed: int = 0
    """Sampling seed of run 0."""

    def __post_init__(self) -> None:
        super().__post_init__()
        from xling.data import is_card_path

        if is_card_path(self.benchmark) and Path(self.benchmark).is_file():
            # A card is the same benchmark however its path is spelled (resume, fingerprints).
            object.__setattr__(self, "benchmark", str(Path(self.benchmark).resolve()))
        object.__setattr__(self, "pass_k", tuple(sorted(set(self.pass_k))))
        if self.prompt_style == "think-prefill":
            object.__setattr__(self, "think", "prefilled")

    @classmethod
    def of(cls, settings: EvalSettings, *, model: str, benchmark: str, backend: str = "hf",
           source: str | None = None, seed: int = 0) -> EvalConfig:
        """The evaluation of ``model`` on ``benchmark`` with ``settings``: how ``xling eval`` and
        every study cell build one."""
        return cls(**vars(settings.settings), model=model, benchmark=benchmark, backend=backend,
                   source=source, seed=seed)

    @property
    def sampling(self) -> SamplingParams:
        """The sampling of run 0 (run r samples with ``seed + r``)."""
        return self.sampling_params(self.seed)

    def backend_options(self) -> dict[str, Any]:
        """What the backend is built with from these settings (``generate.get_generator``)."""
        options: dict[str, Any] = {"chat_template": self.chat_template}
        if self.backend == "hf" and self.batch_size is not None:
            options["batch_size"] = self.batch_size
        return options

    def fingerprint(self) -> dict[str, Any]:
        """What the results depend on (``batch_size`` changes speed only): the layout every
        run directory has recorded since the first release, so older results still match."""
        return {"model": self.model, "benchmark": self.benchmark, "backend": self.backend,
                "source": self.source, "limit": self.limit, "prompt_style": self.prompt_style,
                "chat_template": self.chat_template,
                "sampling": dataclasses.asdict(self.sampling), "runs": self.runs,
                "pass_k": self.pass_k, "think": self.think, "think_format": self.think_format}
