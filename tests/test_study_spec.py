"""Study files are validated before anything runs, with the file and key named."""

from pathlib import Path

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
    ({"grid": {"paradigms": ["dpo"], "train_langs": [["de"]]}}, r"study\.yaml: grid\.paradigms\[0\]: unknown paradigm 'dpo'"),
    ({"grid": {"paradigms": ["sft"], "train_langs": [["de", "kl"]]}}, r"grid\.train_langs\[0\]: unknown language 'kl'"),
    ({"eval": {"benchmarks": ["mmlu"]}}, r"eval\.benchmarks: unknown benchmark 'mmlu'"),
    ({"eval": {"limitt": 3}}, r"study\.yaml: eval: unknown key 'limitt'"),
    ({"probes": ["vibes"]}, r"probes: unknown probe 'vibes'"),
    ({"base_model": "./no/such/model"}, r"base_model: no model at './no/such/model'"),
    ({"cells": [{"paradigm": "sft"}]}, r"cell SFT\(\) has no train_langs"),
    ({"pool": {"design": "zigzag"}}, r"study\.yaml: pool: design 'zigzag' unknown; known: single, mixed, parallel"),
    ({"name": ""}, r"missing required key 'name'"),
    ({"controls": {"postive": "SFT(de)"}}, r"controls: unknown role 'postive'; known: positive, transfer, negative"),
    ({"controls": {"positive": "SFT(all)"}}, r"controls\.positive: no trained cell 'SFT\(all\)'; cells: SFT\(de\)"),
    ({"controls": ["SFT(de)"]}, r"controls: expected a mapping of role -> cell label"),
    ({"cells": [{"paradigm": "sft", "train_langs": ["de"], "pool": "sandbox-basik", "name": "N"}]},
     r"cells\[0\]\.pool: unknown pool 'sandbox-basik'"),
    ({"sandbox": {"pretrain_split": "train"}}, r"sandbox\.pretrain_split: must be 'pretrain' or 'any'"),
    ({"sandbox": {"skill": {"min_steps": 0}}}, r"sandbox\.skill: .*min_steps"),
])
def test_bad_study_files_are_refused_with_file_and_key(tmp_path, patch, message):
    with pytest.raises(XlingError, match=message):
        load_spec(write(tmp_path, {**BASE, **patch}))


ABLATION = {"cells": [{"paradigm": "grpo", "train_langs": ["de"], "name": "RL+reward",
                       "config": {"reward": "combined"}}]}


