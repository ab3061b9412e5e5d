"""Math benchmark loaders (mmath, mmath500, maime2024, polymath, math500, aime2024, aime2025).

Counts are MANIFEST.md's; everything else is computed from the staged rows or from small files
the tests write in the hub / translated layouts.
Run: pytest tests/test_benchmarks_math.py -v
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict

import pytest

from xling.data import get_benchmark, load_benchmark
from xling.schema import Example, XlingError

MMATH_LANGS = ["en", "zh", "es", "fr", "ja", "th"]
POLYMATH_LANGS = ["en", "zh", "de", "es", "fr", "ja", "ru", "th", "sw", "bn", "te"]
NO_MMATH = pytest.mark.full_data("reads MMATH's staged files (MMATH declares no licence, so it is "
                                 "not in tests/data/staged)")


def by_lang(examples: list[Example]) -> dict[str, list[Example]]:
    out: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        out[ex.lang].append(ex)
    return out


def assert_parallel(examples: list[Example], same_gold: bool = True) -> None:
    """Same parallel ids in the same order in every language, unique ids, (same golds)."""
    groups = by_lang(examples)
    orders = {lang: [ex.parallel_id for ex in exs] for lang, exs in groups.items()}
    first = next(iter(orders.values()))
    assert all(order == first for order in orders.values())
    assert len({ex.id for ex in examples}) == len(examples)
    if same_gold:
        golds = defaultdict(set)
        for ex in examples:
            golds[ex.parallel_id].add(ex.answer)
        assert all(len(g) == 1 for g in golds.values())


# ---- counts and alignment on the staged rows --------------------------------------------------

@pytest.mark.parametrize("name, langs, per_lang", [
    ("mmath", MMATH_LANGS, 374),
    ("mmath500", MMATH_LANGS, 311),
    ("maime2024", MMATH_LANGS, 30),  # default source: MMATH's AIME2024 rows
    ("polymath", POLYMATH_LANGS, 500),
    ("math500", ["en"], 500),
    ("aime2024", ["en"], 30),
    ("aime2025", ["en"], 30),
])
@pytest.mark.full_data("counts every row of the full files (MANIFEST.md)")
def test_counts_per_language_and_parallel(shared_data, name, langs, per_lang):
    examples = load_benchmark(name, langs)
    assert Counter(ex.lang for ex in examples) == dict.fromkeys(langs, per_lang)
    assert_parallel(examples)
    bench = get_benchmark(name)
    assert set(langs) <= set(bench.langs) and bench.scorer == "math"
    assert all(ex.answer == ex.answer.strip() and ex.answer for ex in examples)
    # integer golds carry no zero padding and no '$' wrapper survives
    assert not [ex.answer for ex in examples if ex.answer.isdigit() and ex.answer != str(int(ex.answer))]
    assert not [ex.answer for ex in examples if ex.answer.startswith("$") and ex.answer.endswith("$")
                and ex.answer.count("$") == 2]


@pytest.mark.parametrize("name, langs", [
    pytest.param("mmath", ["en", "th"], marks=NO_MMATH),
    pytest.param("mmath500", ["zh", "ja"], marks=NO_MMATH),
    pytest.param("maime2024", ["fr", "en"], marks=NO_MMATH),
    ("polymath", ["te", "de"]), ("math500", ["en"]), ("aime2024", ["en"]), ("aime2025", ["en"]),
])
def test_limit_keeps_the_same_first_items(shared_data, name, langs):
    full = by_lang(load_benchmark(name, langs))
    limited = by_lang(load_benchmark(name, langs, limit=2))
    for lang in langs:
        assert [ex.id for ex in limited[lang]] == [ex.id for ex in full[lang][:2]]
    assert_parallel([ex for lang in langs for ex in limited[lang]])


@NO_MMATH
def test_mmath_sources_and_cnmo_latex_unwrapped(shared_data):
    en = load_benchmark("mmath", ["en"])
    assert Counter(ex.meta["data_source"] for ex in en) == {
        "MATH500": 311, "AIME2024": 30, "CNMO": 18, "AIME2025": 15}
    raw = {r["gid"]: r["answer"] for r in json.loads((shared_data / "mmath" / "en.json").read_text())}
    cnmo = [ex for ex in en if ex.meta["data_source"] == "CNMO"]
    assert all(raw[int(ex.parallel_id.split("-")[1])].startswith("$") for ex in cnmo)
    assert all("$" not in ex.answer for ex in cnmo)
    assert any(ex.answer == "4049" for ex in cnmo)  # '$4049$'


@NO_MMATH
def test_mmath500_is_math500_integer_rows(shared_data):
    """MANIFEST: the 311 rows are the MATH-500 items with an integer answer, data_source_id =
    row index in math500-en/test.jsonl, questions and answers identical."""
    mm = load_benchmark("mmath500", ["en"])
    math500 = load_benchmark("math500", ["en"])
    assert all(ex.answer.lstrip("-").isdigit() for ex in mm)
    for ex in mm:
        original = math500[ex.meta["data_source_id"]]
        assert (ex.question, ex.answer) == (original.question, original.answer)
    assert len(mm) == sum(ex.answer.lstrip("-").isdigit() for ex in math500)


@NO_MMATH  # MAIME2024 falls back on MMATH's AIME rows without the hub
def test_maime2024_fallback_matches_aime2024_english(shared_data, caplog):
    with caplog.at_level(logging.INFO, logger="xling.data.benchmarks.maime2024"):
        fallback = load_benchmark("maime2024", ["en"])
    assert "en zh es fr ja th" in caplog.text  # the log says which languages the fallback has
    english = sorted(load_benchmark("aime2024", ["en"]), key=lambda ex: ex.meta["source_id"])
    # MMATH's AIME2024 rows are aime2024-en's rows in file (URL) order
    assert [ex.answer for ex in fallback] == [ex.answer for ex in english]


@pytest.mark.full_data("the seven zero-padded answers and the contest order span all 30 rows")
def test_aime2024_zero_padding_and_contest_order(shared_data):
    raw = [json.loads(line) for line in (shared_data / "aime2024-en" / "test.jsonl").open()]
    padded = [r["answer"] for r in raw if r["answer"].startswith("0")]
    assert sorted(padded) == sorted(["025", "073", "023", "045", "033", "080", "055"])
    examples = load_benchmark("aime2024", ["en"])
    by_source = {ex.meta["source_id"]: ex for ex in examples}
    for row in raw:
        assert by_source[row["id"]].answer == str(int(row["answer"]))
        assert row["url"].endswith(f"Problem_{by_source[row['id']].meta['problem']}")
    assert [ex.meta["problem"] for ex in examples] == list(range(1, 16)) * 2
    assert [ex.meta["contest"] for ex in examples] == ["2024-I"] * 15 + ["2024-II"] * 15
    assert examples[1].parallel_id == "aime2024-2024-I-2" and examples[1].answer == "25"


@pytest.mark.full_data("the rows with corrupted LaTeX are ids 18, 19 and 27")
def test_aime2025_int_answers_and_repaired_latex(shared_data):
    raw = [json.loads(line) for line in (shared_data / "aime2025-en" / "test.jsonl").open()]
    assert all(isinstance(r["answer"], int) and isinstance(r["id"], str) for r in raw)
    examples = load_benchmark("aime2025", ["en"])
    assert [ex.answer for ex in examples] == [str(r["answer"]) for r in raw]
    repaired = {ex.meta["source_id"] for ex in examples if ex.meta.get("repaired")}
    assert repaired == {"18", "19", "27"}
    assert not any(ch in ex.question for ex in examples for ch in "\f\t")
    fixed = {ex.meta["source_id"]: ex.question for ex in examples}
    assert "\\frac{\\log_k" in fixed["18"] and "$\\triangle DEF$" in fixed["19"]
    raw27 = next(r["problem"] for r in raw if r["id"] == "27")
    assert raw27.count("\f") > 0  # each form feed became a \\frac again
    assert fixed["27"].count("\\frac") == raw27.count("\\frac") + raw27.count("\f")
    assert [ex.meta["contest"] for ex in examples] == ["2025-I"] * 15 + ["2025-II"] * 15


@pytest.mark.full_data("counts 125 problems per level and the malformed golds among them")
def test_polymath_levels_and_malformed_answers_flagged(shared_data, caplog):
    with caplog.at_level(logging.WARNING, logger="xling.data.benchmarks.polymath"):
        examples = load_benchmark("polymath", ["en", "te"])
    en = [ex for ex in examples if ex.lang == "en"]
    assert Counter(ex.meta["level"] for ex in en) == {"low": 125, "medium": 125, "high": 125, "top": 125}
    assert en[0].parallel_id == "polymath-low-0" and en[-1].parallel_id == "polymath-top-124"
    flagged = {ex.parallel_id for ex in en if ex.meta.get("flag") == "malformed-answer"}
    # hand-checked: '$b \geq $-\frac{2}{3}$' has a stray inner '$'
    assert "polymath-medium-1" in flagged
    assert f"{len(flagged)} problem(s) with a malformed LaTeX gold" in caplog.text
    assert all(ex.answer.count("{") == ex.answer.count("}") for ex in en if ex.parallel_id not in flagged
               and "\\{" not in ex.answer)
    assert any(ex.answer == "\\frac{\\pi}{3}" for ex in en)  # '$\frac{\pi}{3}$'


def test_polymath_summarize_dw_acc():
    polymath = get_benchmark("polymath")
    rows = []
    for level, correct in [("low", [1, 1]), ("medium", [1, 0]), ("high", [0, 0]), ("top", [1, 0])]:
        rows += [{"lang": "de", "correct": bool(c), "meta": json.dumps({"level": level})} for c in correct]
    summary = polymath.summarize(rows)["de"]
    assert summary["levels"]["medium"] == {"acc": 0.5, "n": 2}
    assert summary["dw_acc"] == pytest.approx((1 * 1 + 2 * 0.5 + 4 * 0 + 8 * 0.5) / 15)
    partial = polymath.summarize([r for r in rows if "low" in r["meta"]])["de"]
    assert partial["dw_acc"] is None and partial["missing_levels"] == ["medium", "high", "top"]


def _write_polymath(folder, lang, ids):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (folder / lang).mkdir(parents=True, exist_ok=True)
    for level in ("low", "medium", "high", "top"):
        rows = [{"id": i.replace("LEVEL", level), "question": f"{lang} q", "answer": "$\\frac{1}{2}$"}
                for i in ids]
        pq.write_table(pa.Table.from_pylist(rows), folder / lang / f"{level}.parquet")


def test_polymath_folder_source_and_its_errors(tmp_path):
    _write_polymath(tmp_path, "de", ["LEVEL-de-0", "LEVEL-de-1"])
    _write_polymath(tmp_path, "sw", ["LEVEL-sw-1", "LEVEL-sw-0"])  # other row order: ids align
    examples = load_benchmark("polymath", ["de", "sw"], source=str(tmp_path))
    assert len(examples) == 16 and examples[0].answer == "\\frac{1}{2}"
    assert_parallel(examples)
    assert [ex.id for ex in examples if ex.lang == "sw"][:3] == [
        "polymath-sw-low-0", "polymath-sw-low-1", "polymath-sw-medium-0"]
    _write_polymath(tmp_path, "es", ["LEVEL-es-0", "LEVEL-es-2"])
    with pytest.raises(XlingError, match="polymath: es items differ from de .* not parallel"):
        load_benchmark("polymath", ["de", "es"], source=str(tmp_path))
    _write_polymath(tmp_path, "fr", ["LEVEL-de-0"])
    with pytest.raises(XlingError, match=r"fr/low\.parquet row 0: field 'id' 'low-de-0' is not 'low-fr-<n>'"):
        load_benchmark("polymath", ["fr"], source=str(tmp_path))
    _write_polymath(tmp_path, "ja", ["LEVEL-ja-0", "LEVEL-ja-0"])
    with pytest.raises(XlingError, match=r"ja/low\.parquet row 1: duplicate id 'low-ja-0'"):
        load_benchmark("polymath", ["ja"], source=str(tmp_path))
    with pytest.raises(XlingError, match=r"th/low\.parquet: not found \(languages in .*: de, es, fr, ja, sw\)"):
        load_benchmark("polymath", ["th"], source=str(tmp_path))


# ---- language errors ----------------------------------------------------------------------

@pytest.mark.parametrize("name, langs, message", [
    ("mmath", ["de"], "mmath has no language 'de'; it has: en, zh, es, fr, ja, th"),
    ("mmath500", ["xx"], "unknown language 'xx'"),
    pytest.param("maime2024", ["de"], "has no language 'de'; it has: en, zh, es, fr, ja, th; pass "
                 "--source amphora/MCLM", marks=NO_MMATH),
    ("polymath", ["xx"], "unknown language 'xx'"),
    ("math500", ["de"], "math500: no language 'de'; without --source it has only en"),
    ("aime2025", ["xx"], "unknown language 'xx'"),
])
def test_bad_language_lists_what_the_benchmark_has(shared_data, name, langs, message):
    with pytest.raises(XlingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_benchmark(name, langs)


# ---- MMATH layout from a folder -----------------------------------------------------------

def _mmath_item(gid: int, lang: str, answer: str = "7", source: str = "MATH500") -> dict:
    return {"question": f"q{gid} ({lang})", "answer": answer, "data_source": source,
            "data_source_id": gid, "lang": lang, "gid": gid}


def test_mmath_folder_source_and_its_errors(tmp_path):
    (tmp_path / "en.json").write_text(json.dumps([_mmath_item(1, "en"), _mmath_item(0, "en", "$\\frac{1}{2}$", "CNMO")]))
    (tmp_path / "zh.json").write_text(json.dumps([_mmath_item(0, "zh", "$\\frac{1}{2}$", "CNMO"), _mmath_item(1, "zh")]))
    examples = load_benchmark("mmath", ["en", "zh"], source=str(tmp_path))
    assert [ex.parallel_id for ex in examples] == ["mmath-0", "mmath-1"] * 2  # sorted by gid
    assert examples[0].answer == "\\frac{1}{2}"
    assert [ex.id for ex in load_benchmark("mmath500", ["zh"], source=str(tmp_path))] == ["mmath500-zh-1"]
    (tmp_path / "fr.json").write_text(json.dumps([_mmath_item(1, "fr")]))
    with pytest.raises(XlingError, match=r"fr\.json: its .* gids differ from en\.json"):
        load_benchmark("mmath", ["en", "fr"], source=str(tmp_path))
    bad = _mmath_item(0, "ja")
    del bad["data_source"]
    (tmp_path / "ja.json").write_text(json.dumps([bad]))
    with pytest.raises(XlingError, match=r"ja\.json item 0: missing field\(s\) data_source"):
        load_benchmark("mmath", ["ja"], source=str(tmp_path))
    with pytest.raises(XlingError, match=r"th\.json: not found \(the folder has: en, fr, ja, zh\)"):
        load_benchmark("mmath", ["th"], source=str(tmp_path))
    with pytest.raises(XlingError, match="MMATH has no hub copy"):
        load_benchmark("mmath", ["en"], source="RUCAIBox/MMATH")


# ---- MCLM layout (hub parquet), from a tiny file ------------------------------------------

def _write_mclm(path, answers=(204, "025", "73")):
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = len(answers)
    columns = {code: [f"[{code}] problem {i}" for i in range(n)]
               for code in ["en", "zh-cn", "zh-tw", "de", "es", "fr", "ja", "ru", "th", "sw", "bn", "te", "ko"]}
    columns["answer"] = [str(a) for a in answers]
    pq.write_table(pa.table(columns), path)
    return path


def test_maime2024_mclm_layout(tmp_path):
    path = _write_mclm(tmp_path / "mt-aime2024.parquet")
    langs = ["en", "zh", "de", "te", "bn"]
    for source in (str(path), str(tmp_path)):  # the file, or a folder holding it
        examples = load_benchmark("maime2024", langs, source=source)
        assert Counter(ex.lang for ex in examples) == dict.fromkeys(langs, 3)
        assert_parallel(examples)
    zh = [ex for ex in examples if ex.lang == "zh"]
    assert zh[0].question == "[zh-cn] problem 0"  # Simplified, not zh-tw
    assert [ex.answer for ex in zh] == ["204", "25", "73"]
    assert [ex.parallel_id for ex in load_benchmark("maime2024", ["sw"], source=str(path), limit=2)] == [
        "maime2024-0", "maime2024-1"]


def test_maime2024_mclm_errors(tmp_path):
    bad = _write_mclm(tmp_path / "bad.parquet", answers=(1, 1000))
    with pytest.raises(XlingError, match=r"bad\.parquet row 1: field 'answer' 1000 is outside 0..999"):
        load_benchmark("maime2024", ["en"], source=str(bad))
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"en": ["q"], "answer": ["3"]}), tmp_path / "en-only.parquet")
    with pytest.raises(XlingError, match=r"no column for te \(column 'te'\)"):
        load_benchmark("maime2024", ["en", "te"], source=str(tmp_path / "en-only.parquet"))


# ---- translated folders for math500 / aime2024 / aime2025 ----------------------------------

def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@pytest.mark.full_data("names AIME 2024 I/2 and II/1 and counts all 30 items")
def test_translated_folder_aligns_with_english(shared_data, tmp_path, caplog):
    english = load_benchmark("aime2024", ["en"])
    # any English item id form works: the key, the source's id, the English Example id
    _write_jsonl(tmp_path / "de.jsonl", [
        {"id": "2024-I-2", "question": "Aufgabe I/2", "answer": "025"},
        {"id": english[0].id, "question": "Aufgabe I/1", "answer": "204", "model": "x"},
        {"id": 75, "question": "Aufgabe II/1", "answer": "73"},  # source id of 2024-II-1
    ])
    _write_jsonl(tmp_path / "te.jsonl", [{"id": ex.parallel_id, "question": f"te {ex.parallel_id}",
                                          "answer": ex.answer} for ex in english])
    (tmp_path / "card.yaml").write_text("name: aime2024-translated\n")
    with caplog.at_level(logging.WARNING, logger="xling.data.benchmarks.english_math"):
        examples = load_benchmark("aime2024", ["en", "de", "te"], source=str(tmp_path))
    groups = by_lang(examples)
    assert len(groups["en"]) == len(groups["te"]) == 30
    assert [ex.parallel_id for ex in groups["te"]] == [ex.parallel_id for ex in english]
    assert [(ex.parallel_id, ex.answer) for ex in groups["de"]] == [
        ("aime2024-2024-I-1", "204"), ("aime2024-2024-I-2", "25"), ("aime2024-2024-II-1", "73")]
    assert groups["de"][1].id == "aime2024-de-2024-I-2" and groups["de"][1].question == "Aufgabe I/2"
    assert "27 of 30 items have no translation" in caplog.text
    limited = load_benchmark("aime2024", ["en", "de"], source=str(tmp_path), limit=2)
    assert [ex.id for ex in limited] == ["aime2024-en-2024-I-1", "aime2024-en-2024-I-2",
                                         "aime2024-de-2024-I-1", "aime2024-de-2024-I-2"]


def test_translated_folder_english_override_and_math500(shared_data, tmp_path):
    english = load_benchmark("math500", ["en"], limit=3)
    _write_jsonl(tmp_path / "en.jsonl", [{"id": english[0].meta["source_id"], "question": "EN edited",
                                          "answer": english[0].answer}])
    _write_jsonl(tmp_path / "zh.jsonl", [{"id": ex.parallel_id, "question": f"zh {i}", "answer": ex.answer}
                                         for i, ex in enumerate(english)])
    examples = load_benchmark("math500", ["en", "zh"], source=str(tmp_path), limit=3)
    assert [ex.question for ex in examples if ex.lang == "en"] == ["EN edited"]
    zh = [ex for ex in examples if ex.lang == "zh"]
    assert [(ex.parallel_id, ex.answer) for ex in zh] == [(ex.parallel_id, ex.answer) for ex in english]
    assert zh[0].answer == "\\left( 3, \\frac{\\pi}{2} \\right)"


@pytest.mark.parametrize("rows, message", [
    ([{"id": "2025-I-99", "question": "q", "answer": "1"}], r"de\.jsonl:1: field 'id' '2025-I-99' is not"),
    ([{"id": "0", "question": "q", "answer": "70"}, {"id": "2025-I-1", "question": "q", "answer": "70"}],
     r"de\.jsonl:2: duplicate id '2025-I-1'"),
    ([{"id": "0", "answer": "70"}], r"de\.jsonl:1: missing key\(s\) question"),
    ([{"id": "0", "question": " ", "answer": "70"}], r"de\.jsonl:1: field 'question' is empty"),
])
def test_translated_folder_bad_rows_name_file_and_line(shared_data, tmp_path, rows, message):
    _write_jsonl(tmp_path / "de.jsonl", rows)
    with pytest.raises(XlingError, match=message):
        load_benchmark("aime2025", ["de"], source=str(tmp_path))


def test_translated_folder_missing_language_names_folder_and_files(shared_data, tmp_path):
    _write_jsonl(tmp_path / "de.jsonl", [])
    _write_jsonl(tmp_path / "fr.jsonl", [])
    with pytest.raises(XlingError, match=rf"aime2025: no language 'ja'; {tmp_path} has no ja\.jsonl "
                                         r"\(it has: de, fr\)"):
        load_benchmark("aime2025", ["en", "ja"], source=str(tmp_path))
    with pytest.raises(XlingError, match="is not a folder of <lang>.jsonl files"):
        load_benchmark("math500", ["en"], source="HuggingFaceH4/MATH-500")


# ---- end to end through the CLI, tiny model -----------------------------------------------

@pytest.mark.parametrize("name, expected_langs", [
    pytest.param("mmath500", MMATH_LANGS, marks=NO_MMATH),
    pytest.param("mmath", MMATH_LANGS, marks=NO_MMATH),
    ("maime2024", ["en", "zh", "de", "es", "fr", "ja", "ru", "th", "sw", "bn"]),  # MCLM test file
    ("polymath", POLYMATH_LANGS[:10]), ("math500", ["en"]), ("aime2024", ["en"]), ("aime2025", ["en"]),
])
def test_eval_cli_end_to_end(tiny_model, tmp_path, name, expected_langs):
    from typer.testing import CliRunner

    from xling.cli import app
    from xling.data.io import read_parquet

    source = ["--source", str(_write_mclm(tmp_path / "mt-aime2024.parquet"))] if name == "maime2024" else []
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["eval", "--model", str(tiny_model), "--benchmark", name,
                                      "--langs", "all", "--limit", "2", "--max-new-tokens", "8",
                                      *source, "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_parquet(out / "eval" / f"{name}.parquet")
    assert Counter(r["lang"] for r in rows) == dict.fromkeys(expected_langs, 2)
    assert all(r["gold"] and r["prompt"] for r in rows)
    metrics = json.loads((out / "metrics.json").read_text())["benchmarks"][name]
    assert set(metrics["langs"]) == set(expected_langs)
    if name == "polymath":  # 2 items = 'low' only: no DW-ACC from one level
        assert metrics["summary"]["en"]["dw_acc"] is None
