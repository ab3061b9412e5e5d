"""Rejection fine-tuning (study A's RFT): sample k responses, keep the correct ones, run SFT.

Stage: train; samples through generate/ (any backend), filters with scoring/, trains with sft.py.
For each problem, ``k`` responses are sampled from ``sampler`` (default: the model being
trained) with the training prompt; a response is kept if ``check_answer`` accepts it, and
duplicates (same problem, same whitespace-normalised text) are dropped. The kept responses
become the SFT solutions. Besides SFT's files, the run directory holds:

    out/rft_samples.jsonl   one row per kept response (id, parallel_id, lang, question, answer,
                            solution); a rerun reuses it instead of sampling again
    out/rft_stats.json      counts: problems, samples, correct, kept, per language

Try:  xling train rft --model ./tiny --pool sandbox --langs de --n 32 --out runs/rft-de
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xling.schema import Example, Generation, XlingError
from xling.train.sft import SFTConfig, example_prompt, run_sft

log = logging.getLogger(__name__)


@dataclass
class RFTConfig:
    """Settings of one RFT run: sampling, filtering, then the SFT settings."""

    k: int = 8
    """Responses sampled per problem."""
    temperature: float = 1.0
    """Sampling temperature (RFT needs diversity; 0 would give k identical responses)."""
    top_p: float = 1.0
    """Nucleus mass in (0, 1]."""
    max_new_tokens: int = 512
    """Cap on tokens per sampled response; responses cut there are still scored."""
    backend: str = "hf"
    """generate/ backend that samples: hf | vllm | openai (or a dotted path)."""
    backend_kwargs: dict[str, Any] = field(default_factory=dict)
    """Options for the backend's constructor (e.g. ``{"batch_size": 16}``)."""
    sampler: str | None = None
    """Model that samples (path, hub id or server model name); None = the model being trained."""
    max_per_problem: int | None = None
    """Keep at most this many distinct correct responses per problem; None = all."""
    prompt_style: str = "standard"
    """Prompt for sampling and for SFT (languages.PROMPT_STYLES)."""
    seed: int = 0
    """Seeds sampling and SFT."""
    sft: dict[str, Any] = field(default_factory=dict)
    """SFTConfig fields for the fine-tuning step (prompt_style and seed are taken from above)."""

    def __post_init__(self):
        if self.k < 1:
            raise XlingError(f"k must be >= 1, got {self.k}")
        from xling.train.sft import check_prompt_style

        check_prompt_style(self.prompt_style)
        if self.max_per_problem is not None and self.max_per_problem < 1:
            raise XlingError(f"max_per_problem must be >= 1, got {self.max_per_problem}")
        known = {f.name for f in dataclasses.fields(SFTConfig)}
        unknown = sorted(set(self.sft) - known)
        if unknown:
            raise XlingError(f"unknown sft field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")

    def sft_config(self) -> SFTConfig:
        """The SFTConfig of the fine-tuning step."""
        return SFTConfig(**{**self.sft, "prompt_style": self.prompt_style, "seed": self.seed})


def validate_trl(cfg: RFTConfig) -> None:
    """Check the fine-tuning step's TRL fields (imports trl, loads no model)."""
    from xling.train.sft import validate_trl as validate_sft

    validate_sft(cfg.sft_config())


