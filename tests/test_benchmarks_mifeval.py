"""M-IFEval (staged) and xIFEval (hub layout, written here) loaders, summary, and `xling eval`.

Run: pytest tests/test_benchmarks_mifeval.py -v
"""

import json
import os
import re
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


@pytest.mark.full_data("counts every M-IFEval prompt (MANIFEST.md)")
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
    assert mifeval.XIFEVAL.langs[:10] == STUDY_LANGS and mifeval.XIFEVAL.scorer == "ifeval"
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


def _summary_rows(examples, responses):
    """Eval rows as `xling eval` stores them (details and meta as JSON), each example scored by
    judge with its own meta."""
    rows = []
    for ex in examples:
        v = judge(responses[ex.id], ex.answer, ex.lang, scorer=mifeval.SCORER, meta=ex.meta)
        rows.append({"lang": ex.lang, "correct": v.correct, "details": json.dumps(v.details),
                     "meta": json.dumps(ex.meta)})
    return rows


def test_summary_headline_is_each_benchmarks_published_metric():
    follow = {"instructions": [{"id": "fr:x:y", "strict": True, "loose": True},
                               {"id": "fr:p:q", "strict": False, "loose": True}], "unknown": []}
    rows = [_row("fr", follow, ids=("fr:x:y", "fr:p:q"))]
    primary = mifeval.summarize(rows)["primary"]
    # M-IFEval publishes instruction-level strict accuracy (1 of 2 instructions), not prompt-level (0)
    assert primary == {"name": "instruction-level strict accuracy", "values": {"fr": 0.5}}
    assert mifeval.PAPER_METRIC == primary["name"]
    x = [_row("fr", {**follow, "rules": "xifeval"}, ids=("x:y", "p:q"))]
    assert mifeval.summarize(x)["primary"] == {"name": "prompt-level strict accuracy",
                                               "values": {"fr": 0.0}}
    assert mifeval.XIFEVAL.headline.label.startswith("prompt-level strict accuracy")
    assert mifeval.MIFEVAL.headline.label == primary["name"]
    assert "primary" not in mifeval.summarize(rows + x)  # two benchmarks, two headlines


# (lang, staged key, instruction, a response that follows it, one that does not): each
# per-language rule of M-IFEval on its own staged prompt, scored through the loader's meta
STAGED_RULES = [
    ("fr", 71, "fr:detectable_format:title", "##Liste facile##\nUne application.",
     "<<Liste facile>>\nUne application."),
    ("fr", 231, "fr:detectable_content:postscript", "Cher ami.\nP.-S. À bientôt.", "Cher ami. À bientôt."),
    ("es", 16, "es:startend:end_checker", "Primero, la idea.\nUn saludo.", "Un saludo. Primero, la idea."),
    ("es", 3, "es:detectable_format:number_bullet_lists", "* Causas\n* Efectos\n* Legado\n- Fin",
     "- Causas\n- Efectos\n- Legado"),
    ("es", 44, "es:detectable_format:constrained_response", "Sí.", "Mi respuesta es sí."),
    ("es", 11, "es:length_constraints:number_words", " ".join(["palabra"] * 120),
     " ".join(["palabra"] * 121)),
    ("es", 43, "es:detectable_content:postscript", "La nutrición importa.\nNota: duerme bien.",
     "La nutrición importa.\nP.D. Duerme bien."),
    ("es", 10, "es:special_character:enie", " ".join(["año"] * 9), " ".join(["año"] * 10)),
    ("ja", 93, "ja:startend:quotation", "「まず輪を作ります。」", '"まず輪を作ります。"'),
    ("ja", 13, "ja:detectable_format:number_bullet_lists",
     "・エッフェル塔\n・ルーブル美術館\n・モンサンミッシェル\n・ベルサイユ宮殿\n・凱旋門",
     "- エッフェル塔\n- ルーブル美術館\n- モンサンミッシェル\n- ベルサイユ宮殿\n- 凱旋門"),
    ("ja", 40, "ja:detectable_content:postscript", "猫が箱に入りました。\n追伸：かわいいです。",
     "猫が箱に入りました。かわいいです。"),
    ("ja", 77, "ja:detectable_format:title", "『昭和の巨人』\n田中角栄は。", "<<昭和の巨人>>\n田中角栄は。"),
    ("ja", 146, "ja:keywords:frequency", "大聖堂。大きな大聖堂。古い大聖堂。", "大聖堂。大きな大聖堂。"),
]


