"""Benchmark cards: a benchmark from local files and a YAML card, no code.

The tests write a benchmark xling has never seen ("pebble", a few sums in English and German, and
"quartz", a multiple-choice set), in every data format, the way the README documents it; then
evaluate it through the real ``xling`` entry point, and check that each kind of bad card fails
before any model loads, naming the file, line and field.
Run: pytest tests/test_benchmarks_card.py -v
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xling.data import get_benchmark
from xling.data.benchmarks.card import FORMATS, card_benchmark, load_card, write_card
from xling.data.io import read_parquet
from xling.metrics import summarize_rows
from xling.schema import XlingError

# Hand-written items: (id, English question, German question, answer as published).
PEBBLE = [
    ("p1", "Ada has 3 pebbles and finds 4 more. How many pebbles does she have?",
     "Ada hat 3 Kiesel und findet 4 weitere. Wie viele Kiesel hat sie?", 7),
    ("p2", "A jar holds 12 pebbles; 5 are taken out. How many are left?",
     "Ein Glas enthält 12 Kiesel; 5 werden herausgenommen. Wie viele bleiben?", "7"),
    ("p3", "What is half of 9?", "Was ist die Hälfte von 9?", "\\frac{9}{2}"),
]
QUARTZ = [
    ("q1", "Which is a colour?", "Was ist eine Farbe?", ["stone", "blue", "seven"],
     ["Stein", "blau", "sieben"], "B"),
    ("q2", "Which number is even?", "Welche Zahl ist gerade?", ["3", "5", "8", "9"],
     ["3", "5", "8", "9"], "C"),
]

MINIMAL_CARD = """\
name: my-bench
format: jsonl
files: {en: data/english.json, de: data/german.json}
fields: {question: problem_text, answer: final_answer}
scorer: math
"""


def _pebble_rows(lang: str) -> list[dict]:
    col = 1 if lang == "en" else 2
    return [{"uid": item[0], "problem_text": item[col], "final_answer": item[3]} for item in PEBBLE]


def _write(path: Path, rows: list[dict], fmt: str) -> Path:
    """Write rows as a published set might: jsonl, a JSON array, csv/tsv with a header, parquet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "json":
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    elif fmt in ("csv", "tsv"):
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter="\t" if fmt == "tsv" else ",")
            writer.writeheader()
            for r in rows:
                writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
                                 for k, v in r.items()})
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        # parquet columns have one type: answers as text, as a converted set would hold them
        pq.write_table(pa.Table.from_pylist([{**r, "final_answer": str(r["final_answer"])}
                                             if "final_answer" in r else r for r in rows]), path)
    return path


def minimal_card(tmp_path: Path) -> Path:
    """The issue's minimal card, as written: .json files holding JSON lines."""
    _write(tmp_path / "data" / "english.json", _pebble_rows("en"), "jsonl")
    _write(tmp_path / "data" / "german.json", _pebble_rows("de"), "jsonl")
    card = tmp_path / "card.yaml"
    card.write_text(MINIMAL_CARD, encoding="utf-8")
    return card


