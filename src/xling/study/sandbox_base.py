"""The sandbox base model: a tiny Qwen2 LM pretrained on one kind of sandbox problem.

Stage: study (composes data.sandbox_world, tiny, train.pretrain). A recipe fixes the world and its
base — the problems the base is pretrained on, the skill post-training teaches (the ``sandbox``
pool and benchmark of a study on this base), the language mix, tokenizer, model size,
pretraining steps, seed — and the built model is cached under ``$XLING_CACHE`` (default
``~/.cache/xling``) in ``sandbox/<recipe key>/``, so it is built once per machine and recipe.
The default world (README, "The sandbox"): pretrained on one-step problems in all ten languages
(every arithmetic fact the skill needs), post-trained and evaluated on two-step chains, which the
base never saw and rarely solves in any language; the steps are written as equations, the
notation all languages share. Named recipes: ``PRESETS``. Pretraining texts use the exact prompt
format of evaluation and SFT (``build_prompt(question, lang)`` + space + solution).
Try:  python -c "from xling.study.sandbox_base import *; print(build_base(SandboxRecipe()))"
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

from xling.data.sandbox_world import ANY, BASIC_PROBLEMS, SKILL_PROBLEMS
from xling.paths import cache_root
from xling.schema import XlingError
from xling.store import cell_key

log = logging.getLogger(__name__)


CLASSIC_PROBLEMS: dict[str, Any] = {"max_value": 15, "max_result": 60, "max_factor": 4}
"""The classic world's problems (one or two steps): few enough arithmetic facts that a
~400k-parameter model learns much of the task in ~1,600 CPU steps."""
CLASSIC_MIX: dict[str, float] = {
    "en": 0.60, "zh": 0.10, "es": 0.06, "fr": 0.06, "ru": 0.05, "ja": 0.05,
    "de": 0.02, "th": 0.02, "sw": 0.02, "bn": 0.02,
}
"""The classic world's English-heavy mix, German deliberately scarce: there German had room to
improve only because the base had seen little German (with 8% German the base reached 89% in
German and 95% in English, leaving training almost nothing to show)."""
DEFAULT_MIX: dict[str, float] = {
    "en": 0.27, "zh": 0.09, "es": 0.09, "fr": 0.09, "ru": 0.09, "ja": 0.09,
    "de": 0.07, "th": 0.07, "sw": 0.07, "bn": 0.07,
}
"""The default world's mix: English-heavy, but every language has enough texts for the base to
read and solve the basic problems in it (so what post-training adds is the skill, not a
language)."""
ASSET = Path(__file__).resolve().parents[1] / "assets" / "sandbox-base"
"""The default recipe's base model, shipped in the package (built by scripts/build_sandbox_base.py)."""


@dataclass(frozen=True)
class SandboxRecipe:
    """Everything that determines a sandbox world and its base model (its content key names the
    cache): the problems the base is pretrained on, the skill post-training teaches and
    evaluation measures, the language mix, the model and its pretraining."""

    problems: dict[str, Any] = field(default_factory=lambda: dict(BASIC_PROBLEMS))
    """The pretraining problems, the kind the base learns to solve (overrides of
    data.sandbox_world.SandboxConfig); also the ``sandbox-basic`` pool (a negative control's data)."""
    skill: dict[str, Any] | None = field(default_factory=lambda: dict(SKILL_PROBLEMS))
    """The problems of the ``sandbox`` pool and benchmark on this base: the skill post-training
    teaches (SandboxConfig overrides); None = ``problems`` (a world without a separate skill)."""
    pretrain_split: str = ANY
    """Which keys pretraining draws from: 'pretrain' (its own split) or 'any' (every key: for
    ``problems`` that share no problem with ``skill`` by construction, so that pretraining
    carries every arithmetic fact the skill's chains use)."""
    pretrain_texts: int = 8000
    """Pretraining documents in all, split across languages by ``mix``."""
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    """Language shares of the pretraining corpus; {} = data.sandbox_world.DEFAULT_PRETRAIN_MIX."""
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
        """The pretraining problems as a ``SandboxConfig``."""
        from xling.data.sandbox_world import SandboxConfig

        return SandboxConfig(**{"seed": self.seed, **self.problems})

    def skill_config(self):
        """The skill's problems (post-training and evaluation) as a ``SandboxConfig``."""
        from xling.data.sandbox_world import SandboxConfig

        return SandboxConfig(**{"seed": self.seed, **(self.problems if self.skill is None
                                                       else self.skill)})

    def skill_overrides(self) -> dict[str, Any]:
        """The skill's SandboxConfig overrides (the sandbox benchmark's ``source``)."""
        return dict(self.problems if self.skill is None else self.skill)

    def pool_config(self, pool: str):
        """The ``SandboxConfig`` a sandbox pool draws from on this base: ``sandbox`` = the
        skill, ``sandbox-basic`` = the pretraining problems."""
        if pool == "sandbox-basic":
            return self.problem_config()
        if pool == "sandbox":
            return self.skill_config()
        raise XlingError(f"{pool!r} is not a sandbox pool; known: sandbox, sandbox-basic")


PRESETS: dict[str, SandboxRecipe] = {
    "default": SandboxRecipe(),
    # Tests and `xling demo --quick`: same world, a smaller and shorter-trained model.
    "quick": SandboxRecipe(pretrain_texts=2000, hidden_size=64, num_layers=2,
                           intermediate_size=192, steps=300),
    # The same world with a base that has learned the skill: a quarter of its pretraining
    # problems chain two steps (its own split only, so no evaluation problem is pretrained on).
    # Study B's interventional sandbox file compares GRPO from it and from the default base.
    "skilled": SandboxRecipe(problems={**BASIC_PROBLEMS, "max_steps": 2, "step_weights": [3, 1]},
                             pretrain_split="pretrain"),
    # The first sandbox world (xling before issue 20): one- and two-step problems for
    # pretraining, post-training and evaluation alike, English-heavy with German scarce. Its
    # base lacks no skill, only German text: post-training in German taught German, and
    # nothing reached the other languages (README, "The sandbox").
    "classic": SandboxRecipe(problems=dict(CLASSIC_PROBLEMS), skill=None, pretrain_split="pretrain",
                             mix=dict(CLASSIC_MIX)),
}
"""Named recipes (a study's ``sandbox: {preset: NAME}``); other keys override the preset's."""


def pretraining_texts(recipe: SandboxRecipe) -> list[str]:
    """The pretraining corpus (``recipe.problems`` in the ``recipe.mix`` of languages) in the
    evaluation prompt format."""
    from xling.data.sandbox_world import DEFAULT_PRETRAIN_MIX, generate_problems

    mix = recipe.mix or DEFAULT_PRETRAIN_MIX
    if abs(sum(mix.values()) - 1.0) > 1e-6:
        raise XlingError(f"sandbox mix shares must sum to 1, got {sum(mix.values()):.3f}")
    counts = {lang: max(1, round(share * recipe.pretrain_texts)) for lang, share in mix.items()}
    # The same problem pool for every language, each language taking its first `count`
    # problems: scarce languages see a subset of what English sees, never other content.
    problems = generate_problems(max(counts.values()), recipe.problem_config(),
                                 recipe.pretrain_split, langs=list(counts))
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
    from xling.data.sandbox_world import generate_problems
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
