"""Multi-model studies (study B): models with labels, base-model axis, MTI and off-target per pair.

The "models" are a scripted backend whose answers depend on the model name, so every MTI, gain
and off-target rate has a value this test recomputes by hand from the stored rows.
Run: pytest tests/test_study_models.py -v
"""

from __future__ import annotations

import math
import textwrap

import pytest
import yaml

from xling.data.io import read_parquet
from xling.schema import XlingError
from xling.study.spec import load_spec, parse_spec

LANGS = ["en", "de", "zh"]
# Items (by index within the first 8 MGSM problems) each model answers correctly, per language.
CORRECT = {
    "init": {"en": {0}, "de": {0}, "zh": {0}},
    "reasoner": {"en": {0, 1, 2, 3}, "de": {0, 1}, "zh": {0, 1, 2}},
}
BACKEND = '''
from xling.data import load_benchmark
from xling.languages import get_language
from xling.schema import Generation

CORRECT = {correct!r}
EN_THINK = "First we add the two numbers and then we check the result carefully."
ITEMS = {{}}
for ex in load_benchmark("mgsm", {langs!r}, limit=8):
    ITEMS[ex.question] = (ex.lang, int(ex.parallel_id.split("-")[1]), ex.answer)


class Scripted:
    def __init__(self, model, **_):
        self.name = model

    def generate(self, prompts, params):
        out = []
        for prompt in prompts:
            lang, i, gold = next(v for q, v in ITEMS.items() if prompt.startswith(q))
            answer = gold if i in CORRECT[self.name][lang] else str(int(gold) + 1)
            text = get_language(lang).think_opening + " \\\\boxed{{" + answer + "}}"
            cut = self.name == "reasoner" and (lang, i) == ("zh", 7)
            if self.name == "reasoner":  # thinks in English; one zh thinking block is cut off
                text = ("<think>" + EN_THINK + " " + get_language(lang).think_opening
                        + ("" if cut else "</think> " + text))
            out.append([Generation(text, 5, 9, "length" if cut else "stop")] * params.n)
        return out
'''


def _study(tmp_path, **extra) -> dict:
    return {
        "name": "obs", "backend": "scripted_models:Scripted", "out": str(tmp_path / "runs"),
        "models": [
            {"name": "init", "path": "init", "type": "base", "family": "toy", "size": "1B"},
            {"name": "reasoner", "path": "reasoner", "initial": "init", "type": "reasoning",
             "family": "toy", "size": "1B"},
        ],
        "eval": {"benchmarks": ["mgsm"], "langs": LANGS, "limit": 8, "max_new_tokens": 8},
        **extra,
    }


