"""Row files: malformed input fails with file:line; writes are atomic."""

import pytest

from xling.data.io import read_jsonl, read_parquet, read_tsv, write_json, write_jsonl, write_parquet
from xling.schema import XlingError


def test_jsonl_round_trip_and_unicode(tmp_path):
    rows = [{"q": "৩ + ৪", "a": 7}, {"q": "七", "a": 7}]
    write_jsonl(tmp_path / "r.jsonl", rows)
    assert read_jsonl(tmp_path / "r.jsonl") == rows


@pytest.mark.parametrize("bad, message", [
    ('{"a": 1}\n{"a": \n', r"r\.jsonl:2: invalid JSON"),
    ('{"a": 1}\n[1, 2]\n', r"r\.jsonl:2: expected a JSON object"),
    ('{"a": 1}\n\n{"b": 2}\n', r"r\.jsonl:3: missing key\(s\) a"),
])
def test_malformed_jsonl_names_file_and_line(tmp_path, bad, message):
    (tmp_path / "r.jsonl").write_text(bad, encoding="utf-8")
    with pytest.raises(XlingError, match=message):
        read_jsonl(tmp_path / "r.jsonl", required=("a",))


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(XlingError, match="file not found"):
        read_jsonl(tmp_path / "nope.jsonl")


def test_tsv_wrong_column_count_names_line(tmp_path):
    (tmp_path / "t.tsv").write_text('q1\t1\nq "2"\t2\nonly-one-column\n', encoding="utf-8")
    with pytest.raises(XlingError, match=r"t\.tsv:3: expected 2"):
        read_tsv(tmp_path / "t.tsv", n_columns=2)


def test_tsv_keeps_literal_quotes(tmp_path):
    (tmp_path / "t.tsv").write_text('say "hi"\t1\n', encoding="utf-8")
    assert read_tsv(tmp_path / "t.tsv", 2) == [['say "hi"', "1"]]


def test_atomic_writes_leave_no_temp_files(tmp_path):
    write_json(tmp_path / "m.json", {"a": 1})
    write_parquet(tmp_path / "p.parquet", [{"x": 1, "y": None}])
    assert read_parquet(tmp_path / "p.parquet") == [{"x": 1, "y": None}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "p.parquet"]
