"""The shipped sandbox base: built from its recipe; solves its one-step problems in every language
and rarely the skill (two steps) in any.

Run: pytest tests/test_sandbox_base.py -v
"""

import json

import pytest

from xling.study.sandbox_base import ASSET, SandboxRecipe, pretraining_texts


def test_shipped_base_carries_the_default_recipe_key(sandbox_base):
    meta = json.loads((sandbox_base / "recipe.json").read_text())
    assert meta["key"] == SandboxRecipe().key()
    assert (sandbox_base / "model.safetensors").is_file()
    losses = [json.loads(line)["loss"] for line in (sandbox_base / "train_log.jsonl").open()]
    assert losses[-1] < losses[0] / 4  # pretraining converged


def test_pretraining_mix_follows_the_recipe_and_holds_no_skill_problem():
    recipe = SandboxRecipe()
    texts = pretraining_texts(recipe)
    en = sum("Please reason" in t for t in texts)
    bn = sum("এর মধ্যে লিখুন" in t for t in texts)
    assert en == pytest.approx(recipe.mix["en"] * len(texts), rel=0.02)
    assert bn == pytest.approx(recipe.mix["bn"] * len(texts), rel=0.02) and bn < en
    # one equation per text: the base never sees a chain of steps, the skill of the world
    assert {t.count(" = ") for t in texts} == {1}


@pytest.mark.slow
def test_recipe_reproduces_the_shipped_training_log(tmp_path, sandbox_base):
    """The first 50 steps of the recipe, rebuilt here, log the shipped loss (seeded, CPU)."""
    from xling.data.sandbox_world import generate_problems
    from xling.languages import STUDY_LANGS
    from xling.study.sandbox_base import document
    from xling.tiny import build_tiny_model
    from xling.train.pretrain import PretrainConfig, run_pretrain

    r = SandboxRecipe()
    balanced = generate_problems(200, r.problem_config(), "pretrain", langs=list(STUDY_LANGS))
    init = build_tiny_model(
        tmp_path / "init", [document(e.question, e.lang, e.solution) for e in balanced],
        vocab_size=r.vocab_size, hidden_size=r.hidden_size, num_layers=r.num_layers,
        num_heads=r.num_heads, num_kv_heads=r.num_kv_heads, intermediate_size=r.intermediate_size,
        max_position_embeddings=512, initializer_range=0.02, seed=r.seed)
    cfg = PretrainConfig(steps=r.steps, batch_size=r.batch_size, learning_rate=r.learning_rate, seed=r.seed)
    run_pretrain(init, pretraining_texts(r), cfg, tmp_path / "model", stop_after=50)
    rebuilt = json.loads((tmp_path / "model" / "train_log.jsonl").read_text().splitlines()[0])
    shipped = json.loads((ASSET / "train_log.jsonl").read_text().splitlines()[0])
    assert rebuilt["step"] == shipped["step"] == 50
    assert rebuilt["loss"] == pytest.approx(shipped["loss"], abs=1e-3)


@pytest.mark.slow
def test_base_solves_its_basic_problems_and_rarely_the_skill_in_every_language(sandbox_base, tmp_path):
    """The world's premise: every arithmetic fact is known in every language (one step), and
    chaining two steps, the skill post-training teaches, is rare in all of them."""
    from xling.evaluation.run import run_eval
    from xling.evaluation.settings import EvalConfig

    recipe, langs = SandboxRecipe(), "en,de,zh,th,sw,bn"
    acc = {}
    for kind, problems in (("basic", recipe.problems), ("skill", recipe.skill)):
        cfg = EvalConfig(model=str(sandbox_base), benchmark="sandbox", limit=60,
                         source=json.dumps(problems), max_new_tokens=80, batch_size=60)
        result = run_eval(cfg, langs, tmp_path / kind)
        acc[kind] = {lang: m["acc"]["value"] for lang, m in result["langs"].items()}
    assert min(acc["basic"].values()) > 0.8, acc
    assert max(acc["skill"].values()) < 0.2, acc
