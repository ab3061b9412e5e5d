"""MGSM and GSM8K loaders on the staged files (../shared/data)."""

import pytest

from xling.data import BENCHMARKS, load_benchmark
from xling.languages import STUDY_LANGS
from xling.schema import XlingError


@pytest.mark.full_data("counts MGSM's 250 problems per language")
def test_mgsm_loads_all_ten_languages_parallel(shared_data):
    examples = load_benchmark("mgsm", list(STUDY_LANGS))
    assert len(examples) == 250 * 10
    by_pid: dict[str, set[str]] = {}
    for ex in examples:
        by_pid.setdefault(ex.parallel_id, set()).add(ex.answer)
    assert len(by_pid) == 250
    assert all(len(golds) == 1 for golds in by_pid.values())  # same gold in every language
    assert all("," not in ex.answer for ex in examples)
    de = [ex for ex in examples if ex.lang == "de"]
    assert de[201].answer == "114200" and de[0].answer == "18"


def test_mgsm_limit_keeps_same_problems_in_every_language(shared_data):
    examples = load_benchmark("mgsm", ["en", "bn"], limit=3)
    assert [ex.parallel_id for ex in examples] == ["mgsm-0", "mgsm-1", "mgsm-2"] * 2


@pytest.mark.full_data("the Spanish question with a literal quote is on line 215")
def test_mgsm_spanish_line_with_quote_loads(shared_data):
    es = load_benchmark("mgsm", ["es"])
    assert any('"' in ex.question for ex in es)


@pytest.mark.parametrize("langs, message", [
    (["xx"], "unknown language 'xx'; supported: en, zh"),
])
def test_unknown_language_lists_supported(shared_data, langs, message):
    with pytest.raises(XlingError, match=message):
        load_benchmark("mgsm", langs)


def test_malformed_mgsm_tsv_names_file_and_line(tmp_path):
    (tmp_path / "mgsm_de.tsv").write_text("Frage eins\t3\nFrage zwei ohne Antwort\n", encoding="utf-8")
    with pytest.raises(XlingError, match=r"mgsm_de\.tsv:2"):
        load_benchmark("mgsm", ["de"], source=str(tmp_path))


def test_unknown_benchmark_lists_known():
    with pytest.raises(XlingError, match="unknown benchmark 'mgsmm'; known: " + ", ".join(sorted(BENCHMARKS))):
        load_benchmark("mgsmm", ["en"])


@pytest.mark.full_data("parses all 1,319 GSM8K test answers")
def test_gsm8k_test_split_parses_final_answers(shared_data):
    examples = load_benchmark("gsm8k", ["en"])
    assert len(examples) == 1319
    assert all(ex.answer.lstrip("-").replace(".", "").isdigit() for ex in examples)
    assert all(ex.solution.endswith(f"\\boxed{{{ex.answer}}}.") for ex in examples)
    assert not any("<<" in ex.solution for ex in examples)
    with pytest.raises(XlingError, match="English only"):
        load_benchmark("gsm8k", ["de"])
