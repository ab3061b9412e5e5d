"""The sandbox base model: a tiny Qwen2 LM "pretrained" on English-heavy sandbox problems.

Stage: study (composes data.sandbox, tiny, train.pretrain). The recipe fixes everything — problem
distribution, language mix, tokenizer, model size, pretraining steps, seed — and the built model
is cached under ``$XLING_CACHE`` (default ``~/.cache/xling``) in ``sandbox/<recipe key>/``, so it
is built once per machine and recipe. Pretraining texts use the exact prompt format of
evaluation and SFT (``build_prompt(question, lang)`` + space + solution), so the base model
has seen the task format mostly in English and rarely in the scarce languages: strong in
English, weaker elsewhere, with room to improve — the shape of the reference studies' bases.
Try:  python -c "from xling.study.sandbox import *; print(build_base(SandboxRecipe()))"
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xling.paths import cache_root
from xling.schema import XlingError
from xling.store import cell_key

log = logging.getLogger(__name__)


DEFAULT_PROBLEMS: dict[str, Any] = {"max_value": 15, "max_result": 60, "max_factor": 4}
"""The default recipe's problem range, spelled out (equal to SandboxConfig's defaults, which the
sandbox pool and benchmark use): few enough arithmetic facts that a ~400k-parameter model learns
much of the task in ~1,600 CPU steps."""
DEFAULT_MIX: dict[str, float] = {
    "en": 0.60, "zh": 0.10, "es": 0.06, "fr": 0.06, "ru": 0.05, "ja": 0.05,
    "de": 0.02, "th": 0.02, "sw": 0.02, "bn": 0.02,
}
"""English-heavy, and German deliberately scarce: the demo trains in German (as study A does), and
German must have room to improve in the base model, as it has in study A's (33.5% on MGSM).
With data.sandbox's default mix (8% German) the base reached 89% in German and 95% in English
(1,600 steps), leaving training almost nothing to show; with 1,200 steps the arithmetic itself
stayed weak in every language (41% in English), which RL could not fix within minutes."""
ASSET = Path(__file__).resolve().parents[1] / "assets" / "sandbox-base"
"""The default recipe's base model, shipped in the package (built by scripts/build_sandbox_base.py)."""