@pytest.fixture
def scripted(tmp_path, monkeypatch, shared_data):
    (tmp_path / "scripted_models.py").write_text(
        textwrap.dedent(BACKEND.format(correct=CORRECT, langs=LANGS)), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_observational_study_mti_and_off_target_match_the_stored_rows(scripted, tmp_path):
    from xling.metrics import mti
    from xling.report.models import model_pairs, pair_rows
    from xling.report.study import write_study_report
    from xling.study.runner import cell_results, run_study

    study = parse_spec(_study(tmp_path), "obs.yaml")
    assert [c.label for c in study.cells] == ["init", "reasoner"]
    run_study(study)
    cells = [c for c, _ in cell_results(study)]
    pairs = model_pairs(study, cells)
    assert [(p.label, i.label) for p, i in pairs] == [("reasoner", "init")]
    (record,) = pair_rows(study, pairs, "mgsm", LANGS)

    rows = {c.label: read_parquet(c.run.eval_file("mgsm")) for c in cells}
    acc = {name: {lang: sum(r["correct"] for r in rs if r["lang"] == lang) / 8 for lang in LANGS}
           for name, rs in rows.items()}
    by_hand = sum((acc["reasoner"][lg] - acc["init"][lg]) / (acc["reasoner"]["en"] - acc["init"]["en"])
                  for lg in ("de", "zh")) / 2
    assert record["mti"]["mti"] == pytest.approx(by_hand)
    assert by_hand == pytest.approx(0.5)  # (1/8 / 3/8 + 1/8 / 3/8) / 2 with zh's item 7 unclosed
    assert record["mti"]["mti"] == pytest.approx(mti(acc["reasoner"], acc["init"]))
    lo, hi = record["mti"]["ci95"]
    assert lo <= record["mti"]["mti"] <= hi
    assert record["mti"]["gains"] == pytest.approx(
        {lg: acc["reasoner"][lg] - acc["init"][lg] for lg in LANGS})

    reasoner = rows["reasoner"]
    off_think = {lg: sum(r["thinking_lang"] != lg for r in reasoner if r["lang"] == lg and r["thinking"])
                 / sum(1 for r in reasoner if r["lang"] == lg and r["thinking"]) for lg in LANGS}
    assert off_think == {"en": 0.0, "de": 1.0, "zh": 1.0}  # it thinks in English
    assert record["off_target_thinking"] == pytest.approx(sum(off_think.values()) / 3)
    assert record["off_target_answer"] == pytest.approx(0.0)  # answers in the question's language
    assert record["unclosed"] == 1
    assert [r["reason"] for r in reasoner if (r["lang"], r["parallel_id"]) == ("zh", "mgsm-7")] \
        == ["truncated-thinking"]
    assert (record["type"], record["size"]) == ("reasoning", "1B")

    md, _ = write_study_report(study)
    text = md.read_text(encoding="utf-8")
    assert "transfer from each model's post-training (MTI)" in text
    assert f"| reasoner | init | reasoning | toy | 1B | {record['mti']['mti']:.2f} [" in text
    # A models: study has no base model: the report lists the models, and its table has no Gen
    assert "Base model: ``" not in text and "Models: init (`init`); reasoner (`reasoner`)." in text
    title, table = text.split("\n## mgsm: accuracy (%)", 1)[1].split("\n", 1)
    assert title.endswith(" per language, Avg") and "Gen" not in table.split("\n## ")[0]


def test_grid_gains_a_base_model_axis_with_distinct_keys(tmp_path):
    from xling.study.grid import resolve_cells

    data = _study(tmp_path, grid={"paradigms": ["sft"], "train_langs": [["en"]],
                                  "base_models": ["init", "reasoner"]})
    study = parse_spec(data, "int.yaml")
    labels = [c.label for c in study.cells]
    assert labels == ["init", "reasoner", "SFT(en)@init", "SFT(en)@reasoner"]
    cells = {c.label: c for c in resolve_cells(study)}
    assert cells["SFT(en)@init"].resolved["base"] == {"model": "init"}
    assert cells["SFT(en)@init"].key != cells["SFT(en)@reasoner"].key


def test_models_made_by_training_their_initial_model(tmp_path):
    data = _study(tmp_path)
    data["models"][1] = {"name": "reasoner", "initial": "init", "type": "reasoning",
                         "train": {"paradigm": "sft", "train_langs": ["en"],
                                   "config": {"epochs": 1}}}
    study = parse_spec(data, "obs.yaml")
    trained = study.cells[1]
    assert (trained.paradigm, trained.train_langs, trained.base, trained.label) == \
        ("sft", ("en",), "init", "reasoner")


@pytest.mark.parametrize("change, message", [
    (lambda d: d["models"].append(dict(d["models"][0])), "duplicate model name 'init'"),
    (lambda d: d["models"][1].update(initial="nobody"), "models\\[1\\].initial: no model named 'nobody'"),
    (lambda d: d["models"][1].update(train={"paradigm": "sft", "train_langs": ["en"]}),
     "give exactly one of path"),
    (lambda d: d["models"][0].update(type="chat"), "type 'chat' unknown"),
    (lambda d: d.update(grid={"paradigms": ["sft"], "train_langs": [["en"]],
                              "base_models": ["ghost"]}), "grid.base_models\\[0\\]: no model named 'ghost'"),
    (lambda d: d.update(grid={"paradigms": ["sft"], "train_langs": [["en"]]}),
     "without base_model, name grid.base_models"),
    (lambda d: d["models"][0].update(path="./no/such/model"), "models\\[0\\].path: no model at"),
    (lambda d: d["models"][0].update(colour="red"), "models\\[0\\]: unknown key 'colour'"),
    (lambda d: d["eval"].update(sources={"mmath": "x"}), "sources names 'mmath'"),
])
def test_bad_model_lists_are_refused_before_anything_runs(tmp_path, change, message):
    data = _study(tmp_path)
    change(data)
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(XlingError, match=message):
        load_spec(path)


def test_study_b_files_parse():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "studies"
    for name in ("study_b_observational.yaml", "study_b_observational_sandbox.yaml",
                 "study_b_interventional_sandbox.yaml"):
        study = load_spec(root / name)
        assert study.models and not math.isnan(len(study.cells))


TAGGED = '''
from xling.data import load_benchmark
from xling.schema import Generation

ITEMS = {ex.question: ex.answer for ex in load_benchmark("mgsm", ["en"], limit=2)}


class Tagged:
    """Both models think in <reasoning> tags; item 0 closes the block, item 1 is cut off in it
    with the right answer boxed as a draft."""

    def __init__(self, model, **_):
        self.name = model

    def generate(self, prompts, params):
        out = []
        for i, prompt in enumerate(prompts):
            gold = next(a for q, a in ITEMS.items() if prompt.startswith(q))
            if i == 0:
                text, finish = "<reasoning>so \\\\boxed{0}</reasoning> \\\\boxed{" + gold + "}", "stop"
            else:
                text, finish = "<reasoning>a draft: \\\\boxed{" + gold + "} but wait", "length"
            out.append([Generation(text, 5, 9, finish)] * params.n)
        return out
'''


def test_a_listed_models_think_format_scores_its_cells(tmp_path, monkeypatch, shared_data):
    """Study B lists models that delimit thinking differently: a model's ``think_format`` is used
    for its own cell (and cells trained from it), the eval block's for the others, and only the
    cells whose settings change get a new evaluation key."""
    from xling.study.grid import resolve_cells
    from xling.study.runner import run_study

    (tmp_path / "tagged_models.py").write_text(textwrap.dedent(TAGGED), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    data = {
        "name": "tags", "backend": "tagged_models:Tagged", "out": str(tmp_path / "runs"),
        "models": [{"name": "plain", "path": "plain"},
                   {"name": "tagged", "path": "tagged", "initial": "plain",
                    "think_format": "<reasoning> </reasoning>"}],
        "eval": {"benchmarks": ["mgsm"], "langs": ["en"], "limit": 2, "max_new_tokens": 8},
    }
    study = parse_spec(data, "tags.yaml")
    assert study.eval_for(study.cells[1]).think_format == "<reasoning> </reasoning>"
    assert study.eval_for(study.cells[0]) is study.eval
    untagged = parse_spec({**data, "models": [{k: v for k, v in m.items() if k != "think_format"}
                                              for m in data["models"]]}, "tags.yaml")
    keys = [c.stage_keys["eval"] for c in resolve_cells(study)]
    plain_keys = [c.stage_keys["eval"] for c in resolve_cells(untagged)]
    assert keys[0] == plain_keys[0] and keys[1] != plain_keys[1]

    run_study(study)
    rows = {c.spec.label: read_parquet(c.run.eval_file("mgsm")) for c in resolve_cells(study)}
    # The eval block's auto format does not know <reasoning>: the boxes are read as answers,
    # the draft of the cut-off item included.
    assert [(r["think_state"], r["correct"]) for r in rows["plain"]] == [("none", True),
                                                                          ("none", True)]
    # The model's own tags: the answer after the block is scored; the cut-off item is unanswered.
    assert [(r["think_state"], r["correct"], r["reason"]) for r in rows["tagged"]][1] == (
        "unclosed", False, "truncated-thinking")
    assert rows["tagged"][0]["think_state"] == "closed" and rows["tagged"][0]["correct"]


def test_a_bad_model_think_format_is_one_line():
    data = {"name": "x", "models": [{"name": "m", "path": "m", "think_format": "<a> <b> <c>"}],
            "eval": {"benchmarks": ["mgsm"]}}
    with pytest.raises(XlingError, match=r"^x.yaml: models\[0\]: think format '<a> <b> <c>'"):
        parse_spec(data, "x.yaml")
