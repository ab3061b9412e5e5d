"""Training pools and language designs.  Run: pytest tests/test_pools.py"""

from __future__ import annotations

import json

import pytest

from xling.data.pools import POOLS, load_pool, select
from xling.schema import Example, XlingError


def _pool(langs=("en", "de", "zh"), n=20):
    return [Example(f"p{i}-{lg}", f"p{i}", lg, f"q{i} {lg}", str(i)) for i in range(n) for lg in langs]


def test_single_keeps_one_language_and_samples_seeded():
    pool = _pool()
    picked = select(pool, ["de"], "single", n=5, seed=1)
    assert len(picked) == 5 and {e.lang for e in picked} == {"de"}
    assert picked == select(pool, ["de"], "single", n=5, seed=1)
    assert picked != select(pool, ["de"], "single", n=5, seed=2)


def test_mixed_uses_each_problem_once_with_drawn_languages():
    picked = select(_pool(), ["en", "de", "zh"], "mixed", seed=0)
    assert len(picked) == 20 and len({e.parallel_id for e in picked}) == 20
    assert {e.lang for e in picked} == {"en", "de", "zh"}


def test_parallel_gives_same_problems_in_every_language():
    picked = select(_pool(), ["en", "de"], "parallel", n=4, seed=0)
    assert len(picked) == 8
    by_lang = {lg: [e.parallel_id for e in picked if e.lang == lg] for lg in ("en", "de")}
    assert by_lang["en"] == by_lang["de"]


def test_missing_language_lists_what_the_pool_has():
    with pytest.raises(XlingError, match="no fr examples; it has: de, en, zh"):
        select(_pool(), ["fr"], "single")


@pytest.mark.parametrize("kwargs,match", [
    ({"langs": ["en", "de"], "design": "single"}, "one language"),
    ({"langs": ["en"], "design": "zigzag"}, "unknown design"),
    ({"langs": ["en"], "design": "single", "n": 99}, "n=99"),
    ({"langs": ["xx"], "design": "single"}, "unknown language"),
])
def test_bad_selection_refused(kwargs, match):
    with pytest.raises(XlingError, match=match):
        select(_pool(), **kwargs)


def test_jsonl_pool(tmp_path):
    path = tmp_path / "pool.jsonl"
    rows = [{"id": "a-en", "parallel_id": "a", "lang": "en", "question": "1+1?", "answer": 2,
             "solution": "1+1=2 \\boxed{2}"},
            {"id": "a-de", "parallel_id": "a", "lang": "de", "question": "1+1?", "answer": "2"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    pool = load_pool(path, "en,de")
    assert [e.answer for e in pool] == ["2", "2"] and pool[0].solution.endswith("\\boxed{2}")
    with pytest.raises(XlingError, match="it has: de, en"):
        load_pool(path, "fr")
    path.write_text('{"id": "x"\n')
    with pytest.raises(XlingError, match="pool.jsonl:1"):
        load_pool(path, "en")


def test_unknown_pool_lists_known():
    with pytest.raises(XlingError, match="known: " + ", ".join(POOLS)):
        load_pool("nope", "en")


@pytest.mark.full_data("counts GSM8K's 7,473 training problems")
def test_gsm8k_pool(shared_data):
    pool = load_pool("gsm8k", "en")
    assert len(pool) == 7473
    first = pool[0]
    assert first.answer == "72" and "<<" not in first.solution and first.solution.endswith("\\boxed{72}.")
    assert all("," not in e.answer for e in pool)
    with pytest.raises(XlingError, match="it has: en"):
        load_pool("gsm8k", "de")


@pytest.mark.full_data("the MGSM8KInstruct question files (NJUNLP/QAlign) declare no licence, so they are not in tests/data/staged")
def test_mgsm8k_pool_is_parallel_with_joined_answers(shared_data):
    pool = load_pool("mgsm8k", "en,de,fr")
    by_lang = {lg: {e.parallel_id: e for e in pool if e.lang == lg} for lg in ("en", "de", "fr")}
    assert 7300 < len(by_lang["de"]) < 7464 and len(by_lang["fr"]) < 7464 - 300  # untranslated dropped
    de = by_lang["de"]["gsm8k-train-0"]
    assert de.answer == "72" and "Natalia" in de.question and de.question != by_lang["en"]["gsm8k-train-0"].question
    parallel = select(pool, ["en", "de", "fr"], "parallel", n=10, seed=0)
    assert len(parallel) == 30


def test_sandbox_pool():
    pool = load_pool("sandbox", "en,de")
    picked = select(pool, ["en", "de"], "parallel", n=8)
    assert len(picked) == 16 and all(e.solution and "\\boxed" in e.solution for e in picked)