@pytest.mark.parametrize("patch, message", [
    # the list: each started running (or ran silently) before
    ({"paradigm_config": {"sft": {"epoch": 2}}},
     r"study\.yaml: paradigm_config\.sft: unknown key 'epoch'; known: batch_size, .*epochs"),
    ({"paradigm_config": {"sft": {"learning_rate": -1}}},
     r"study\.yaml: cell SFT\(de\) \(paradigm_config\.sft\): learning_rate must be > 0, got -1"),
    ({"paradigm_config": {"sft": {"epochs": "two"}}},
     r"study\.yaml: paradigm_config\.sft\.epochs: expected a number, got 'two'$"),
    ({"eval": {"n": 0, "limit": 0}}, r"study\.yaml: eval: (limit|n) must be .*>= 1"),
    ({"eval": {"n": 0}}, r"study\.yaml: eval: n must be an integer >= 1, got 0"),
    ({"eval": {"limit": 0}}, r"study\.yaml: eval: limit must be >= 1 \(or none = every question\), got 0"),
    ({"pool": {"n": -5}}, r"study\.yaml: pool: n must be >= 1 \(or null = all\), got -5"),
    ({"eval": {"batch_size": 0}}, r"study\.yaml: eval: batch_size must be >= 1, got 0"),
    ({"paradigm_config": {"sft": {"batch_size": 0}}},
     r"study\.yaml: cell SFT\(de\) \(paradigm_config\.sft\): batch_size .*must be >= 1"),
    ({"sandbox": {"hiden_size": 64}}, r"study\.yaml: sandbox: unknown key 'hiden_size'; known: preset, .*hidden_size"),
    ({"sandbox": {"problems": {"max_vlue": 9}}}, r"sandbox\.problems: unknown key 'max_vlue'"),
    ({"sandbox": {"preset": "huge"}}, r"sandbox\.preset: unknown preset 'huge'; known: default, quick, skilled, classic"),
    ({"sandbox": {"steps": "many"}}, r"sandbox\.steps: expected an integer, got 'many'"),
    ({"sandbox": {"mix": {"en": 0.5, "de": 0.2}}}, r"sandbox\.mix: shares must be >= 0 and sum to 1"),
    # more values of each section
    ({"paradigm_config": {"sft": {"learning_rate": "1e-4"}}}, r"expected a number, got '1e-4' .*write 1\.0e-4"),
    ({"paradigm_config": {"sft": {"batch_size": 2.5}}}, r"paradigm_config\.sft\.batch_size: expected an integer"),
    ({"paradigm_config": {"sft": {"chat": "yes"}}}, r"paradigm_config\.sft\.chat: expected true or false"),
    ({"paradigm_config": {"grpo": {"num_generations": 1}}}, r"cell GRPO\(de\) .*num_generations must be >= 2"),
    ({"paradigm_config": {"dpo": {}}}, r"paradigm_config: unknown paradigm 'dpo'"),
    ({**ABLATION, "paradigm_config": {"grpo": {"reward": "vibes"}}}, r"cell GRPO\(de\) .*unknown reward 'vibes'"),
    ({"cells": [{"paradigm": "grpo", "train_langs": ["de"], "config": {"rewrd": "combined"}}]},
     r"cells\[0\]\.config: unknown key 'rewrd'"),
    ({"cells": [{"paradigm": "grpo", "train_langs": ["de"], "name": "x",
                 "config": {"reward_weights": [0.5, 0.5]}}]},
     r"cell x \(cells\[0\]\.config\): reward_weights only apply to reward 'combined'"),
    ({"cells": [{"paradigm": "rft", "train_langs": ["de"]}], "paradigm_config": {"rft": {"sft": {"epochs": 0}}}},
     r"cell RFT\(de\) \(paradigm_config\.rft\): sft: epochs must be > 0"),
    ({"cells": [{"paradigm": "sft+grpo", "train_langs": ["de"]}], "paradigm_config": {"sft": {"epoch": 1}}},
     r"paradigm_config\.sft: unknown key 'epoch'"),
    ({"cells": [{"paradigm": "sft+grpo", "train_langs": ["de"]}],
      "paradigm_config": {"sft+grpo": {"grpo": {"beta": "x"}}}}, r"paradigm_config\.sft\+grpo\.grpo\.beta: expected a number"),
    ({"cells": [{"train_langs": ["de"]}]}, r"cells\[0\]: missing required key 'paradigm'"),
    ({"cells": [{"paradigm": "base", "config": {"seed": 1}}]}, r"a base cell takes no train_langs or config"),
    ({"eval": {"temperature": -1}}, r"eval: temperature must be >= 0"),
    ({"eval": {"top_p": 0}}, r"eval: top_p must be in \(0, 1\]"),
    ({"eval": {"n": 4}}, r"eval: 4 samples x 1 runs with temperature 0 would be identical greedy copies"),
    ({"eval": {"prompt_style": "pirate"}}, r"eval: prompt style 'pirate' unknown; known: standard"),
    ({"eval": {"max_new_tokens": 0}}, r"eval: max_new_tokens must be an integer >= 1"),
    ({"eval": {"benchmarks": []}}, r"eval: benchmarks: name at least one"),
    ({"eval": {"langs": 5}}, r"eval\.langs: expected 'all', 'en,de' or a list"),
    ({"pool": {"name": "no-such-pool"}}, r"pool\.name: unknown pool 'no-such-pool'; known: .*sandbox"),
    ({"pool": {"n": "all"}}, r"pool\.n: expected an integer or null, got 'all'"),
    ({"probes": "drift"}, r"probes: expected a list of strings, got 'drift'"),
    ({"backend": "vlm"}, r"backend: unknown backend 'vlm'; known: hf, vllm, openai"),
    ({"grid": {"paradigms": ["sft"], "train_langs": [["de"]], "seeds": ["a"]}}, r"grid\.seeds: expected a list of integers"),
    ({"grid": {"paradigms": ["sft"], "seeds": [0]}}, r"grid: paradigms, train_langs and seeds must each be non-empty"),
    ({"scaling": {"order": ["en", "de"], "target": "most"}}, r"scaling: target must be 'all' or 'unseen'"),
    ({"scaling": {"order": ["en"], "paradigm": "ppo"}}, r"scaling\.paradigm: unknown paradigm 'ppo'"),
    ({"base_model": "org/model", "sandbox": {"steps": 10}}, r"sandbox: the sandbox recipe applies only when base_model is 'sandbox'"),
    ({"name": 7}, r"study\.yaml: name: expected a string, got 7"),
])
def test_every_key_and_value_is_checked_before_anything_runs(tmp_path, patch, message):
    with pytest.raises(XlingError, match=message) as caught:
        load_spec(write(tmp_path, {**BASE, **patch}))
    text = str(caught.value)
    assert text.startswith(str(tmp_path / "study.yaml") + ": ") and "\n" not in text  # one line


def test_valid_configs_of_every_section_are_accepted():
    spec = parse_spec({**BASE, **ABLATION, "pool": {"n": None, "design": "mixed"},
                       "paradigm_config": {"sft": {"epochs": 2, "learning_rate": 1.0e-4, "lora": None},
                                           "grpo": {"reward_weights": None, "trl": {"max_steps": 3}}},
                       "sandbox": {"preset": "quick", "steps": 10, "problems": {"max_value": 9}},
                       "eval": {**BASE["eval"], "n": 4, "temperature": 0.7, "limit": None}})
    assert spec.pool.n is None and spec.eval.n == 4 and spec.sandbox["steps"] == 10


