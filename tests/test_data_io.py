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


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_written_files_get_the_umask_mode_not_0600(tmp_path, umask):
    import os
    import stat

    from xling.data.io import atomic_write_text

    old = os.umask(umask)
    try:
        written = [atomic_write_text(tmp_path / "report.html", "<p>"),
                   write_json(tmp_path / "metrics.json", {"a": 1}),
                   write_jsonl(tmp_path / "rows.jsonl", [{"a": 1}]),
                   write_parquet(tmp_path / "rows.parquet", [{"a": 1}])]
        with open(tmp_path / "plain.txt", "w") as fh:  # what a plain open gives
            fh.write("x")
    finally:
        os.umask(old)
    expected = stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode)
    assert expected == 0o666 & ~umask
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in written} == {
        p.name: expected for p in written}


def test_rewriting_keeps_an_existing_files_mode(tmp_path):
    import os
    import stat

    path = write_json(tmp_path / "m.json", {"a": 1})
    os.chmod(path, 0o640)
    write_json(path, {"a": 2})
    write_parquet(tmp_path / "p.parquet", [{"x": 1}])
    os.chmod(tmp_path / "p.parquet", 0o604)
    write_parquet(tmp_path / "p.parquet", [{"x": 2}])
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "p.parquet").stat().st_mode) == 0o604
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "p.parquet"]


def test_read_yaml_refuses_a_key_twice_but_keeps_merge_keys(tmp_path):
    from xling.data.io import read_yaml

    path = tmp_path / "x.yaml"
    path.write_text("base: &b {a: 1, b: 2}\nmerged: {<<: *b, b: 3}\n", encoding="utf-8")
    assert read_yaml(path) == {"base": {"a": 1, "b": 2}, "merged": {"a": 1, "b": 3}}
    path.write_text("top:\n  - {x: 1}\n  - {x: 1, y: 2, x: 3}\n", encoding="utf-8")
    with pytest.raises(XlingError, match=r"x\.yaml:3: duplicate key 'x' \(first at line 3\)"):
        read_yaml(path)
    path.write_bytes(b"a: 1\nb: \xff\n")
    with pytest.raises(XlingError, match=r"x\.yaml:2: not valid UTF-8"):
        read_yaml(path)
    path.write_text("a: [1\n", encoding="utf-8")
    with pytest.raises(XlingError, match=r"x\.yaml:2: invalid YAML"):
        read_yaml(path)
