"""M-IFEval (staged) and xIFEval (hub layout, written here) loaders, summary, and `xling eval`.

Run: pytest tests/test_benchmarks_mifeval.py -v
"""

import json
import os
import subprocess
import sys

import pytest

from xling.data import load_benchmark
from xling.data.benchmarks import mifeval
from xling.data.io import read_parquet
from xling.languages import STUDY_LANGS
from xling.schema import XlingError
from xling.scoring import judge

STAGED_COUNTS = {"en": 541, "es": 115, "fr": 235, "ja": 172}  # MANIFEST.md


def test_staged_m_ifeval_loads_with_manifest_counts(shared_data):
    examples = load_benchmark("mifeval", list(mifeval.LANGS))
    counts = {lang: sum(ex.lang == lang for ex in examples) for lang in mifeval.LANGS}
    assert counts == STAGED_COUNTS
    assert len({ex.id for ex in examples}) == len(examples)
    for ex in examples:
        assert ex.answer == "" and ex.question.strip() and ex.source == "mifeval"
        assert set(ex.meta) == {"key", "instruction_id_list", "kwargs", "ifeval_rules"}
        assert ex.meta["ifeval_rules"] == "m-ifeval"  # scored by M-IFEval's rules
        assert len(ex.meta["kwargs"]) == len(ex.meta["instruction_id_list"])
        assert all(v is not None for kw in ex.meta["kwargs"] for v in kw.values())
    ja = [ex for ex in examples if ex.lang == "ja"]
    assert ja[0].meta["instruction_id_list"] == ["ja:language:response_language"]
    assert ja[0].meta["kwargs"] == [{"language": "fr"}]


def test_every_staged_row_scores_with_its_scorer(shared_data):
    for ex in load_benchmark("mifeval", list(mifeval.LANGS)):
        v = judge(ex.question, ex.answer, ex.lang, scorer=mifeval.SCORER, meta=ex.meta)
        assert v.reason == "ifeval" and not v.details["unknown"]


def test_limit_and_prompt_is_raw(shared_data):
    examples = load_benchmark("mifeval", ["fr", "ja"], limit=2)
    assert [ex.lang for ex in examples] == ["fr", "fr", "ja", "ja"]
    assert all(mifeval.build_prompt(ex, style) == ex.question
               for ex in examples for style in ("standard", "english", "consistency"))


def test_language_m_ifeval_lacks_points_to_xifeval(shared_data):
    with pytest.raises(XlingError, match="no 'zh' file.*--benchmark xifeval"):
        load_benchmark("mifeval", ["zh"])


def _write_xifeval(folder, langs, rows=2):
    folder.mkdir(parents=True, exist_ok=True)
    for lang in langs:
        with (folder / f"ifeval_{lang}.jsonl").open("w", encoding="utf-8") as fh:
            for key in range(rows):
                fh.write(json.dumps({
                    "key": 1000 + key, "prompt": f"[{lang}] Write without commas, prompt {key}.",
                    "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
                    "kwargs": [{"num_words": None}, {"num_words": 3, "relation": "at least"}],
                    "lang": "zh-CN" if lang == "zh" else lang,
                }, ensure_ascii=False) + "\n")
    return folder


def test_xifeval_folder_in_hub_layout_loads_parallel(tmp_path):
    folder = _write_xifeval(tmp_path / "xifeval", STUDY_LANGS)
    examples = mifeval.load_xifeval(list(STUDY_LANGS), source=str(folder))
    assert len(examples) == 2 * len(STUDY_LANGS)
    assert {ex.parallel_id for ex in examples} == {"xifeval-1000", "xifeval-1001"}
    assert all(ex.source == "xifeval" for ex in examples)
    assert examples[0].meta["kwargs"][0] == {}  # null kwargs dropped
    assert {ex.meta["ifeval_rules"] for ex in examples} == {"xifeval"}  # BenchMAX's rules
    assert mifeval.XIFEVAL.LANGS[:10] == STUDY_LANGS and mifeval.XIFEVAL.SCORER == "ifeval"
    # the mifeval name reads the same folder (either layout is accepted)
    assert len(mifeval.load(["th", "bn"], source=str(folder))) == 4
    # --langs all follows the source
    assert mifeval.langs_for(str(folder)) == mifeval.XIFEVAL.langs_for(str(folder))
    assert set(mifeval.langs_for(str(folder))) == set(STUDY_LANGS)
    assert mifeval.langs_for(None) == ("en", "es", "fr", "ja")
    assert "zh" in mifeval.XIFEVAL.langs_for(None)


def test_xifeval_hub_rejects_languages_it_does_not_have():
    with pytest.raises(XlingError, match="no 'xx'|unknown language 'xx'"):
        mifeval.load_xifeval(["xx"])