def test_spec_merges_cell_configs_as_the_grid_does():
    from xling.study.grid import cell_config
    from xling.study.spec import merged_config

    spec = parse_spec({**BASE, "cells": [{"paradigm": "sft+grpo", "train_langs": ["de"],
                                          "config": {"grpo": {"beta": 0.1}}}],
                       "paradigm_config": {"sft": {"epochs": 1}, "grpo": {"beta": 0.0},
                                           "sft+grpo": {"sft": {"epochs": 2}}}})
    for cell in spec.cells:
        assert merged_config(spec.paradigm_config, cell) == cell_config(spec, cell)


def test_validation_loads_nothing_heavy():
    import subprocess
    import sys

    code = ("import sys, glob; from xling.study.spec import load_spec; "
            "[load_spec(f) for f in glob.glob('studies/*.yaml')]; "
            "heavy = {'torch', 'trl', 'transformers'} & set(sys.modules); assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_cell_keys_are_content_hashes(tmp_path):
    a = resolve_cells(parse_spec(BASE))
    b = resolve_cells(parse_spec({**BASE, "eval": {**BASE["eval"], "limit": 6}}))
    assert [c.key for c in a] == [c.key for c in resolve_cells(parse_spec(BASE))]
    # evaluation changed -> every cell re-evaluates in its directory (tests/test_study_stages.py)
    assert all(x.stage_keys["eval"] != y.stage_keys["eval"] for x, y in zip(a, b, strict=True))
    assert len({c.run.root for c in a}) == len(a)


def test_shipped_study_files_validate():
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


@pytest.mark.parametrize("text, message", [
    ("name: s\nbase_model: sandbox\neval: {benchmarks: [sandbox], limit: 5}\n"
     "probes: []\neval: {benchmarks: [mgsm]}\n",
     "study.yaml:5: duplicate key 'eval' (first at line 3); each key may appear once"),
    ("name: s\nbase_model: sandbox\neval:\n  benchmarks: [sandbox]\n  limit: 5\n  limit: 50\n",
     "study.yaml:6: duplicate key 'limit' (first at line 5)"),
    ("name: s\nbase_model: sandbox\nname: t\n", "study.yaml:3: duplicate key 'name' (first at line 1)"),
])
def test_a_key_written_twice_is_refused_with_file_and_line(tmp_path, text, message):
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(XlingError) as info:
        load_spec(path)
    assert str(info.value).startswith(f"{tmp_path}/{message}")


def test_a_training_config_file_with_a_key_twice_is_refused(tmp_path):
    from xling.cli_train import read_config

    path = tmp_path / "grpo.yaml"
    path.write_text("learning_rate: 1.0e-6\nbeta: 0.0\nlearning_rate: 1.0e-5\n", encoding="utf-8")
    with pytest.raises(XlingError, match=r"grpo\.yaml:3: duplicate key 'learning_rate' \(first at "
                                         r"line 1\)"):
        read_config(path)


@pytest.mark.parametrize("lam, message", [
    ("abc", "paradigm_config.grpo.reward_lambdas.accuracy: expected a number, got 'abc'"),
    (float("nan"), "paradigm_config.grpo.reward_lambdas.accuracy: expected a number, got nan "
                   "(numbers must be finite)"),
    (-1.0, "cell GRPO(de) (paradigm_config.grpo): reward_lambdas.accuracy: λ must be a finite "
           "number >= 0, got -1.0"),
])
def test_a_bad_lambda_is_named_where_it_is(lam, message):
    data = {"name": "s", "base_model": "sandbox",
            "grid": {"paradigms": ["grpo"], "train_langs": [["de"]]},
            "paradigm_config": {"grpo": {"reward": "weighted",
                                         "reward_lambdas": {"accuracy": lam, "format": 0.1}}}}
    with pytest.raises(XlingError) as info:
        parse_spec(data, "s.yaml")
    assert str(info.value) == f"s.yaml: {message}"


def test_a_cells_pool_and_the_controls_are_part_of_the_study():
    """A cell's own pool enters its training key (and so its directory); controls name cells."""
    from xling.study.runner import cell_pool

    spec = parse_spec({**BASE, "grid": None, "cells": [
        {"paradigm": "sft", "train_langs": ["de"]},
        {"paradigm": "sft", "train_langs": ["de"], "pool": "sandbox-basic", "name": "SFT-basic(de)"}],
        "controls": {"transfer": "SFT(de)", "negative": "SFT-basic(de)"}})
    assert spec.controls == {"transfer": "SFT(de)", "negative": "SFT-basic(de)"}
    cells = {c.label: c for c in resolve_cells(spec)}
    assert cells["SFT(de)"].resolved["pool"]["name"] == "sandbox"
    assert cells["SFT-basic(de)"].resolved["pool"]["name"] == "sandbox-basic"
    assert cells["SFT(de)"].key != cells["SFT-basic(de)"].key
    skill = cell_pool(spec, cells["SFT(de)"], ["de"])[:50]
    basic = cell_pool(spec, cells["SFT-basic(de)"], ["de"])[:50]
    # the default world: the skill chains steps, the basic problems are the base's one-step kind
    assert {len(e.meta["ops"]) for e in basic} < {len(e.meta["ops"]) for e in skill} | {1}
    assert min(len(e.meta["ops"]) for e in skill) > max(len(e.meta["ops"]) for e in basic)