@pytest.mark.parametrize("lang, key, instruction, yes, no", STAGED_RULES,
                         ids=[f"{r[0]}-{r[1]}-{r[2].split(':')[-1]}" for r in STAGED_RULES])
def test_staged_prompts_are_checked_by_m_ifevals_rule_in_their_language(
        shared_data, lang, key, instruction, yes, no):
    example = next(ex for ex in load_benchmark("mifeval", [lang]) if ex.meta["key"] == key)
    assert instruction in example.meta["instruction_id_list"]

    def followed(text):
        v = judge(text, "", lang, scorer="ifeval", meta=example.meta)
        return next(i["strict"] for i in v.details["instructions"] if i["id"] == instruction)

    assert followed(yes) is True
    assert followed(no) is False


def test_staged_ja_keyword_janome_splits_is_a_counted_deliberate_difference(shared_data):
    """大聖堂 is 大 + 聖堂 in Janome: M-IFEval's token count is always 0, so its check can never
    pass; xling counts the keyword over whole tokens and marks the verdict as differing."""
    example = next(ex for ex in load_benchmark("mifeval", ["ja"]) if ex.meta["key"] == 146)
    text = "サグラダ・ファミリアは大聖堂です。ケルンの大聖堂。ミラノの大聖堂。"
    summary = mifeval.summarize(_summary_rows([example], {example.id: text}))["langs"]["ja"]
    assert summary["deliberate"] == {"ja:keywords:frequency": 1} and summary["n_deliberate"] == 1
    assert summary["by_instruction"]["ja:keywords:frequency"]["strict"] == 1.0


def _mgsm_answer(shared_data, lang):
    """The first MGSM exemplar answer in ``lang``: real step-by-step text."""
    exemplars = json.loads((shared_data / "mgsm" / "exemplars.json").read_text())
    return next(iter(exemplars["MGSM_EXEMPLARS"][lang].values()))["a"]


def _headed(answer):
    """The answer with its label on a line of its own and a blank line after it, as chat models
    write a heading: "逐步解答：\\n\\n罗杰…"."""
    label, rest = answer.split("：" if "：" in answer else ":", 1)
    return f"{label}{'：' if '：' in answer else ':'}\n\n{rest.strip()}"


def _authors_words(lang, text):
    """Words as BenchMAX counts them, through the same libraries (tasks/ifeval/instructions_util)."""
    if lang == "zh":
        from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh
        return len(TokenizerZh()(text.strip()).split())
    if lang == "ja":
        from sacrebleu.tokenizers.tokenizer_ja_mecab import TokenizerJaMecab
        return len(TokenizerJaMecab()(text.strip()).split())
    if lang in ("bn", "te"):
        return len(text.strip().split())
    return len(re.findall(r"\w+", text))  # nltk RegexpTokenizer(r"\w+")


# Sentences of the headed answers counted by hand as BenchMAX's regexes (zh, ja: the label line,
# the blank line, four 。 sentences; bn the same with ।) and PyThaiNLP crfcut (th)
HAND_SENTENCES = {"zh": 6, "ja": 6, "bn": 6}