@pytest.mark.parametrize("line, message", [
    ({"key": 2, "prompt": "p", "instruction_id_list": ["a:b"], "kwargs": []}, "field 'kwargs'"),
    ({"key": 2, "prompt": " ", "instruction_id_list": ["a:b"], "kwargs": [{}]}, "field 'prompt'"),
    ({"key": 2, "prompt": "p", "instruction_id_list": "a:b", "kwargs": [{}]},
     "field 'instruction_id_list'"),
    ({"key": 2, "prompt": "p", "kwargs": [{}]}, "missing key"),
])
def test_malformed_row_names_file_line_and_field(tmp_path, line, message):
    good = {"key": 1, "prompt": "p", "instruction_id_list": ["a:b"], "kwargs": [{}]}
    path = tmp_path / "es_input_data.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(XlingError, match=rf"es_input_data\.jsonl:3.*{message}"):
        mifeval.load(["es"], source=str(tmp_path))


def _row(lang, details=None, ids=("a:b",)):
    return {"lang": lang, "details": json.dumps(details) if details else None,
            "meta": json.dumps({"key": 1, "instruction_id_list": list(ids),
                                "kwargs": [{} for _ in ids]})}


def test_summarize_four_accuracies_per_language_and_unknown_ids():
    follow = {"instructions": [{"id": "en:x:y", "strict": True, "loose": True},
                               {"id": "en:p:q", "strict": False, "loose": True}], "unknown": []}
    unknown = {"instructions": [{"id": "en:x:y", "strict": True, "loose": True},
                                {"id": "en:made:up", "strict": False, "loose": False}],
               "unknown": ["en:made:up"]}
    rows = [_row("en", follow), _row("en", unknown),
            _row("en", None, ids=("en:punctuation:no_comma", "en:made:up")),  # generation error
            _row("fr", {"instructions": [{"id": "fr:x:y", "strict": True, "loose": True}],
                        "unknown": []})]
    summary = mifeval.summarize(rows)
    en = summary["langs"]["en"]
    assert en["n_prompts"] == 3
    assert en["prompt_strict"]["value"] == 0.0 and en["prompt_loose"]["value"] == pytest.approx(1 / 3)
    assert en["inst_strict"]["value"] == pytest.approx(2 / 6)
    assert en["inst_loose"]["value"] == pytest.approx(3 / 6)
    lo, hi = en["inst_strict"]["ci95"]
    assert 0 < lo < 2 / 6 < hi < 1 and en["inst_strict"]["n"] == 6
    assert summary["langs"]["fr"]["prompt_strict"]["value"] == 1.0
    assert summary["unknown_instructions"] == {"en:made:up": 2}


def xling(*args):
    return subprocess.run([sys.executable, "-m", "xling.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})


def test_xling_eval_mifeval_all_languages_end_to_end(tiny_model, tmp_path):
    out = tmp_path / "run"
    r = xling("eval", "--model", tiny_model, "--benchmark", "mifeval", "--langs", "all",
              "--limit", "2", "--max-new-tokens", "8", "--out", out)
    assert r.returncode == 0, r.stderr
    rows = read_parquet(out / "eval" / "mifeval.parquet")
    assert sorted({row["lang"] for row in rows}) == sorted(mifeval.LANGS) and len(rows) == 8
    assert not any("\\boxed" in row["prompt"] for row in rows)  # the raw instruction prompt
    metrics = json.loads((out / "metrics.json").read_text())["benchmarks"]["mifeval"]
    summary = metrics["summary"]
    assert set(summary["langs"]) == set(mifeval.LANGS)
    for m in summary["langs"].values():
        for key in ("prompt_strict", "prompt_loose", "inst_strict", "inst_loose"):
            assert 0.0 <= m[key]["value"] <= 1.0 and m[key]["n"] > 0
        assert m["n_prompts"] == 2
    # the summary is exactly recomputable from the stored rows
    assert summary == json.loads(json.dumps(mifeval.summarize(rows)))
    # the top-level accuracy is prompt-level strict
    for lang in mifeval.LANGS:
        assert metrics["langs"][lang]["acc"]["value"] == summary["langs"][lang]["prompt_strict"]["value"]
    # the printed report shows the four accuracies per language
    assert "IFEval accuracies (%) [95% CI]" in r.stdout
    assert "| prompt strict | prompt loose | instruction strict | instruction loose |" in r.stdout
    for lang in mifeval.LANGS:
        m = summary["langs"][lang]
        assert f"| {lang} | {100 * m['prompt_strict']['value']:.1f} [" in r.stdout
