"""Malformed data is an XlingError naming file:line (1-based), never an ordinary wrong answer.

MGSM and GSM8K rows, jsonl and MGSM8KInstruct training pools: a gold answer ``abc``, an empty
gold, an empty question, bytes that are not UTF-8. The real staged files still load (the
benchmark and pool tests cover their counts).

Run: pytest tests/test_data_malformed.py -v
"""

from __future__ import annotations

import json
import shutil

import pytest

from xling.data import load_benchmark
from xling.data.pools import load_pool
from xling.schema import XlingError

GOOD_TSV = "Lisa has 3 pens and buys 4. How many?\t7\n"
BAD_UTF8 = b"Ein Stift kostet \xff Euro.\t5\n"


@pytest.mark.parametrize("bad_line,match", [
    ("Wie viele?\tabc\n", "gold answer 'abc' is not a number"),
    ("Wie viele?\t\n", "empty gold answer"),
    ("Wie viele?\t   \n", "empty gold answer"),
    ("\t5\n", "empty question"),
    (BAD_UTF8, "not valid UTF-8"),
])
def test_mgsm_malformed_row_names_file_and_line(tmp_path, bad_line, match):
    data = GOOD_TSV.encode() + (bad_line if isinstance(bad_line, bytes) else bad_line.encode())
    (tmp_path / "mgsm_de.tsv").write_bytes(data + GOOD_TSV.encode())
    with pytest.raises(XlingError, match=match) as err:
        load_benchmark("mgsm", ["de"], source=str(tmp_path))
    assert f"{tmp_path / 'mgsm_de.tsv'}:2:" in str(err.value)
    assert "\n" not in str(err.value)


def test_mgsm_thousands_comma_and_untouched_questions_still_load(tmp_path):
    (tmp_path / "mgsm_de.tsv").write_text(" Wie viele?\t114,200\nUnd dann?\t-3\n")
    examples = load_benchmark("mgsm", ["de"], source=str(tmp_path))
    assert [(e.question, e.answer) for e in examples] == [(" Wie viele?", "114200"), ("Und dann?", "-3")]


def _gsm8k(question="What is 2 + 3?", final="5"):
    return json.dumps({"question": question, "answer": f"2 + 3 = <<2+3=5>>5\n#### {final}"}) + "\n"


@pytest.mark.parametrize("bad_line,match", [
    (_gsm8k(final="abc"), "gold answer 'abc' is not a number"),
    (_gsm8k(final=""), "answer has no '#### <final answer>' line"),
    (_gsm8k(question="  "), "empty question"),
    (json.dumps({"question": "q?", "answer": "no final line"}) + "\n", "#### <final answer>"),
    (b'{"question": "\xff", "answer": "#### 5"}\n', "not valid UTF-8"),
])
def test_gsm8k_malformed_row_names_file_and_line(tmp_path, bad_line, match):
    # A blank line first: the error names the file's line 3, not the row's index.
    data = (_gsm8k() + "\n").encode() + (bad_line if isinstance(bad_line, bytes) else bad_line.encode())
    (tmp_path / "test.jsonl").write_bytes(data)
    with pytest.raises(XlingError, match=match) as err:
        load_benchmark("gsm8k", ["en"], source=str(tmp_path))
    assert f"{tmp_path / 'test.jsonl'}:3:" in str(err.value)


def _pool_row(**kw):
    return json.dumps({"id": "a", "lang": "de", "question": "Wie viele?", "answer": "4", **kw}) + "\n"


@pytest.mark.parametrize("bad_line,match", [
    (_pool_row(question=""), "empty question"),
    (_pool_row(answer=" "), "empty gold answer"),
    (b'{"id": "b", "lang": "de", "question": "\xe4", "answer": "1"}\n', "not valid UTF-8"),
])
def test_jsonl_pool_malformed_row_names_file_and_line(tmp_path, bad_line, match):
    data = _pool_row().encode() + (bad_line if isinstance(bad_line, bytes) else bad_line.encode())
    (tmp_path / "pool.jsonl").write_bytes(data)
    with pytest.raises(XlingError, match=match) as err:
        load_pool(tmp_path / "pool.jsonl", ["de"])
    assert f"{tmp_path / 'pool.jsonl'}:2:" in str(err.value)


@pytest.fixture
def staged_copy(tmp_path, shared_data, monkeypatch):
    """A copy of the staged GSM8K train file and the German MGSM8KInstruct questions, as
    ``XLING_SHARED_DATA``, so a test can break one line."""
    root = tmp_path / "data"
    (root / "gsm8k").mkdir(parents=True)
    shutil.copy(shared_data / "gsm8k" / "train.jsonl", root / "gsm8k" / "train.jsonl")
    if (shared_data / "mgsm8kinstruct-questions").is_dir():  # not in tests/data/staged
        shutil.copytree(shared_data / "mgsm8kinstruct-questions" / "de-en",
                        root / "mgsm8kinstruct-questions" / "de-en")
    monkeypatch.setenv("XLING_SHARED_DATA", str(root))
    return root


def test_gsm8k_pool_non_numeric_gold_names_file_and_line(staged_copy):
    path = staged_copy / "gsm8k" / "train.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    row = json.loads(lines[9])
    row["answer"] = row["answer"].rpartition("####")[0] + "#### abc"
    lines[9] = json.dumps(row) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(XlingError, match=f"{path}:10: gold answer 'abc' is not a number"):
        load_pool("gsm8k", ["en"])


@pytest.mark.parametrize("breakage,match", [
    (lambda lines: lines.__setitem__(4, "   "), ":5: empty question"),
    (lambda lines: lines.__setitem__(4, "\udcff"), ":5: not valid UTF-8"),
    (lambda lines: lines.pop(), "line i must translate line i"),
])
@pytest.mark.full_data("the MGSM8KInstruct question files (NJUNLP/QAlign) declare no licence, so they are not in tests/data/staged")
def test_mgsm8k_pool_malformed_translation_file(staged_copy, breakage, match):
    path = staged_copy / "mgsm8kinstruct-questions" / "de-en" / "train.de"
    lines = path.read_text(encoding="utf-8").split("\n")[:-1]
    breakage(lines)
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
    with pytest.raises(XlingError, match=match) as err:
        load_pool("mgsm8k", ["de"])
    assert str(path) in str(err.value)


@pytest.mark.full_data("counts the full MGSM and GSM8K files and reads MGSM8KInstruct")
def test_real_staged_files_still_load(shared_data):
    assert len(load_benchmark("mgsm", ["de", "bn"])) == 500
    assert len(load_benchmark("gsm8k", ["en"])) == 1319
    assert {e.lang for e in load_pool("mgsm8k", ["de", "fr"])} == {"de", "fr"}
