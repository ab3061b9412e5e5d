"""Issue #13 item 6 (probes): one signature, one table, each probe renders its own section.

A probe is a module in ``xling.probes.PROBES`` with ``run(ProbeContext) -> dict | None`` and
``section({label: ProbeResult}, out) -> Section | None``; ``study.probing`` and the report
dispatch through the table, so a new probe is one module + one row. Cells' ``probes.json`` as
stored before the table existed still report. No model is loaded here.
Run: pytest tests/test_probe_sections.py -v
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

import xling.probes
from xling.data.io import read_parquet, write_json, write_parquet
from xling.evaluation.settings import EvalSettings
from xling.metrics import summarize_rows
from xling.probes import PROBES, ProbeContext, ProbeResult, get_probe
from xling.report.study import build_sections
from xling.schema import Example, Generation, XlingError
from xling.study.grid import resolve_cells
from xling.study.spec import parse_spec

LANGS = ["en", "de"]
TEXTS = {"en": "We add the numbers and get the result. The answer is 7.",
         "de": "Wir addieren die Zahlen und erhalten das Ergebnis. Die Antwort ist 7."}


def _study(tmp_path, probes=()):
    return parse_spec({
        "name": "probed", "base_model": str(tmp_path), "out": str(tmp_path / "runs"),
        "grid": {"paradigms": ["sft"], "train_langs": [["de"]]}, "probes": list(probes),
        "eval": {"benchmarks": ["sandbox"], "langs": ",".join(LANGS)},
    }, "probed.yaml")


def _write_cell(cell, n=6):
    rows = [{"id": f"{lang}-{i}", "parallel_id": f"p{i}", "lang": lang, "sample": 0, "gold": "7",
             "prompt": "q", "completion": TEXTS[lang] if i % 2 else TEXTS["en"], "extracted": "7",
             "correct": i % 3 != 0, "reason": "boxed", "response_lang": lang, "ambiguous_number": False,
             "prompt_tokens": 1, "completion_tokens": 1, "finish_reason": "stop", "error": None}
            for lang in LANGS for i in range(n)]
    write_parquet(cell.run.eval_file("sandbox"), rows)
    write_json(cell.run.metrics, {"benchmarks": {"sandbox": {"langs": summarize_rows(rows)}}})
    return rows


def _ctx(tmp_path, **kw) -> ProbeContext:
    examples = [Example(id=f"{lang}-{i}", parallel_id=f"p{i}", lang=lang, question=f"q {i}", answer="7")
                for lang in LANGS for i in range(3)]
    return ProbeContext(**{"model": "m", "base": "b", "examples": examples, "run_dir": tmp_path,
                           "eval_file": tmp_path / "eval.parquet", **kw})


def test_each_probe_renders_its_own_section_from_stored_probes_json(tmp_path, monkeypatch):
    from xling.probes.drift import drift

    study = _study(tmp_path)
    h_diff = np.array([[1.0, 0, 0], [2, 0, 0], [0, 1, 0], [3, 1, 0]])
    for cell in resolve_cells(study):
        _write_cell(cell)
        stored = {  # probes.json as the if-chain wrote it before the probe table
            "perplexity": {"en": 1.25, "de": 1.5},
            "similarity": {"en": 0.5, "de": 0.25},
            "composition": {"en": {"en": 1.0}, "de": {"de": 0.6, "en": 0.4}},
            "retired_probe": {"x": 1},
        }
        if cell.spec.paradigm != "base":
            stored["drift"] = drift(np.zeros_like(h_diff), h_diff).summary()
            np.savez(cell.run.root / "drift.npz", h_diff=h_diff, langs=np.array(["en", "en", "de", "de"]))
        (cell.run.root / "probes.json").write_text(json.dumps(stored), encoding="utf-8")
        cell.mark_done()
    calls = {}
    for name in PROBES:
        module = get_probe(name)
        original = module.section

        def spy(results, out, _name=name, _original=original):
            calls[_name] = results
            return _original(results, out)

        monkeypatch.setattr(module, "section", spy)
    sections = {s.title: s for s in build_sections(study, tmp_path / "out")}

    assert set(calls) == set(PROBES)  # each probe rendered its own section
    assert all(isinstance(r, ProbeResult) for results in calls.values() for r in results.values())
    assert list(calls["drift"]) == ["SFT(de)"]  # the base cell has no drift entry
    assert calls["drift"]["SFT(de)"].run_dir == resolve_cells(study)[1].run.root
    ppl = sections["Probe: question perplexity per language"].markdown
    assert "| Base | 1.250 | 1.500 |" in ppl
    comp = sections["Probe: language composition of responses (% in the question's language / % English)"]
    assert "| SFT(de) | 100.0 | 60.0 / 40.0 |" in comp.markdown
    (drift_section,) = [s for t, s in sections.items() if t.startswith("Probe: hidden-state drift")]
    assert "| SFT(de) | 4 | 3 |" in drift_section.markdown
    assert [Path(p).name for p in drift_section.images] == ["drift.png"]
    assert Path(drift_section.images[0]).stat().st_size > 1000
    assert not any("retired_probe" in s.markdown for s in sections.values())


ECHO_PROBE = '''
from xling.probes import markdown_table
from xling.schema import Section


def run(ctx):
    return {"n_examples": len(ctx.examples), "trained": ctx.trained, "seed": ctx.seed,
            "eval_rows_exist": ctx.eval_file.is_file(), "model": ctx.model, "base": ctx.base}


def section(results, out):
    rows = [[label, str(r.value["n_examples"]), str(r.value["trained"])] for label, r in results.items()]
    return Section("Probe: echo", markdown_table(["model", "questions", "trained"], rows))
'''


def test_a_new_probe_is_one_module_and_one_table_row(tmp_path, monkeypatch):
    from xling.study.probing import PROBE_QUESTIONS, run_probes

    (tmp_path / "echo_probe.py").write_text(textwrap.dedent(ECHO_PROBE), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(XlingError, match="unknown probe 'echo'"):
        _study(tmp_path, ["echo"])  # refused at study-file validation until it is in the table
    monkeypatch.setitem(PROBES, "echo", "echo_probe")
    study = _study(tmp_path, ["echo", "composition"])
    for cell in resolve_cells(study):
        rows = _write_cell(cell)
        result = run_probes(study, cell, model=f"model-{cell.label}", base="the-base")
        assert list(result) == ["echo", "composition"]
        assert result["echo"] == {"n_examples": PROBE_QUESTIONS * len(LANGS),
                                  "trained": cell.spec.paradigm != "base", "seed": cell.spec.seed,
                                  "eval_rows_exist": True, "model": f"model-{cell.label}",
                                  "base": "the-base"}
        by_lang = {}
        for row in rows:
            by_lang.setdefault(row["lang"], []).append(row["completion"])
        assert result["composition"] == xling.probes.composition.composition_by_lang(by_lang)
        write_json(cell.run.root / "probes.json", result)
        cell.mark_done()
    titles = [s.title for s in build_sections(study, tmp_path / "out")]
    assert "Probe: echo" in titles
    assert titles.index("Probe: echo") > titles.index(
        "Probe: language composition of responses (% in the question's language / % English)")


def test_drift_skips_base_cells_and_stores_h_diff(tmp_path, monkeypatch):
    import xling.probes.drift as drift_probe

    h_diff = np.array([[1.0, 0], [0, 2], [1, 1], [2, 0], [0, 1], [1, 3]])
    seen = []

    def fake_between(base, trained, examples, *, seed=0, **_):
        seen.append((base, trained, len(examples), seed))
        return drift_probe.drift(np.zeros_like(h_diff), h_diff, seed=seed)

    monkeypatch.setattr(drift_probe, "drift_between", fake_between)
    assert drift_probe.run(_ctx(tmp_path, trained=False)) is None  # nothing was trained
    assert seen == [] and not (tmp_path / "drift.npz").exists()
    summary = drift_probe.run(_ctx(tmp_path, seed=3))
    assert seen == [("b", "m", 6, 3)]
    assert summary == drift_probe.drift(np.zeros_like(h_diff), h_diff).summary()
    data = np.load(tmp_path / "drift.npz")
    np.testing.assert_array_equal(data["h_diff"], h_diff)
    assert data["langs"].tolist() == ["en"] * 3 + ["de"] * 3


SCRIPTED = '''
from xling.schema import Generation

CALLS = []


class Scripted:
    def __init__(self, model, **options):
        CALLS.append(("init", model, options))

    def generate(self, prompts, params):
        CALLS.append(("generate", len(prompts), params.n, params.temperature, params.seed,
                      params.max_new_tokens))
        return [[Generation(f"answer {i} {j % 2}", 1, 1) for j in range(params.n)]
                for i in range(len(prompts))]
'''


def test_similarity_samples_with_the_context_settings(tmp_path, monkeypatch):
    import xling.probes.similarity as similarity

    (tmp_path / "scripted_sim.py").write_text(textwrap.dedent(SCRIPTED), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    ctx = _ctx(tmp_path, backend="scripted_sim:Scripted", seed=5,
               settings=EvalSettings(max_new_tokens=17, batch_size=8))
    result = similarity.run(ctx)
    import scripted_sim

    assert scripted_sim.CALLS == [("init", "m", {}),  # batch_size is for the hf backend only
                                  ("generate", 6, similarity.SAMPLES, 1.0, 5, 17)]
    texts = [[f"answer {i} {j % 2}" for j in range(similarity.SAMPLES)] for i in range(6)]
    assert result == similarity.self_bleu_by_lang({"en": texts[:3], "de": texts[3:]})
    assert Generation  # the scripted backend returns the package's Generation


def test_composition_probe_reads_the_cells_eval_rows(tmp_path):
    import xling.probes.composition as composition

    study = _study(tmp_path)
    cell = resolve_cells(study)[0]
    rows = _write_cell(cell)
    result = composition.run(_ctx(tmp_path, eval_file=cell.run.eval_file("sandbox")))
    assert result["de"]["de"] == pytest.approx(0.5, abs=0.05)  # half the de answers are English
    assert result["en"] == pytest.approx({"en": 1.0})
    assert read_parquet(cell.run.eval_file("sandbox")) == rows
