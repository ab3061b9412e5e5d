"""Multiple-choice benchmarks: MMLU-ProX-Lite, MGPQA, GPQA-Diamond, mLogiQA.

Run: pytest tests/test_benchmarks_choice.py -v
Staged files (../shared/data) are read as they are; hub-only layouts are written by the tests.
GPQA questions are never written anywhere: the GPQA tests use synthetic rows in GPQA's layout.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import zipfile
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from xling.data import get_benchmark, load_benchmark
from xling.data.benchmarks import gpqa_diamond, mgpqa, mmlu_prox_lite
from xling.languages import LANGUAGES, PROMPT_STYLES, STUDY_LANGS, build_prompt
from xling.schema import XlingError

# ---- MMLU-ProX-Lite on the staged files --------------------------------------------------------


@pytest.fixture(scope="module")
def prox(shared_data):
    """All 10 staged languages, test split (5,880 Examples)."""
    return load_benchmark("mmlu-prox-lite", list(STUDY_LANGS))


def _by_lang(examples):
    out: dict[str, list] = {}
    for ex in examples:
        out.setdefault(ex.lang, []).append(ex)
    return out


@pytest.mark.full_data("counts MMLU-ProX-Lite's 588 test rows per language")
def test_prox_counts_and_parallel_answers(prox):
    by_lang = _by_lang(prox)
    assert {lang: len(rows) for lang, rows in by_lang.items()} == {lang: 588 for lang in STUDY_LANGS}
    golds: dict[str, set[tuple[str, int]]] = {}
    for ex in prox:
        golds.setdefault(ex.parallel_id, set()).add((ex.answer, len(ex.choices)))
    assert len(golds) == 588 and all(len(g) == 1 for g in golds.values())
    letters = Counter(ex.answer for ex in by_lang["en"])
    assert set(letters) == set("ABCDEFGHIJ")  # MANIFEST: answers spread over all ten
    counts = Counter(len(ex.choices) for ex in by_lang["en"])
    assert counts[10] == 485 and min(counts) == 4  # MANIFEST: 10 options on 485 rows, others 4-9
    assert all(ex.answer in "ABCDEFGHIJ"[:len(ex.choices)] for ex in prox)


@pytest.mark.full_data("counts the 70 validation rows per language")
def test_prox_validation_split(shared_data):
    assert len(mmlu_prox_lite.load(["en", "sw"], split="validation")) == 2 * 70


@pytest.mark.parametrize("row, n_options, first_option", [
    (374, 10, "P is neither invertible"),   # question holds '\nI. P is invertible.'
    (497, 10, "III only"),
    (502, 4, "I only"),                     # 5 markers for 4 options
])
@pytest.mark.full_data("the rows with a marker inside the question are 374, 497 and 502")
def test_prox_tsv_options_split_at_the_last_marker_run(prox, row, n_options, first_option):
    by_lang = _by_lang(prox)
    en = by_lang["en"][row]
    assert len(en.choices) == n_options and en.choices[0].startswith(first_option)
    assert "II." in en.question and "III." in en.question  # the roman-numeral statements stay
    for lang in STUDY_LANGS:
        ex = by_lang[lang][row]
        assert len(ex.choices) == n_options, lang
        assert not any(c.startswith(("I. ", "II. ", "III. ")) for c in ex.choices), lang
        assert "\\n" not in ex.question and all("\\n" not in c for c in ex.choices), lang


@pytest.mark.full_data("compares all 588 English rows and their categories")
def test_prox_english_tsv_agrees_with_original_arrow(prox, shared_data):
    with pa.memory_map(str(next((shared_data / "mmlu-prox-lite" / "en-arrow-jphme").glob("*.arrow")))) as src:
        arrow = pa.ipc.open_stream(src).read_all().to_pylist()

    def norm(text: str) -> str:  # the arrow holds \r and \t where the TSV kept '\r', '\t' literally
        return " ".join(text.replace("\r", "\\r").replace("\t", "\\t").split())

    en = _by_lang(prox)["en"]
    assert len(arrow) == len(en) == 588
    for ex, row in zip(en, arrow, strict=True):
        options = [row[f"option_{k}"] for k in range(10) if row[f"option_{k}"] is not None]
        assert ex.answer == row["answer"], ex.id
        assert norm(ex.question) == norm(row["question"]), ex.id
        assert [norm(c) for c in ex.choices] == [norm(o) for o in options], ex.id
    categories = Counter(ex.meta["category"] for ex in en)
    assert (categories["math"], categories["physics"], categories["history"]) == (68, 65, 19)
    assert [ex.meta["category"] for ex in _by_lang(prox)["th"]] == [ex.meta["category"] for ex in en]


def test_prox_limit_keeps_the_same_rows(shared_data):
    examples = load_benchmark("mmlu-prox-lite", ["en", "bn"], limit=3)
    assert [ex.parallel_id for ex in examples] == [f"mmlu-prox-lite-{i}" for i in range(3)] * 2


def _hub_row(i: int, lang: str, n: int = 10, answer_index: int = 2, **extra) -> dict:
    row = {"question_id": 70 + i, "question": f"Q{i} ({lang})?", "answer": "ABCDEFGHIJ"[answer_index],
           "answer_index": answer_index, "cot_content": "", "category": "physics", "src": "x"}
    row |= {f"option_{k}": (f"opt {k} {lang}" if k < n else None) for k in range(10)}
    return row | extra


def test_prox_hub_layout_parquet_and_jsonl(tmp_path):
    en = [_hub_row(0, "en"), _hub_row(1, "en", n=4, answer_index=3)]
    gap = _hub_row(2, "en", n=6, answer_index=4) | {"option_1": None}  # a hole: reletter A-E
    pq.write_table(pa.Table.from_pylist(en + [gap]), tmp_path / "test-00000-of-00001.parquet")
    (tmp_path / "en").mkdir()
    (tmp_path / "test-00000-of-00001.parquet").rename(tmp_path / "en" / "test-00000-of-00001.parquet")
    (tmp_path / "de").mkdir()
    de = [_hub_row(0, "de"), _hub_row(1, "de", n=4, answer_index=3),
          _hub_row(2, "de", n=6, answer_index=4) | {"option_1": None}]
    (tmp_path / "de" / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in de))
    examples = load_benchmark("mmlu-prox-lite", ["en", "de"], source=str(tmp_path))
    assert [(ex.lang, ex.answer, len(ex.choices)) for ex in examples] == [
        ("en", "C", 10), ("en", "D", 4), ("en", "D", 5), ("de", "C", 10), ("de", "D", 4), ("de", "D", 5)]
    assert examples[2].choices == ("opt 0 en", "opt 2 en", "opt 3 en", "opt 4 en", "opt 5 en")
    assert examples[2].choices[3] == "opt 4 en"  # answer_index 4 -> letter D after the hole
    assert examples[0].meta == {"category": "physics", "question_id": 70, "src": "x"}


@pytest.mark.parametrize("row, message", [
    (_hub_row(0, "en") | {"option_2": None}, r"test\.jsonl line 1: field 'answer_index' = 2 is not a present option"),
    (_hub_row(0, "en") | {"answer": "B"}, r"line 1: field 'answer' = 'B' disagrees"),
    ({k: v for k, v in _hub_row(0, "en").items() if k != "question"}, r"line 1: field 'question'"),
])
def test_prox_bad_hub_rows_name_file_row_and_field(tmp_path, row, message):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "test.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(XlingError, match=message):
        mmlu_prox_lite.load(["en"], source=str(tmp_path))


@pytest.mark.parametrize("text, message", [
    ("Q?\\nA. x\\nB. y\tB\textra\n", r"test\.tsv:2: expected 2 tab-separated columns"),
    ("Q?\\nA. x\\nB. y\tC\n", r"test\.tsv:2: field 'answer' must be a letter A-B"),
    ("Q? A. x B. y\tA\n", r"test\.tsv:2: no option list"),
])
def test_prox_bad_tsv_names_file_and_line(tmp_path, text, message):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "test.tsv").write_text('"Fine ""quoted"" Q?\\nA. x\\nB. y"\tA\n' + text)
    with pytest.raises(XlingError, match=message):
        mmlu_prox_lite.load(["en"], source=str(tmp_path))


def test_prox_languages_not_parallel(tmp_path):
    for lang, gold in (("en", "A"), ("de", "B")):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "test.tsv").write_text(f"Q?\\nA. x\\nB. y\tA\nQ2?\\nA. x\\nB. y\t{gold}\n")
    with pytest.raises(XlingError, match=r"de/test\.tsv:2: answer B .* not parallel"):
        mmlu_prox_lite.load(["en", "de"], source=str(tmp_path))
    assert mmlu_prox_lite.load(["en"], source=str(tmp_path))[0].question == "Q?"


def test_prox_unknown_and_missing_languages(shared_data, tmp_path):
    with pytest.raises(XlingError, match="unknown language 'xx'"):
        load_benchmark("mmlu-prox-lite", ["xx"])
    with pytest.raises(XlingError, match=r"file not found: .*te/test\.tsv"):
        load_benchmark("mmlu-prox-lite", ["te"])  # the hub has te; the staged TSVs do not


# ---- MGPQA: synthetic rows in BenchMAX_Science's layout ------------------------------------------

N_GPQA = 40


def _gpqa_row(i: int, lang: str, **extra) -> dict:
    """A synthetic GPQA-layout row (never real GPQA text)."""
    return {"Question": f"Synthetic question {i} [{lang}]", "Correct Answer": f"right {i} [{lang}]",
            "Incorrect Answer 1": f"wrong {i}.1 [{lang}]", "Incorrect Answer 2": f"wrong {i}.2 [{lang}]",
            "Incorrect Answer 3": f"wrong {i}.3 [{lang}]", "Record ID": f"rec{i:03d}", **extra}


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def benchmax(tmp_path) -> Path:
    for lang in ("en", "de", "zh"):
        _write_jsonl(tmp_path / f"gpqa_{lang}.jsonl",
                     [_gpqa_row(i, lang, is_diamond=i % 3 == 0) for i in range(N_GPQA)])
    return tmp_path


def _option_roles(ex) -> list[str]:
    """'right' / 'wrong.2' ... per displayed position (item number and language tag removed)."""
    return [re.sub(r" \d+", "", c.rsplit(" [", 1)[0]) for c in ex.choices]


def test_mgpqa_same_permutation_in_every_language(benchmax):
    examples = load_benchmark("mgpqa", ["en", "de", "zh"], source=str(benchmax))
    assert len(examples) == 3 * N_GPQA
    by_pid: dict[str, list] = {}
    for ex in examples:
        by_pid.setdefault(ex.parallel_id, []).append(ex)
        assert ex.choices["ABCD".index(ex.answer)] == f"right {ex.parallel_id.split('-')[1]} [{ex.lang}]"
    for group in by_pid.values():
        assert len({ex.answer for ex in group}) == 1
        assert len({tuple(_option_roles(ex)) for ex in group}) == 1  # same order of the same options
    assert len({ex.answer for ex in examples}) == 4  # 40 items: the gold is not always one letter
    assert examples[0].meta["Record ID"] == "rec000"


def test_mgpqa_order_is_deterministic_and_seeded(benchmax):
    first = load_benchmark("mgpqa", ["de"], source=str(benchmax))
    again = load_benchmark("mgpqa", ["de"], source=str(benchmax))
    assert [ex.choices for ex in first] == [ex.choices for ex in again]
    other = mgpqa.load(["de"], source=str(benchmax), seed=1)
    assert [ex.choices for ex in other] != [ex.choices for ex in first]
    assert mgpqa.permutation("mgpqa-7", 4) == mgpqa.permutation("mgpqa-7", 4, seed=0)


def test_mgpqa_diamond_by_id_list_and_by_flag(benchmax, tmp_path):
    ids = tmp_path / "diamond.txt"
    ids.write_text("# GPQA Record IDs\nrec003\n\nrec010\nrec011\n")
    examples = mgpqa.load(["en", "zh"], source=str(benchmax), diamond=ids)
    assert [ex.parallel_id for ex in examples] == ["mgpqa-3", "mgpqa-10", "mgpqa-11"] * 2
    full = {ex.parallel_id: ex for ex in mgpqa.load(["en"], source=str(benchmax))}
    assert all(ex.choices == full[ex.parallel_id].choices for ex in examples if ex.lang == "en")
    flagged = mgpqa.load(["de"], source=str(benchmax), diamond=True, limit=2)
    assert [ex.parallel_id for ex in flagged] == ["mgpqa-0", "mgpqa-3"]
    ids.write_text("rec003\nrec999\n")
    with pytest.raises(XlingError, match="1 listed id.*'rec999'"):
        mgpqa.load(["en"], source=str(benchmax), diamond=ids)


@pytest.mark.parametrize("mutate, message", [
    (lambda rows: rows[:-1], r"gpqa_de\.jsonl: 39 rows .* must be parallel"),
    (lambda rows: rows[:4] + [{**rows[4], "Correct Answer": " "}] + rows[5:],
     r"gpqa_de\.jsonl line 5: field 'Correct Answer' is missing or empty"),
    (lambda rows: [{k: v for k, v in r.items() if k != "is_diamond"} for r in rows], None),
])
def test_mgpqa_bad_input(benchmax, mutate, message):
    rows = [json.loads(line) for line in (benchmax / "gpqa_de.jsonl").read_text().splitlines()]
    _write_jsonl(benchmax / "gpqa_de.jsonl", mutate(rows))
    if message is None:  # no flag: diamond=True cannot select
        with pytest.raises(XlingError, match=r"gpqa_de\.jsonl line 1: field 'is_diamond' is missing"):
            mgpqa.load(["de"], source=str(benchmax), diamond=True)
        return
    with pytest.raises(XlingError, match=message):
        mgpqa.load(["en", "de"], source=str(benchmax))


def test_mgpqa_languages_and_missing_file(benchmax):
    with pytest.raises(XlingError, match="MGPQA has no language 'ko'|unknown language 'ko'"):
        load_benchmark("mgpqa", ["ko"], source=str(benchmax))
    with pytest.raises(XlingError, match=r"file not found: .*gpqa_fr\.jsonl"):
        load_benchmark("mgpqa", ["fr"], source=str(benchmax))


# ---- GPQA-Diamond: synthetic CSV in the hub file layout + translated jsonl -----------------------

def _diamond_folder(tmp_path: Path, n: int = 12) -> Path:
    folder = tmp_path / "gpqa"
    folder.mkdir()
    fields = ["Pre-Revision Question", *mgpqa.GPQA_FIELDS, "Record ID", "High-level domain"]
    with (folder / "gpqa_diamond.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for i in range(n):
            row = _gpqa_row(i, "en") | {"Pre-Revision Question": "x", "High-level domain": "Physics"}
            row["Question"] += ',\nwith a "quoted" second line'
            writer.writerow(row)
    return folder


def _translate(folder: Path, lang: str, skip: int | None = None) -> Path:
    """What xling's translation writes: the English Examples' order, ids and golds, new text."""
    rows = [{"id": ex.parallel_id, "lang": lang, "question": ex.question.replace("[en]", f"[{lang}]"),
             "answer": ex.answer, "choices": [c.replace("[en]", f"[{lang}]") for c in ex.choices]}
            for k, ex in enumerate(gpqa_diamond.load(["en"], source=str(folder))) if k != skip]
    return _write_jsonl(folder / f"{lang}.jsonl", rows)


def test_gpqa_diamond_english_csv_and_translations(tmp_path):
    folder = _diamond_folder(tmp_path)
    _translate(folder, "de")
    _translate(folder, "te")
    examples = load_benchmark("gpqa-diamond", ["en", "de", "te"], source=str(folder))
    by_lang = _by_lang(examples)
    assert [len(by_lang[lang]) for lang in ("en", "de", "te")] == [12, 12, 12]
    assert by_lang["en"][0].question == 'Synthetic question 0 [en],\nwith a "quoted" second line'
    for en, de, te in zip(by_lang["en"], by_lang["de"], by_lang["te"], strict=True):
        assert en.parallel_id == de.parallel_id == te.parallel_id
        assert en.parallel_id.startswith("gpqa-diamond-rec")
        assert en.answer == de.answer == te.answer
        assert de.choices["ABCD".index(de.answer)].startswith("right ")
    # the English order is the same seeded rule as mgpqa's (keyed by the parallel id)
    ex = by_lang["en"][5]
    order = mgpqa.permutation(ex.parallel_id, 4)
    assert ex.answer == "ABCD"[order.index(0)]
    assert len({ex.answer for ex in by_lang["en"]}) > 1
    assert [ex.parallel_id for ex in load_benchmark("gpqa-diamond", ["de", "en"], source=str(folder),
                                                    limit=2)] == [ex.parallel_id for ex in by_lang["en"][:2]] * 2


def test_gpqa_diamond_items_missing_in_a_language_are_left_out_everywhere(tmp_path, caplog):
    folder = _diamond_folder(tmp_path)
    _translate(folder, "de", skip=3)
    with caplog.at_level(logging.WARNING):
        examples = gpqa_diamond.load(["en", "de"], source=str(folder))
    assert len(examples) == 2 * 11 and "gpqa-diamond-rec003" not in {ex.parallel_id for ex in examples}
    assert "11 items are in every language (en 12, de 11)" in caplog.text


def test_gpqa_diamond_bad_input(tmp_path):
    folder = _diamond_folder(tmp_path)
    path = _translate(folder, "de")
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[2]["answer"] = "ABCD"[("ABCD".index(rows[2]["answer"]) + 1) % 4]
    _write_jsonl(path, rows)
    with pytest.raises(XlingError, match=r"de\.jsonl:3: answer .* same order in every language"):
        gpqa_diamond.load(["en", "de"], source=str(folder))
    rows[2]["answer"] = "E"
    _write_jsonl(path, rows)
    with pytest.raises(XlingError, match=r"de\.jsonl:3: field 'answer' must be a letter of the 4 choices"):
        gpqa_diamond.load(["de"], source=str(folder))
    with pytest.raises(XlingError, match=r"file not found: .*fr\.jsonl"):
        gpqa_diamond.load(["fr"], source=str(folder))
    with pytest.raises(XlingError, match="English only"):
        gpqa_diamond.load(["de"])  # no folder: refused before any hub access
    (folder / "gpqa_diamond.csv").write_text("Question,Correct Answer\nq,a\n")
    with pytest.raises(XlingError, match=r"gpqa_diamond\.csv:1: missing column\(s\) 'Incorrect Answer 1'"):
        gpqa_diamond.load(["en"], source=str(folder))


# ---- mLogiQA: the staged en/zh repack and the P-MMEval hub layout --------------------------------

@pytest.mark.full_data("counts the 80 rows per language")
def test_mlogiqa_staged_en_zh(shared_data):
    examples = load_benchmark("mlogiqa", ["en", "zh"])
    by_lang = _by_lang(examples)
    assert [len(by_lang["en"]), len(by_lang["zh"])] == [80, 80]
    assert [ex.answer for ex in by_lang["en"]] == [ex.answer for ex in by_lang["zh"]]
    assert Counter(ex.answer for ex in by_lang["en"]) == {"A": 20, "B": 20, "C": 20, "D": 20}
    with zipfile.ZipFile(shared_data / "mlogiqa" / "zh" / "mlogiqa.zip") as zf:
        raw = pq.read_table(io.BytesIO(zf.read("data/test/all_test.parquet"))).to_pylist()
    for ex, row in zip(by_lang["zh"], raw, strict=True):
        assert ex.question == f"{row['context'].strip()}\n{row['question'].strip()}"
        assert ex.choices == tuple(row[k].strip() for k in "ABCD") and ex.answer == row["answer"]


def _pmmeval_row(i: int, lang: str, answer) -> dict:
    return {"context": f"Passage {i} [{lang}]", "question": f"Which one? [{lang}]",
            **{f"option_{k}": f"option {k} [{lang}]" for k in range(1, 5)}, "answer": answer}


def test_mlogiqa_hub_layout(tmp_path):
    folder = tmp_path / "mlogiqa" / "test"
    folder.mkdir(parents=True)
    for lang in ("es", "th"):
        _write_jsonl(folder / f"{lang}.jsonl", [_pmmeval_row(0, lang, 2), _pmmeval_row(1, lang, "0"),
                                               _pmmeval_row(2, lang, "D")])
    examples = load_benchmark("mlogiqa", ["es", "th"], source=str(tmp_path))
    assert [ex.answer for ex in examples] == ["C", "A", "D"] * 2
    assert examples[0].question == "Passage 0 [es]\nWhich one? [es]"
    assert examples[0].choices == tuple(f"option {k} [es]" for k in range(1, 5))
    _write_jsonl(folder / "th.jsonl", [_pmmeval_row(0, "th", 2), _pmmeval_row(1, "th", 4)])
    with pytest.raises(XlingError, match=r"th\.jsonl:2: field 'answer' must be an option index 0-3"):
        load_benchmark("mlogiqa", ["th"], source=str(tmp_path))
    _write_jsonl(folder / "th.jsonl", [_pmmeval_row(0, "th", 2), _pmmeval_row(1, "th", 1),
                                      _pmmeval_row(2, "th", "D")])
    with pytest.raises(XlingError, match=r"th\.jsonl row 2: answer B, but .*es\.jsonl has A"):
        load_benchmark("mlogiqa", ["es", "th"], source=str(tmp_path))
    with pytest.raises(XlingError, match="mLogiQA has no language 'de'"):
        load_benchmark("mlogiqa", ["de"], source=str(tmp_path))


# ---- prompts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_choice_prompt_in_the_questions_language(lang):
    texts, language = LANGUAGES[lang].choice, LANGUAGES[lang]
    prompt = build_prompt("Q?", lang, choices=["x", "y", "z"])
    assert prompt == f"Q?\n{texts.options_label}\nA. x\nB. y\nC. z\n{texts.instruction}"
    assert "\\boxed{}" in texts.instruction and texts.instruction != language.instruction
    english = build_prompt("Q?", lang, "english", choices=["x", "y"])
    assert english.endswith(LANGUAGES["en"].choice.instruction)
    consistency = build_prompt("Q?", lang, "consistency", choices=["x", "y"])
    assert consistency.endswith(f"{texts.instruction} {language.consistency}")
    for style in PROMPT_STYLES:  # without options: exactly the study-A prompt, as before
        instruction = {"standard": language.instruction, "english": LANGUAGES["en"].instruction,
                       "consistency": f"{language.instruction} {language.consistency}",
                       # the same user turn; the thinking block is opened by evaluation.run
                       "think-prefill": f"{language.instruction} {language.consistency}"}[style]
        assert build_prompt("Q?", lang, style) == f"Q?\n{instruction}"
    with pytest.raises(XlingError, match="at most 10"):
        build_prompt("Q?", lang, choices=[str(k) for k in range(11)])


# ---- end to end: generate, score, write rows ----------------------------------------------------

def _e2e_source(name: str, tmp_path: Path) -> tuple[str | None, list[str]]:
    tmp_path.mkdir()
    if name == "mgpqa":
        for lang in ("en", "de"):
            _write_jsonl(tmp_path / f"gpqa_{lang}.jsonl", [_gpqa_row(i, lang) for i in range(3)])
        return str(tmp_path), ["en", "de"]
    if name == "gpqa-diamond":
        folder = _diamond_folder(tmp_path, n=3)
        _translate(folder, "de")
        return str(folder), ["en", "de"]
    return None, ["en", "zh"]


@pytest.mark.parametrize("name", ["mmlu-prox-lite", "mgpqa", "gpqa-diamond", "mlogiqa"])
def test_run_eval_end_to_end(name, tmp_path, tiny_model, shared_data):
    from xling.data.io import read_parquet
    from xling.evaluation.run import run_eval
    from xling.evaluation.settings import EvalConfig
    from xling.store import RunDir

    source, langs = _e2e_source(name, tmp_path / "data")
    cfg = EvalConfig(model=str(tiny_model), benchmark=name, source=source, limit=2,
                     max_new_tokens=8)
    result = run_eval(cfg, langs, tmp_path / "run")
    rows = read_parquet(RunDir(tmp_path / "run").eval_file(name))
    assert len(rows) == 4 and result["n_samples"] == 4
    assert {r["lang"] for r in rows} == set(langs)
    assert all(r["gold"] in "ABCDEFGHIJ" for r in rows)
    assert all(r["reason"] in {"boxed", "answer-phrase", "parenthesized", "bare-letter", "ambiguous",
                               "no-answer", "boxed-option-text", "answer-phrase-option-text",
                               "option-line", "leading-option", "option-reference"}
               for r in rows)
    for r in rows:
        assert LANGUAGES[r["lang"]].choice.options_label in r["prompt"]
        assert r["prompt"].endswith(LANGUAGES[r["lang"]].choice.instruction)
    assert result["headline"] == get_benchmark(name).headline.to_dict()


def test_mgpqa_diamond_registry_entry_selects_flagged_rows(benchmax):
    examples = load_benchmark("mgpqa-diamond", ["en", "de"], source=str(benchmax))
    assert {ex.parallel_id for ex in examples} == {f"mgpqa-diamond-{i}" for i in range(0, N_GPQA, 3)}
    from xling.data import get_benchmark

    assert get_benchmark("mgpqa-diamond").headline.avg_langs == ("en", "zh", "de")


def _ellamind_folder(tmp_path: Path, n: int = 9, flagged: dict[str, set[int]] | None = None) -> Path:
    """A local copy in ellamind/gpqa-multilingual's layout (<config>/train-*.parquet), with
    synthetic rows (never GPQA text): every third row Diamond."""
    from xling.data.io import write_parquet

    folder = tmp_path / "gpqa-multilingual"
    for lang, config in {"de": "deu", "fr": "fra", "es": "spa"}.items():
        rows = [{"question": f"[{lang}] synthetic question {i}?", "correct_answer": f"right {i}",
                 "incorrect_answers": [f"wrong {i}a", f"wrong {i}b", f"wrong {i}c"],
                 "is_diamond": i % 3 == 0,
                 "flag_for_review": i in (flagged or {}).get(lang, set()),
                 "explanation": "synthetic"} for i in range(n)]
        write_parquet(folder / config / "train-00000-of-00001.parquet", rows)
    return folder


def test_mgpqa_diamond_reads_the_ellamind_layout_and_drops_flagged_items(tmp_path, caplog):
    from xling.data import get_benchmark

    folder = _ellamind_folder(tmp_path, flagged={"fr": {3}})
    bench = get_benchmark("mgpqa-diamond")
    assert bench.available_langs(str(folder)) == ("de", "es", "fr")
    assert bench.available_langs(None) == ("de", "es", "fr")  # the hub copy has no en, zh, ...
    with caplog.at_level("INFO"):
        examples = load_benchmark("mgpqa-diamond", ["de", "fr"], source=str(folder))
    # Diamond rows 0, 3, 6; row 3 is flagged for review in French, so it is left out everywhere.
    assert sorted({ex.parallel_id for ex in examples}) == ["mgpqa-diamond-0", "mgpqa-diamond-6"]
    assert "flagged for review" in caplog.text
    by_lang = {(ex.lang, ex.parallel_id): ex for ex in examples}
    for pid in ("mgpqa-diamond-0", "mgpqa-diamond-6"):
        de, fr = by_lang["de", pid], by_lang["fr", pid]
        assert de.answer == fr.answer  # one option order per item, in every language
        assert de.choices[ord(de.answer) - 65].startswith("right")
    with pytest.raises(XlingError, match="has no language 'en'.*English and Chinese are not in it"):
        load_benchmark("mgpqa-diamond", ["en"], source=str(folder))


def test_langs_all_follows_the_source_folder(benchmax, tmp_path):
    from xling.data import get_benchmark

    assert get_benchmark("mgpqa").resolve_langs("all", str(benchmax)) == ["en", "zh", "de"]
    assert len(get_benchmark("mgpqa").resolve_langs("all", None)) == 10  # the hub's
    folder = _diamond_folder(tmp_path)
    gpqa = get_benchmark("gpqa-diamond")
    assert gpqa.resolve_langs("all", str(folder)) == ["en"]
    _translate(folder, "de")
    _translate(folder, "te")
    assert gpqa.resolve_langs("all", str(folder)) == ["en", "de"]
    assert gpqa.resolve_langs("all,te", str(folder)) == ["en", "de", "te"]
    assert gpqa.resolve_langs("all", None) == ["en"]
    # the filter a study's evaluation and probes apply to its languages (the rest are n/a)
    assert gpqa.split_langs(["zh", "de", "en"], str(folder)) == (["de", "en"], ["zh"])
    assert gpqa.split_langs(["zh", "de", "en"], None) == (["en"], ["zh", "de"])
    examples = load_benchmark("gpqa-diamond", gpqa.resolve_langs("all", str(folder)),
                              source=str(folder))
    assert {ex.lang for ex in examples} == {"en", "de"}
