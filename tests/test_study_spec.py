"""Study files are validated before anything runs, with the file and key named."""

import pytest
import yaml

from xling.schema import XlingError
from xling.study.grid import resolve_cells
from xling.study.spec import load_spec, parse_spec

BASE = {"name": "s", "base_model": "sandbox",
        "grid": {"paradigms": ["sft", "grpo"], "train_langs": [["de"], ["en", "zh"]], "seeds": [0]},
        "eval": {"benchmarks": ["sandbox"], "langs": "all", "limit": 5}}


def write(tmp_path, data):
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_grid_expands_to_cells_with_a_base(tmp_path):
    spec = load_spec(write(tmp_path, BASE))
    assert [c.label for c in spec.cells] == ["Base", "SFT(de)", "SFT(en,zh)", "GRPO(de)", "GRPO(en,zh)"]
    assert spec.eval.langs[0] == "en" and len(spec.eval.langs) == 10


@pytest.mark.parametrize("patch, message", [
    ({"modle": "x"}, r"study\.yaml: unknown key 'modle'"),
    ({"eval": {"langs": "en,xx"}}, r"study\.yaml: eval\.langs: unknown language 'xx'"),
    ({"grid": {"paradigms": ["dpo"], "train_langs": [["de"]]}}, r"study\.yaml: unknown paradigm 'dpo'"),
    ({"grid": {"paradigms": ["sft"], "train_langs": [["de", "kl"]]}}, r"grid\.train_langs: unknown language 'kl'"),
    ({"eval": {"benchmarks": ["mmlu"]}}, r"eval\.benchmarks: unknown benchmark 'mmlu'"),
    ({"eval": {"limitt": 3}}, r"study\.yaml: eval: unknown key 'limitt'"),
    ({"probes": ["vibes"]}, r"probes: unknown probe 'vibes'"),
    ({"base_model": "./no/such/model"}, r"base_model: no model at './no/such/model'"),
    ({"cells": [{"paradigm": "sft"}]}, r"cell SFT\(\) has no train_langs"),
    ({"pool": {"design": "zigzag"}}, r"pool\.design 'zigzag' unknown"),
    ({"name": ""}, r"missing required key 'name'"),
])
def test_bad_study_files_are_refused_with_file_and_key(tmp_path, patch, message):
    with pytest.raises(XlingError, match=message):
        load_spec(write(tmp_path, {**BASE, **patch}))


def test_cell_keys_are_content_hashes(tmp_path):
    a = resolve_cells(parse_spec(BASE))
    b = resolve_cells(parse_spec({**BASE, "eval": {**BASE["eval"], "limit": 6}}))
    assert [c.key for c in a] == [c.key for c in resolve_cells(parse_spec(BASE))]
    assert all(x.key != y.key for x, y in zip(a, b, strict=True))  # evaluation changed -> every cell re-runs
    assert len({c.run.root for c in a}) == len(a)


def test_shipped_study_files_validate():
    from pathlib import Path

    files = sorted((Path(__file__).parents[1] / "studies").glob("*.yaml"))
    assert len(files) >= 3
    for path in files:
        spec = load_spec(path)
        assert spec.cells[0].paradigm == "base" and len(spec.cells) > 1


def test_scaling_spec_makes_one_parallel_cell_per_n():
    spec = parse_spec({**BASE, "grid": None, "scaling": {"order": ["en", "de", "zh"]}})
    cells = [c for c in spec.cells if c.paradigm != "base"]
    assert [c.train_langs for c in cells] == [("en",), ("en", "de"), ("en", "de", "zh")]
    assert all(c.design == "parallel" for c in cells)