@dataclass(frozen=True)
class SandboxRecipe:
    """Everything that determines the sandbox base model (its content key names the cache)."""

    problems: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PROBLEMS))
    """Overrides of data.sandbox.SandboxConfig (max_steps, max_value, ops, ...)."""
    pretrain_texts: int = 8000
    """Pretraining documents in all, split across languages by ``mix``."""
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    """Language shares of the pretraining corpus; {} = data.sandbox.DEFAULT_PRETRAIN_MIX."""
    vocab_size: int = 1024
    hidden_size: int = 96
    num_layers: int = 3
    num_heads: int = 4
    num_kv_heads: int = 2
    intermediate_size: int = 256
    steps: int = 1600
    """Pretraining optimizer steps."""
    batch_size: int = 32
    learning_rate: float = 3e-3
    seed: int = 0

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any] | None) -> SandboxRecipe:
        """A recipe from a study file's ``sandbox:`` mapping; a ``preset`` key picks a base."""
        overrides = dict(overrides or {})
        preset = overrides.pop("preset", "default")
        if preset not in PRESETS:
            raise XlingError(f"unknown sandbox preset {preset!r}; known: {', '.join(PRESETS)}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise XlingError(f"sandbox: unknown key {unknown[0]!r}; known: preset, {', '.join(sorted(known))}")
        return dataclasses.replace(PRESETS[preset], **overrides)

    def key(self) -> str:
        return cell_key(dataclasses.asdict(self))

    def problem_config(self):
        from xling.data.sandbox import SandboxConfig

        return SandboxConfig(**{"seed": self.seed, **self.problems})


PRESETS: dict[str, SandboxRecipe] = {
    "default": SandboxRecipe(),
    # Tests and `xling demo --quick`: same world, a smaller and shorter-trained model.
    "quick": SandboxRecipe(pretrain_texts=2000, hidden_size=64, num_layers=2,
                           intermediate_size=192, steps=300),
}


def pretraining_texts(recipe: SandboxRecipe) -> list[str]:
    """The English-heavy pretraining corpus in the evaluation prompt format."""
    from xling.data.sandbox import DEFAULT_PRETRAIN_MIX, generate_problems

    mix = recipe.mix or DEFAULT_PRETRAIN_MIX
    if abs(sum(mix.values()) - 1.0) > 1e-6:
        raise XlingError(f"sandbox mix shares must sum to 1, got {sum(mix.values()):.3f}")
    counts = {lang: max(1, round(share * recipe.pretrain_texts)) for lang, share in mix.items()}
    # The same problem pool for every language, each language taking its first `count`
    # problems: scarce languages see a subset of what English sees, never other content.
    problems = generate_problems(max(counts.values()), recipe.problem_config(), "pretrain",
                                 langs=list(counts))
    return [document(ex.question, ex.lang, ex.solution) for ex in problems
            if int(ex.parallel_id.rsplit("-", 1)[1]) < counts[ex.lang]]


def document(question: str, lang: str, solution: str) -> str:
    """Prompt + completion exactly as evaluation prompts and SFT trains (train/sft.py).

    A space, not a newline, joins them: Qwen's pre-tokenizer merges punctuation with a following
    newline ('.\n' is one token), so a newline would make the evaluation prompt (ending in '.')
    tokenize differently from every pretraining text.
    """
    from xling.languages import build_prompt
    from xling.train.sft import COMPLETION_SEP

    return f"{build_prompt(question, lang)}{COMPLETION_SEP}{solution}"


def build_base(recipe: SandboxRecipe | None = None, cache_dir: str | Path | None = None) -> Path:
    """Return the sandbox base model directory, building and caching it on first use.

    Built in a temporary directory and renamed into place, so a killed build never leaves a
    half-built model that looks finished.
    """
    from xling.data.sandbox import generate_problems
    from xling.languages import STUDY_LANGS
    from xling.tiny import build_tiny_model
    from xling.train.pretrain import PretrainConfig, run_pretrain

    recipe = recipe or SandboxRecipe()
    if cache_dir is None and _asset_matches(recipe):
        return ASSET
    final = Path(cache_dir or cache_root()) / "sandbox" / recipe.key()
    if (final / "config.json").is_file():
        return final
    start = time.perf_counter()
    log.info("building the sandbox base model (once per recipe) -> %s", final)
    work = final.with_name(final.name + f".tmp-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    texts = pretraining_texts(recipe)
    # The tokenizer sees every language equally, as a multilingual tokenizer would.
    balanced = generate_problems(200, recipe.problem_config(), "pretrain", langs=list(STUDY_LANGS))
    tok_texts = [document(ex.question, ex.lang, ex.solution) for ex in balanced]
    init = build_tiny_model(
        work / "init", tok_texts, vocab_size=recipe.vocab_size, hidden_size=recipe.hidden_size,
        num_layers=recipe.num_layers, num_heads=recipe.num_heads,
        num_kv_heads=recipe.num_kv_heads, intermediate_size=recipe.intermediate_size,
        max_position_embeddings=512, initializer_range=0.02, seed=recipe.seed)
    cfg = PretrainConfig(steps=recipe.steps, batch_size=recipe.batch_size,
                         learning_rate=recipe.learning_rate, seed=recipe.seed)
    run_pretrain(init, texts, cfg, work / "model")
    (work / "model" / "recipe.json").write_text(
        json.dumps({"key": recipe.key(), **dataclasses.asdict(recipe)}, indent=2), encoding="utf-8")
    final.parent.mkdir(parents=True, exist_ok=True)
    if not (final / "config.json").is_file():
        shutil.rmtree(final, ignore_errors=True)
        os.replace(work / "model", final)
    shutil.rmtree(work, ignore_errors=True)
    log.info("sandbox base built in %.0fs", time.perf_counter() - start)
    return final


def _asset_matches(recipe: SandboxRecipe) -> bool:
    """Whether the shipped base model was built from exactly this recipe."""
    meta = ASSET / "recipe.json"
    return meta.is_file() and json.loads(meta.read_text(encoding="utf-8")).get("key") == recipe.key()
