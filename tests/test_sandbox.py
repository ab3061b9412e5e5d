"""The sandbox generator: parallel, disjoint splits, correct answers, per-language text.

Run: pytest -q tests/test_sandbox.py
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict

import pytest

from xling.data import sandbox_world
from xling.data.sandbox_world import (
    DEFAULT_PRETRAIN_MIX,
    SandboxConfig,
    generate_problems,
    problem_key,
    split_of,
)
from xling.languages import STUDY_LANGS
from xling.schema import XlingError

EQUATION = re.compile(r"(\d+) ([+*-]) (\d+) = (\d+)")
SCRIPTS = {
    "zh": r"[\u4e00-\u9fff]",
    "ja": r"[\u3040-\u30ff]",  # kana: Japanese, not Chinese
    "ru": r"[\u0400-\u04ff]",
    "th": r"[\u0e00-\u0e7f]",
    "bn": r"[\u0980-\u09ff]",
}


@pytest.fixture(scope="module")
def train_examples():
    return generate_problems(200, SandboxConfig(seed=7), "train")


def _apply(x: int, op: str, b: int) -> int:
    return {"add": x + b, "sub": x - b, "mul": x * b}[op]


def test_shape_ids_and_parallelism(train_examples):
    assert len(train_examples) == 200 * len(STUDY_LANGS)
    groups = defaultdict(list)
    for ex in train_examples:
        groups[ex.parallel_id].append(ex)
        assert ex.source == "sandbox"
        assert ex.id == f"{ex.parallel_id}-{ex.lang}"
    assert len(groups) == 200
    for pid, group in groups.items():
        assert pid.startswith("sandbox-train-")
        assert [ex.lang for ex in group] == list(STUDY_LANGS)
        assert len({ex.answer for ex in group}) == 1
        assert len({(tuple(ex.meta["ops"]), tuple(ex.meta["operands"]), ex.meta["template"])
                    for ex in group}) == 1
        assert len({ex.question for ex in group}) == len(STUDY_LANGS)
        assert len({ex.solution for ex in group}) == len(STUDY_LANGS)
        for ex in group:  # the numbers appear as ASCII digits in every language
            for value in ex.meta["operands"]:
                assert re.search(rf"(?<!\d){value}(?!\d)", ex.question), (ex.lang, ex.question)


def test_answers_follow_from_the_stored_structure(train_examples):
    cfg = SandboxConfig(seed=7)
    for ex in train_examples:
        ops, operands = ex.meta["ops"], ex.meta["operands"]
        assert cfg.min_steps <= len(ops) <= cfg.max_steps
        assert len(operands) == len(ops) + 1
        x = operands[0]
        assert 1 <= x <= cfg.max_value
        for i, (op, b) in enumerate(zip(ops, operands[1:], strict=True)):
            assert op in cfg.ops
            assert 2 <= b <= cfg.max_factor if op == "mul" else 1 <= b <= cfg.max_value
            x = _apply(x, op, b)
            assert 0 <= x <= cfg.max_result
            assert x > 0 or i == len(ops) - 1, "0 only as the final result"
        assert ex.answer == str(x)
        assert ex.meta["key"] == problem_key(ops, operands)


def test_solutions_show_true_equations_and_end_in_one_box(train_examples):
    for ex in train_examples:
        assert ex.solution.endswith(f"\\boxed{{{ex.answer}}}"), ex.solution
        assert ex.solution.count("\\boxed") == 1
        equations = EQUATION.findall(ex.solution)
        assert len(equations) == len(ex.meta["ops"])
        for (x, sym, b, y), op in zip(equations, ex.meta["ops"], strict=True):
            assert sym == {"add": "+", "sub": "-", "mul": "*"}[op]
            assert _apply(int(x), op, int(b)) == int(y)
        assert equations[-1][3] == ex.answer
        assert "\\boxed" not in ex.question


@pytest.mark.parametrize("lang", list(SCRIPTS))
def test_language_scripts(train_examples, lang):
    for ex in (e for e in train_examples if e.lang == lang):
        assert re.search(SCRIPTS[lang], ex.question) and re.search(SCRIPTS[lang], ex.solution)


def test_latin_languages_have_no_foreign_script(train_examples):
    foreign = "|".join(SCRIPTS.values())
    for ex in (e for e in train_examples if e.lang in ("en", "de", "es", "fr", "sw")):
        assert not re.search(foreign, ex.question + ex.solution)


@pytest.mark.parametrize("lang", STUDY_LANGS)
def test_templates_vary_per_op_and_language(train_examples, lang):
    templates, shapes = defaultdict(set), defaultdict(set)
    for ex in (e for e in train_examples if e.lang == lang):
        for op in ex.meta["ops"]:
            templates[op].add(ex.meta["template"])
        if len(ex.meta["ops"]) == 1:  # the wording without its numbers
            shapes[ex.meta["ops"][0]].add(re.sub(r"\d+", "#", ex.question))
    for op in ("add", "sub", "mul"):
        assert len(templates[op]) >= 3, (lang, op, templates[op])
        assert len(shapes[op]) >= 3, (lang, op, shapes[op])


def test_splits_are_disjoint():
    cfg = SandboxConfig(seed=3)
    keys = {}
    for split in sandbox_world.SPLITS:
        examples = generate_problems(2000, cfg, split, langs=["en"])
        keys[split] = {problem_key(ex.meta["ops"], ex.meta["operands"]) for ex in examples}
        assert all(split_of(key) == split for key in keys[split])
    assert not keys["pretrain"] & keys["train"]
    assert not keys["pretrain"] & keys["eval"]
    assert not keys["train"] & keys["eval"]


def test_unique_within_a_call_when_possible():
    examples = generate_problems(300, SandboxConfig(), "eval", langs=["en"])
    assert len({ex.meta["key"] for ex in examples}) == 300


def test_deterministic_and_seed_sensitive():
    def dump(examples):
        return [(ex, ex.meta) for ex in examples]

    cfg = SandboxConfig(seed=11)
    assert dump(generate_problems(30, cfg, "eval")) == dump(generate_problems(30, cfg, "eval"))
    other = generate_problems(30, SandboxConfig(seed=12), "eval")
    assert [e.question for e in other] != [e.question for e in generate_problems(30, cfg, "eval")]


def test_problem_index_is_a_prefix():
    cfg = SandboxConfig(seed=5)
    short = generate_problems(5, cfg, "train", ["en"])
    assert short == generate_problems(9, cfg, "train", ["en"])[:5]


def test_default_mix_is_english_heavy():
    assert list(DEFAULT_PRETRAIN_MIX) == list(STUDY_LANGS)
    assert sum(DEFAULT_PRETRAIN_MIX.values()) == pytest.approx(1.0)
    shares = list(DEFAULT_PRETRAIN_MIX.values())
    assert shares == sorted(shares, reverse=True)
    assert DEFAULT_PRETRAIN_MIX["en"] > 2 * DEFAULT_PRETRAIN_MIX["zh"]
    assert max(DEFAULT_PRETRAIN_MIX[lang] for lang in ("th", "sw", "bn")) < min(
        DEFAULT_PRETRAIN_MIX[lang] for lang in ("zh", "de", "es", "fr", "ja", "ru"))


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "1 банан."), (2, "2 банана."), (5, "5 бананов."), (11, "11 бананов."),
     (21, "21 банан."), (14, "14 бананов.")],
)
def test_russian_number_agreement(n, expected):
    question, _ = sandbox_world._render(sandbox_world._Problem(("add",), (n, 2), 0), "ru")
    assert question.startswith(f"У Миши есть {expected}")


def test_number_agreement_in_other_languages():
    def q(lang, a, op, b, story):
        return sandbox_world._render(sandbox_world._Problem((op,), (a, b), story), lang)[0]

    assert q("en", 1, "add", 1, 0).startswith("Tom has 1 banana. Then Tom buys 1 more banana ")
    assert "gives 1 book to" in q("en", 3, "sub", 1, 2)
    assert q("fr", 1, "add", 2, 0).startswith("Hugo a 1 banane.")
    assert "дарит другу 1 книгу." in q("ru", 3, "sub", 1, 2)
    assert "дарит другу 3 книги." in q("ru", 5, "sub", 3, 2)
    assert "в 5 раз" in q("ru", 3, "mul", 5, 1) and "в 3 раза" in q("ru", 3, "mul", 3, 1)
    assert q("sw", 1, "add", 2, 2).startswith("Baraka ana kitabu 1 ")
    assert "Buch" in q("de", 1, "add", 2, 2) and "Bücher" in q("de", 2, "add", 2, 2)


@pytest.mark.parametrize(
    "kwargs",
    [{"min_steps": 0}, {"min_steps": 3, "max_steps": 2}, {"max_value": 0},
     {"max_value": 200}, {"ops": ()}, {"ops": ("div",)}, {"ops": ("add", "add")},
     {"ops": "add"}, {"seed": "x"}, {"max_factor": 1}, {"max_steps": 50},
     {"max_start": 0}, {"max_start": 61}, {"solution": "prose"}, {"step_weights": [1.0]},
     {"step_weights": [1, -1]}, {"step_weights": [0, 0]}, {"step_weights": "1,1"}],
)
def test_invalid_config_raises(kwargs):
    with pytest.raises(XlingError):
        SandboxConfig(**kwargs)


def test_invalid_calls_raise():
    cfg = SandboxConfig()
    with pytest.raises(XlingError, match="split"):
        generate_problems(1, cfg, "test")
    with pytest.raises(XlingError):
        generate_problems(1, cfg, "train", langs=["xx"])
    with pytest.raises(XlingError, match="no templates"):
        generate_problems(1, cfg, "train", langs=["te"])
    with pytest.raises(XlingError):
        generate_problems(-1, cfg)
    with pytest.raises(XlingError, match="could not draw"):  # no 3-step chain of subtractions
        generate_problems(1, SandboxConfig(ops=("sub",), min_steps=3, max_steps=3, max_value=2))


def test_ops_subset_and_list_ops_accepted():
    examples = generate_problems(50, SandboxConfig(ops=["add"]), "train", langs=["en"])
    assert all(set(ex.meta["ops"]) == {"add"} for ex in examples)


def test_import_loads_no_torch():
    code = "import sys, xling.data.sandbox_world; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_equation_solutions_keep_only_the_shared_notation():
    """'equations': every step line is the equation alone, the same string in every language
    (a step's operand equal to its start value included); the answer sentence stays."""
    cfg = SandboxConfig(seed=2, min_steps=2, max_steps=2, solution="equations")
    worded = generate_problems(60, SandboxConfig(seed=2, min_steps=2, max_steps=2), "train")
    plain = generate_problems(60, cfg, "train")
    by_pid = defaultdict(dict)
    for w, e in zip(worded, plain, strict=True):
        assert (w.question, w.answer) == (e.question, e.answer)
        assert EQUATION.findall(w.solution) == EQUATION.findall(e.solution)
        assert e.solution.endswith(f"\\boxed{{{e.answer}}}")
        by_pid[e.parallel_id][e.lang] = EQUATION.findall(e.solution)
        for word in ("Add", "Wir", "On ", "加上", "Умножаем"):
            assert word not in e.solution
    assert all(len({tuple(v) for v in langs.values()}) == 1 for langs in by_pid.values())
    question, solution = sandbox_world._render(sandbox_world._Problem(("add",), (5, 5), 0), "zh", "equations")
    assert solution == "小明有5根香蕉。5 + 5 = 10。答案是 \\boxed{10}"


def test_max_start_step_weights_and_any_split():
    one = generate_problems(300, SandboxConfig(min_steps=1, max_steps=1, max_start=60), "any",
                            langs=["en"])
    starts = [ex.meta["operands"][0] for ex in one]
    assert max(starts) > 15 and max(starts) <= 60
    assert {split_of(ex.meta["key"]) for ex in one} == set(sandbox_world.SPLITS)  # every split's keys
    mixed = generate_problems(100, SandboxConfig(max_steps=2, step_weights=[9, 1]), "any",
                              langs=["en"])
    two = sum(len(ex.meta["ops"]) == 2 for ex in mixed)
    assert 3 < two < 25, two  # about 10% two-step
    only = generate_problems(50, SandboxConfig(max_steps=3, step_weights=(0, 0, 1)), "eval", ["en"])
    assert {len(ex.meta["ops"]) for ex in only} == {3}