def keep_correct(
    examples: list[Example], generations: list[list[Generation]], max_per_problem: int | None = None,
) -> tuple[list[Example], dict[str, Any]]:
    """Filter sampled responses: correct under the problem's scorer kind (``rewards.is_correct``:
    math unless ``e.meta["scorer"]`` says choice, ifeval, ...), deduplicated per problem.

    Args:
        examples: the problems, in prompt order.
        generations: ``generations[i]`` are the samples for ``examples[i]``.
        max_per_problem: cap on kept responses per problem (first ones win).

    Returns:
        (kept examples, each a copy of its problem with ``solution`` = the response;
        statistics: problems, samples, correct, kept, solved, and the same per language).
    """
    from xling.train.rewards import is_correct

    if len(examples) != len(generations):
        raise XlingError(f"{len(examples)} problems but {len(generations)} generation lists")
    kept: list[Example] = []
    counts: dict[str, Counter] = {}
    for e, gens in zip(examples, generations, strict=True):
        c = counts.setdefault(e.lang, Counter())
        c["problems"] += 1
        seen: set[str] = set()
        for j, g in enumerate(gens):
            c["samples"] += 1
            text = g.text.strip()
            if g.finish_reason == "error" or not is_correct(
                    text, e.answer, e.lang, e.meta.get("scorer", "math"), e.choices, e.meta,
                    finish_reason=g.finish_reason):
                continue
            c["correct"] += 1
            key = " ".join(text.split())
            if key in seen or (max_per_problem and len(seen) >= max_per_problem):
                continue
            seen.add(key)
            kept.append(dataclasses.replace(e, id=f"{e.id}-rft{j}", solution=text))
        c["solved"] += bool(seen)
        c["kept"] += len(seen)
    keys = ("problems", "samples", "correct", "kept", "solved")
    stats = {k: sum(c[k] for c in counts.values()) for k in keys}
    stats["per_lang"] = {lang: {k: c[k] for k in keys} for lang, c in counts.items()}
    return kept, stats


def run_rft(model: str | Path, examples: list[Example], cfg: RFTConfig, out: str | Path) -> Path:
    """Sample, keep correct responses, fine-tune ``model`` on them; returns ``out/checkpoint``.

    Raises:
        XlingError: no examples, or no correct response at all (nothing to fine-tune on).
    """
    from xling.data.io import read_jsonl, write_json, write_jsonl
    from xling.train.sft import save_config

    if not examples:
        raise XlingError("RFT needs at least one example")
    out = Path(out)
    sft_cfg = cfg.sft_config()
    samples, stats_path = out / "rft_samples.jsonl", out / "rft_stats.json"
    if samples.exists() and stats_path.exists():  # an interrupted run: keep its samples
        log.info("reusing the samples in %s", samples)
        kept = [Example(id=r["id"], parallel_id=r["parallel_id"], lang=r["lang"], question=r["question"],
                        answer=r["answer"], solution=r["solution"], source="rft",
                        choices=tuple(r["choices"]) if r.get("choices") else None,
                        meta=r.get("meta") or {})
                for r in read_jsonl(samples)]
        stats = json.loads(stats_path.read_text(encoding="utf-8"))
    else:
        kept, stats = sample_and_filter(model, examples, cfg)
        write_jsonl(samples, [
            {"id": e.id, "parallel_id": e.parallel_id, "lang": e.lang, "question": e.question,
             "answer": e.answer, "solution": e.solution,
             **({"choices": list(e.choices)} if e.choices else {}),
             **({"meta": e.meta} if e.meta else {})} for e in kept
        ])
        write_json(stats_path, stats)
    log.info("RFT kept %d of %d samples (%d/%d problems solved)",
             stats["kept"], stats["samples"], stats["solved"], stats["problems"])
    if not kept:
        raise XlingError(f"RFT: none of {stats['samples']} samples was correct; nothing to fine-tune on "
                         f"(stats in {stats_path})")
    ckpt = run_sft(model, kept, sft_cfg, out)
    save_config(out, "rft", model, cfg, len(examples), kept=stats["kept"])
    return ckpt


def sample_and_filter(
    model: str | Path, examples: list[Example], cfg: RFTConfig,
) -> tuple[list[Example], dict[str, Any]]:
    """Sample ``cfg.k`` responses per problem with ``cfg.backend`` and keep the correct ones."""
    from xling.generate import SamplingParams, get_generator

    generator = get_generator(cfg.backend, str(cfg.sampler or model), **cfg.backend_kwargs)
    params = SamplingParams(n=cfg.k, temperature=cfg.temperature, top_p=cfg.top_p,
                            max_new_tokens=cfg.max_new_tokens, seed=cfg.seed)
    prompts = [example_prompt(e, cfg.prompt_style) for e in examples]
    return keep_correct(examples, generator.generate(prompts, params), cfg.max_per_problem)