def test_xifeval_counts_words_and_sentences_as_benchmax_on_real_text(tmp_path, shared_data):
    """Rows in xIFEval's layout (the staged IFEval prompts 1092 and 2266), answered with real
    MGSM answers in each language: a word count and a sentence count hold exactly at the
    authors' numbers, and the summary counts each instruction checked by an offline substitute."""
    from pythainlp.tokenize import sent_tokenize

    prompts = {json.loads(line)["key"]: json.loads(line)["prompt"] for line in
               (shared_data / "m-ifeval" / "en_input_data.jsonl").read_text().splitlines()}
    folder = tmp_path / "xifeval"
    folder.mkdir()
    responses, expected = {}, {}
    for lang in mifeval.XIFEVAL_LANGS:
        text = _headed(_mgsm_answer(shared_data, lang))
        words = _authors_words(lang, text)
        sentences = HAND_SENTENCES.get(lang) or (len(sent_tokenize(text)) if lang == "th" else 1)
        rows = [(1092, "length_constraints:number_words", "num_words", words),
                (2266, "length_constraints:number_sentences", "num_sentences", sentences)]
        with (folder / f"ifeval_{lang}.jsonl").open("w", encoding="utf-8") as fh:
            for key, instruction, arg, n in rows:
                fh.write(json.dumps({  # exactly n: at least n and less than n + 1
                    "key": key, "prompt": prompts[key], "instruction_id_list": [instruction] * 2,
                    "kwargs": [{arg: n, "relation": "at least"}, {arg: n + 1, "relation": "less than"}],
                    "lang": "zh-CN" if lang == "zh" else lang}, ensure_ascii=False) + "\n")
                responses[f"xifeval-{lang}-{key}"] = text
        expected[lang] = (words, sentences)
    examples = mifeval.load_xifeval(list(mifeval.XIFEVAL_LANGS), source=str(folder))
    summary = mifeval.summarize(_summary_rows(examples, responses))
    assert summary["primary"]["name"] == "prompt-level strict accuracy"
    substituted = {"th": {"length_constraints:number_words"}}
    for lang in ("en", "de", "es", "fr", "ru", "sw", "te"):  # NLTK Punkt English in BenchMAX
        substituted[lang] = {"length_constraints:number_sentences"}
    for ex in examples:
        v = judge(responses[ex.id], "", ex.lang, scorer="ifeval", meta=ex.meta)
        instruction = ex.meta["instruction_id_list"][0]
        if instruction not in substituted.get(ex.lang, ()):
            assert v.correct, (ex.lang, instruction, expected[ex.lang], v.details)
    for lang in mifeval.XIFEVAL_LANGS:
        got = summary["langs"][lang]
        assert set(got["substitutes"]) == substituted.get(lang, set()), lang
        assert got["n_substitute"] == 2 * len(substituted.get(lang, ())), lang
    assert set(summary["substitutes"]) == {"flores101-spm", "punkt-en"}


def test_ifeval_table_names_substituted_and_deliberate_counts(tmp_path):
    from xling.report.tables import ifeval_table

    th = {"rules": "xifeval", "instructions": [
        {"id": "length_constraints:number_words", "strict": True, "loose": True,
         "substitute": "flores101-spm"}], "unknown": []}
    ja = {"rules": "m-ifeval", "instructions": [
        {"id": "ja:keywords:frequency", "strict": True, "loose": True,
         "deliberate": "ja-keyword-tokens"}], "unknown": []}
    summary = mifeval.summarize([_row("th", th), _row("th", th), _row("ja", ja)])
    (tmp_path / "metrics.json").write_text(json.dumps({"benchmarks": {"x": {"summary": summary}}}))
    table = ifeval_table(tmp_path, "x")
    assert "offline substitute for the authors' counter: th 2_" in table
    assert "deliberate difference (docs/ifeval.md): ja 1_" in table


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
    # the headline is M-IFEval's published number, instruction-level strict, in the table title
    assert summary["primary"]["name"] == "instruction-level strict accuracy"
    assert summary["primary"]["values"] == {lang: m["inst_strict"]["value"]
                                            for lang, m in summary["langs"].items()}
    assert "mifeval: instruction-level strict accuracy (%)" in r.stdout
    assert all(m["rules"] == "m-ifeval" and m["n_substitute"] >= 0 for m in summary["langs"].values())
    # the top-level accuracy is prompt-level strict
    for lang in mifeval.LANGS:
        assert metrics["langs"][lang]["acc"]["value"] == summary["langs"][lang]["prompt_strict"]["value"]
    # the printed report shows the four accuracies per language
    assert "IFEval accuracies (%) [95% CI]" in r.stdout
    assert "| prompt strict | prompt loose | instruction strict | instruction loose |" in r.stdout
    for lang in mifeval.LANGS:
        m = summary["langs"][lang]
        assert f"| {lang} | {100 * m['prompt_strict']['value']:.1f} [" in r.stdout