def quartz_card(tmp_path: Path, fmt: str = "csv", prompt: str | None = None) -> Path:
    """A multiple-choice card with an id column and the options in a list column."""
    ext = {"jsonl": "jsonl", "json": "json", "csv": "csv", "tsv": "tsv", "parquet": "parquet"}[fmt]
    for lang, q_col, c_col in (("en", 1, 3), ("de", 2, 4)):
        rows = [{"key": it[0], "stem": it[q_col], "options": it[c_col], "gold": it[5]} for it in QUARTZ]
        _write(tmp_path / f"quartz_{lang}.{ext}", rows, fmt)
    lines = ["name: quartz", f"files: {{en: quartz_en.{ext}, de: quartz_de.{ext}}}",
             "fields: {id: key, question: stem, choices: options, answer: gold}", "scorer: choice"]
    if prompt is not None:
        lines.append(f"prompt: {json.dumps(prompt)}")
    (tmp_path / "quartz.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path / "quartz.yaml"


# ---- loading ----------------------------------------------------------------------------------

def test_minimal_card_from_the_issue_loads_as_written(tmp_path):
    card = load_card(minimal_card(tmp_path))
    assert (card.name, card.format, card.scorer, card.align) == ("my-bench", "jsonl", "math", "line")
    assert card.files == {"en": tmp_path / "data" / "english.json",
                          "de": tmp_path / "data" / "german.json"}
    bench = get_benchmark(str(tmp_path / "card.yaml"))
    assert bench.name == "my-bench" and bench.langs == ("en", "de") and bench.scorer == "math"
    assert bench.headline.label == "accuracy" and bench.prompt is None
    examples = bench.load(["de", "en"])
    assert [ex.lang for ex in examples] == ["de"] * 3 + ["en"] * 3
    # JSON int 7 and string "7" both become the string "7"; aligned by line.
    assert [ex.answer for ex in examples[:3]] == ["7", "7", "\\frac{9}{2}"]
    assert [ex.parallel_id for ex in examples[:3]] == [ex.parallel_id for ex in examples[3:]]
    assert examples[0].question.startswith("Ada hat") and examples[3].question.startswith("Ada has")
    assert len({ex.id for ex in examples}) == 6
    assert [ex.lang for ex in bench.load(["en", "de"], limit=2)] == ["en", "en", "de", "de"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_gives_the_same_examples(tmp_path, fmt):
    ext = "json" if fmt == "jsonl" else fmt  # jsonl rows in a .json file, as some sets ship them
    for lang in ("en", "de"):
        _write(tmp_path / f"{lang}.{ext}", _pebble_rows(lang), fmt)
    write_card(tmp_path / "card.yaml", name="pebble", format=fmt,
               files={"en": f"en.{ext}", "de": f"de.{ext}"},
               fields={"id": "uid", "question": "problem_text", "answer": "final_answer"})
    examples = card_benchmark(tmp_path / "card.yaml").load(["en", "de"])
    got = [(ex.id, ex.parallel_id, ex.lang, ex.question, ex.answer) for ex in examples]
    want = [(f"pebble-{lang}-{uid}", f"pebble-{uid}", lang, row["problem_text"], str(row["final_answer"]))
            for lang in ("en", "de") for uid, row in zip([p[0] for p in PEBBLE], _pebble_rows(lang), strict=True)]
    assert got == want


def test_align_by_id_reorders_other_languages(tmp_path):
    _write(tmp_path / "en.jsonl", _pebble_rows("en"), "jsonl")
    _write(tmp_path / "de.jsonl", list(reversed(_pebble_rows("de"))), "jsonl")
    write_card(tmp_path / "c.yaml", name="pebble", files={"en": "en.jsonl", "de": "de.jsonl"},
               fields={"id": "uid", "question": "problem_text", "answer": "final_answer"})
    examples = card_benchmark(tmp_path / "c.yaml").load(["en", "de"], limit=2)
    en, de = examples[:2], examples[2:]
    assert [e.parallel_id for e in en] == [e.parallel_id for e in de] == ["pebble-p1", "pebble-p2"]
    assert de[0].question.startswith("Ada hat")  # the German row with id p1, though it is last


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv", "parquet"])
def test_choice_card_with_prompt_template(tmp_path, fmt):
    template = "Frage/Question: {question}\n{choices}\n{instruction}"
    bench = card_benchmark(quartz_card(tmp_path, fmt, prompt=template))
    ex = bench.load(["de"])[0]
    assert ex.choices == ("Stein", "blau", "sieben") and ex.answer == "B"
    from xling.languages import ENGLISH_INSTRUCTION, get_language

    prompt = bench.build_prompt(ex, "standard")
    assert prompt == ("Frage/Question: Was ist eine Farbe?\nA. Stein\nB. blau\nC. sieben\n"
                      + get_language("de").instruction)
    assert bench.build_prompt(ex, "english").endswith(ENGLISH_INSTRUCTION)


def test_write_card_round_trip_and_free_form_keys(tmp_path):
    path = write_card(tmp_path / "sub" / "t.yaml", name="pebble-de", files={"de": "de.jsonl"},
                      fields={"id": "uid", "question": "problem_text", "answer": "final_answer"},
                      provenance={"translated_from": "en", "model": "m"}, license="CC BY 4.0")
    _write(tmp_path / "sub" / "de.jsonl", _pebble_rows("de"), "jsonl")
    card = load_card(path)
    assert card.files == {"de": tmp_path / "sub" / "de.jsonl"} and card.align == "id"
    assert card.info == {"provenance": {"translated_from": "en", "model": "m"}, "license": "CC BY 4.0"}
    with pytest.raises(XlingError, match="key 'translator': unknown key; allowed: name"):
        write_card(tmp_path / "x.yaml", name="x", files={"de": "de.jsonl"},
                   fields={"question": "q", "answer": "a"}, align="line", translator="m")


# ---- bad cards: one line naming card key, or data file, line and field -------------------------

def _edit(tmp_path: Path, card_text: str | None = None, en_rows=None, de_rows=None, de_raw=None,
          de_bytes: bytes | None = None) -> Path:
    card = minimal_card(tmp_path)
    if card_text is not None:
        card.write_text(card_text, encoding="utf-8")
    if en_rows is not None:
        _write(tmp_path / "data" / "english.json", en_rows, "jsonl")
    if de_rows is not None:
        _write(tmp_path / "data" / "german.json", de_rows, "jsonl")
    if de_raw is not None:
        (tmp_path / "data" / "german.json").write_text(de_raw, encoding="utf-8")
    if de_bytes is not None:
        (tmp_path / "data" / "german.json").write_bytes(de_bytes)
    return card


def _de(**change):  # German rows with row index -> replacement row
    rows = _pebble_rows("de")
    for i, row in change.items():
        rows[int(i[1:])] = row
    return rows


BAD_CARDS = {
    "unknown key": (dict(card_text=MINIMAL_CARD + "scorrer: math\n"),
                    ["card.yaml", "key 'scorrer'", "allowed: name, files, fields"]),
    "unknown scorer": (dict(card_text=MINIMAL_CARD.replace("scorer: math", "scorer: maths")),
                       ["card.yaml", "key 'scorer'", "unknown scorer 'maths'; known: math"]),
    "unknown language": (dict(card_text=MINIMAL_CARD.replace("de: data", "xx: data")),
                         ["card.yaml", "key 'files.xx'", "unknown language 'xx'"]),
    "missing file": (dict(card_text=MINIMAL_CARD.replace("german.json", "deutsch.json")),
                     ["card.yaml", "key 'files.de'", "file not found", "deutsch.json"]),
    "missing question role": (dict(card_text=MINIMAL_CARD.replace("question: problem_text, ", "")),
                              ["card.yaml", "key 'fields'", "missing the 'question' role"]),
    "align id without id": (dict(card_text=MINIMAL_CARD + "align: id\n"),
                            ["card.yaml", "key 'align'", "needs an id role"]),
    "prompt leaks answer": (dict(card_text=MINIMAL_CARD + 'prompt: "{question} = {answer}?"\n'),
                            ["card.yaml", "key 'prompt'", "{answer} would put the gold answer"]),
    "missing field in row": (dict(de_rows=_de(r1={"uid": "p2", "problem_text": "Wie viele?"})),
                             ["german.json:2", "missing field 'final_answer' (fields.answer)"]),
    "empty question": (dict(de_rows=_de(r2={"uid": "p3", "problem_text": "  ", "final_answer": 1})),
                       ["german.json:3", "field 'problem_text' (fields.question) is empty"]),
    "math answer does not parse": (
        dict(de_rows=_de(r2={"uid": "p3", "problem_text": "Hälfte von 9?", "final_answer": "\\frac{9}{2"})),
        ["german.json:3", "field 'final_answer' (fields.answer)", "does not parse"]),
    "invalid json line": (dict(de_raw='{"problem_text": "a", "final_answer": 1}\n{"problem_text": \n'),
                          ["german.json:2", "invalid JSON"]),
    "line counts differ": (dict(de_rows=_pebble_rows("de")[:2]),
                           ["card.yaml", "key 'align'", "en (english.json) 3, de (german.json) 2"]),
    "a language key twice": (
        dict(card_text=MINIMAL_CARD.replace("de: data/german.json", "en: data/german.json")),
        ["card.yaml:3: duplicate key 'en' (first at line 3); each key may appear once"]),
    "a top-level key twice": (dict(card_text=MINIMAL_CARD + "scorer: choice\n"),
                              ["card.yaml:6: duplicate key 'scorer' (first at line 5)"]),
    "a field role twice": (
        dict(card_text=MINIMAL_CARD.replace("fields: {", "fields: {question: uid, ")),
        ["card.yaml:4: duplicate key 'question' (first at line 4)"]),
    "bytes that are not UTF-8": (
        dict(de_bytes=b'{"problem_text": "ok", "final_answer": 1}\n{"problem_text": "\xff"}\n'),
        ["german.json:2: not valid UTF-8"]),
}


@pytest.mark.parametrize("case", BAD_CARDS, ids=str)
def test_bad_card_fails_before_any_model_loads(tmp_path, monkeypatch, case):
    from xling.evaluation import run as evaluate
    from xling.evaluation.run import run_eval
    from xling.evaluation.settings import EvalConfig

    def no_model(*args, **kwargs):
        raise AssertionError("a model was loaded for a bad card")

    monkeypatch.setattr(evaluate, "get_generator", no_model)
    kwargs, expected = BAD_CARDS[case]
    card = _edit(tmp_path, **kwargs)
    with pytest.raises(XlingError) as info:
        run_eval(EvalConfig(model=str(tmp_path / "no-model"), benchmark=str(card)), "en,de",
                 tmp_path / "run")
    message = str(info.value)
    assert "\n" not in message
    for part in expected:
        assert part in message, message
    assert not (tmp_path / "run").exists()  # nothing written either


@pytest.mark.parametrize("mutate, expected", [
    (lambda rows: rows.__setitem__(2, {**rows[2], "key": "q1"}),
     ["quartz_de.jsonl:3", "field 'key' (fields.id): duplicate id 'q1' (first at", "quartz_de.jsonl:1"]),
    (lambda rows: rows.__setitem__(1, {**rows[1], "gold": "E"}),
     ["quartz_de.jsonl:2", "field 'gold' (fields.answer): 'E' is not an option letter A-D"]),
    (lambda rows: rows.__setitem__(0, {**rows[0], "options": ["nur eine"]}),
     ["quartz_de.jsonl:1", "field 'options' (fields.choices) must be a list of 2 to 10"]),
    (lambda rows: rows.__setitem__(1, {**rows[1], "key": "q9"}),
     ["quartz_de.jsonl", "field 'key' (fields.id): de lacks ids q2; has ids not in en: q9"]),
])
def test_bad_choice_rows_are_named(tmp_path, mutate, expected):
    card = quartz_card(tmp_path, "jsonl")
    rows = [{"key": it[0], "stem": it[2], "options": it[4], "gold": it[5]} for it in QUARTZ]
    rows.append({"key": "q3", "stem": "Welche?", "options": ["x", "y"], "gold": "A"})
    mutate(rows)
    _write(tmp_path / "quartz_de.jsonl", rows, "jsonl")
    en = [{"key": it[0], "stem": it[1], "options": it[3], "gold": it[5]} for it in QUARTZ]
    _write(tmp_path / "quartz_en.jsonl", en + [{"key": "q3", "stem": "Which?", "options": ["x", "y"],
                                                "gold": "A"}], "jsonl")
    with pytest.raises(XlingError) as info:
        load_card(card)
    for part in expected:
        assert part in str(info.value), str(info.value)


def test_csv_row_with_wrong_column_count(tmp_path):
    card = quartz_card(tmp_path, "csv")
    with (tmp_path / "quartz_en.csv").open("a", encoding="utf-8") as fh:
        fh.write('q3,"Which?","[""a"", ""b""]",A,extra\n')
    with pytest.raises(XlingError, match=r"quartz_en\.csv:4: expected 4 csv columns \(key, stem, "
                                         r"options, gold\), got 5"):
        load_card(card)


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_bytes_that_are_not_utf8_in_a_table_are_one_line(tmp_path, fmt):
    card = quartz_card(tmp_path, fmt)
    path = tmp_path / f"quartz_de.{fmt}"
    path.write_bytes(path.read_bytes().replace(b"blau", b"bl\xe4u"))
    with pytest.raises(XlingError, match=rf"^{path}:2: not valid UTF-8 \(invalid continuation "
                                         r"byte at byte \d+\)$"):
        load_card(card)


@pytest.mark.parametrize("card_text, message", [
    (MINIMAL_CARD.replace("format: jsonl\n", "").replace("german.json", "german.csv"),
     "key 'files': the files are of different formats (english.json is json, german.csv is csv): "
     "every file of a card has the card's one format"),
    (MINIMAL_CARD.replace("german.json", "german.csv"),
     "key 'files': the files are of different formats (english.json is json, german.csv is csv; "
     "format: jsonl)"),
    (MINIMAL_CARD.replace("format: jsonl\n", "").replace("german.json", "german.dat"),
     "key 'format': missing, and the suffix of german.dat (files.de) does not say it; set one of"),
])
def test_mixed_file_formats_are_named(tmp_path, card_text, message):
    card = minimal_card(tmp_path)
    _write(tmp_path / "data" / "german.csv", _pebble_rows("de"), "csv")
    _write(tmp_path / "data" / "german.dat", _pebble_rows("de"), "jsonl")
    card.write_text(card_text, encoding="utf-8")
    with pytest.raises(XlingError) as info:
        load_card(card)
    assert message in str(info.value)


def test_gold_answers_that_differ_between_languages_are_named(tmp_path, caplog):
    card = quartz_card(tmp_path, "jsonl")
    rows = [{"key": it[0], "stem": it[2], "options": it[4], "gold": it[5]} for it in QUARTZ]
    rows[0]["gold"] = "A"  # en says B
    _write(tmp_path / "quartz_de.jsonl", rows, "jsonl")
    caplog.set_level("WARNING", logger="xling.data.benchmarks.card")
    load_card(card)
    assert (f"{card}: the gold answer differs between languages for 1 item(s): q1 (en: B, de: A); "
            "items of a parallel card have one answer (set parallel: false if its languages hold "
            "different items)") in caplog.text
    caplog.clear()
    card.write_text(card.read_text(encoding="utf-8") + "parallel: false\n", encoding="utf-8")
    assert load_card(card).parallel is False and "differs" not in caplog.text
    math = minimal_card(tmp_path / "m")  # 7 and "7", and one answer everywhere: no warning
    load_card(math)
    assert "differs" not in caplog.text


def test_unknown_language_for_a_card(tmp_path):
    bench = card_benchmark(minimal_card(tmp_path))
    with pytest.raises(XlingError, match="my-bench has no language 'fr'; it has: en, de"):
        bench.load(["en", "fr"])


# ---- end to end through the real CLI ------------------------------------------------------------

def xling(*args):
    return subprocess.run([sys.executable, "-m", "xling.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})


@pytest.mark.parametrize("which", ["minimal-json-lines", "choice-csv-with-prompt"])
def test_card_evaluates_end_to_end(tiny_model, tmp_path, which):
    if which == "minimal-json-lines":
        card, name = minimal_card(tmp_path), "my-bench"
    else:
        card, name = quartz_card(tmp_path, "csv", prompt="{question}\n{choices}\n{instruction}"), "quartz"
    out = tmp_path / "run"
    r = xling("eval", "--model", tiny_model, "--benchmark", card, "--langs", "en,de", "--limit", "2",
              "--max-new-tokens", "8", "--out", out)
    assert r.returncode == 0, r.stderr
    rows = read_parquet(out / "eval" / f"{name}.parquet")
    assert len(rows) == 4 and [row["lang"] for row in rows] == ["en", "en", "de", "de"]
    assert {row["parallel_id"] for row in rows[:2]} == {row["parallel_id"] for row in rows[2:]}
    expected = load_card(card)
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert list(metrics["benchmarks"]) == [expected.name]
    assert metrics["benchmarks"][name]["langs"] == json.loads(json.dumps(summarize_rows(rows)))
    if name == "quartz":
        assert rows[2]["prompt"].startswith("Was ist eine Farbe?\nA. Stein\nB. blau\nC. sieben\n")
        assert [row["gold"] for row in rows] == ["B", "C", "B", "C"]
    assert f"eval/{name}.parquet" in r.stdout


def test_bytes_that_are_not_utf8_through_the_cli_are_one_line(tmp_path):
    card = _edit(tmp_path, de_bytes=b'{"problem_text": "\xfc", "final_answer": 1}\n')
    r = xling("eval", "--model", tmp_path / "no-such-model", "--benchmark", card, "--langs", "en,de",
              "--out", tmp_path / "run")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip() == (f"error: {tmp_path / 'data' / 'german.json'}:1: not valid UTF-8 "
                                "(invalid start byte at byte 18)")


def test_bad_card_through_the_cli_names_the_card_not_the_model(tmp_path):
    card = _edit(tmp_path, de_rows=_de(r1={"uid": "p2", "problem_text": "Wie viele?"}))
    r = xling("eval", "--model", tmp_path / "no-such-model", "--benchmark", card, "--langs", "en,de",
              "--limit", "2", "--out", tmp_path / "run")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "german.json:2: missing field 'final_answer' (fields.answer)" in r.stderr
    assert "no-such-model" not in r.stderr


def test_a_card_is_recognised_one_way_everywhere(tmp_path):
    from xling.data import find_card, is_card_path, results_name
    from xling.data.pools import load_pool

    folder = tmp_path / "sums"
    folder.mkdir()
    for lang, q in {"en": "1+1?", "de": "1+1=?"}.items():
        (folder / f"{lang}.jsonl").write_text(json.dumps({"id": "a", "q": q, "a": "2"}) + "\n")
    card = write_card(folder / "card.yaml", name="tiny-sums", files={"en": "en.jsonl", "de": "de.jsonl"},
                      fields={"id": "id", "question": "q", "answer": "a"})
    upper = folder / "CARD.YML"
    upper.write_text(card.read_text())
    assert is_card_path(upper) and is_card_path("x/card.yaml") and not is_card_path(folder)
    assert find_card(folder) == card and find_card(upper) == upper and find_card(tmp_path) is None
    assert results_name(str(upper)) == get_benchmark(str(upper)).name == "tiny-sums"
    for where in (folder, card, upper):  # a folder holding a card, and a card in any case
        assert [ex.question for ex in load_pool(str(where), ["de"])] == ["1+1=?"]
