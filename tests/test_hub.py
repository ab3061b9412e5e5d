"""The hub out of reach: one line at once naming the dataset or model, never retries and a
traceback; a study checks each hub model once, before any cell.

Networking is made impossible (``HF_ENDPOINT`` on a closed local port, or ``HF_HUB_OFFLINE=1``),
so these tests mean the same on a machine with internet. No hub request succeeds anywhere here.
Run: pytest tests/test_hub.py -v
"""

from __future__ import annotations

import os
import subprocess

import pytest

from helpers.processes import XLING
from xling.schema import XlingError

NO_NETWORK = {"HF_ENDPOINT": "http://127.0.0.1:9"}  # the discard port: nothing listens
OFFLINE = {"HF_HUB_OFFLINE": "1"}
HUB_ONLY = {"mgpqa": ("LLaMAX/BenchMAX_Science", "en"),
            "mgpqa-diamond": ("ellamind/gpqa-multilingual", "de"),  # its hub copy: de es fr
            "gpqa-diamond": ("Idavidrein/gpqa", "en"), "xifeval": ("LLaMAX/BenchMAX_Rule-based", "en")}


@pytest.mark.parametrize("env", [NO_NETWORK, OFFLINE], ids=["no-network", "HF_HUB_OFFLINE"])
@pytest.mark.parametrize("benchmark", HUB_ONLY)
def test_hub_only_benchmark_without_the_hub_is_one_line(tmp_path, benchmark, env):
    clean = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")}
    hub_id, lang = HUB_ONLY[benchmark]
    r = subprocess.run([*XLING, "eval", "--model", "org/some-model", "--benchmark", benchmark,
                        "--langs", lang, "--out", str(tmp_path / "run")], capture_output=True,
                       text=True, timeout=300, env={**clean, **env, "XLING_SHARED_DATA": str(tmp_path)})
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "Retrying" not in r.stderr  # no retry loop either
    errors = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0] == r.stderr.strip().splitlines()[-1]
    assert f"'{hub_id}'" in errors[0] and "pass --source FOLDER" in errors[0]
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("env", [NO_NETWORK, OFFLINE], ids=["no-network", "HF_HUB_OFFLINE"])
def test_eval_of_a_hub_model_that_cannot_load_is_one_line(tmp_path, env):
    """``xling eval --model org/typo``: the model is looked up before the loader's retries."""
    clean = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_ENDPOINT")}
    r = subprocess.run([*XLING, "eval", "--model", "org/no-such-model", "--benchmark", "sandbox",
                        "--langs", "en", "--limit", "1", "--out", str(tmp_path / "run")],
                       capture_output=True, text=True, timeout=300,
                       env={**clean, **env, "HF_HOME": str(tmp_path / "hf")})
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "Retrying" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0] == r.stderr.strip().splitlines()[-1]
    assert "'org/no-such-model'" in errors[0]
    assert ("HF_HUB_OFFLINE is set" if env is OFFLINE else "cannot reach the Hugging Face hub") \
        in errors[0]


def test_no_network_for_a_hub_file_is_one_line(monkeypatch):
    from xling import hub

    monkeypatch.setattr(hub, "offline", lambda: False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")
    with pytest.raises(XlingError, match=r"cannot reach the Hugging Face hub for the dataset "
                                         r"'Qwen/P-MMEval' \(.*\); pass --source FOLDER"):
        hub.download_file("Qwen/P-MMEval", "mlogiqa/test/en.jsonl")
    monkeypatch.setattr(hub, "offline", lambda: True)
    with pytest.raises(XlingError, match=r"model 'org/none' is not in the local hub cache and "
                                         r"HF_HUB_OFFLINE is set"):
        hub.check_model("org/none")


# ---- studies: hub models checked once, before any cell --------------------------------------------

def _study(tiny_model, tmp_path, hub_id="org/reasoner"):
    from xling.study.spec import parse_spec

    return parse_spec({
        "name": "hubcheck", "out": str(tmp_path / "runs"),
        "models": [{"name": "a", "path": hub_id}, {"name": "b", "path": str(tiny_model)}],
        "grid": {"paradigms": ["sft", "grpo"], "train_langs": [["de"]], "base_models": ["a"]},
        "pool": {"name": "sandbox", "n": 4},
        "eval": {"benchmarks": ["sandbox"], "langs": "en", "limit": 2}}, "hubcheck.yaml")


def test_a_missing_hub_model_fails_the_study_once_before_any_cell(tiny_model, tmp_path,
                                                                  monkeypatch):
    from xling import hub
    from xling.study import runner

    calls = []

    def missing(name):
        calls.append(name)
        raise XlingError(f"no model {name!r} on the Hugging Face hub")

    monkeypatch.setattr(hub, "check_model", missing)
    study = _study(tiny_model, tmp_path)
    assert sum(c.base == "a" for c in study.cells) == 3  # its own evaluation and two trainings
    with pytest.raises(XlingError, match=r"^hubcheck\.yaml: no model 'org/reasoner' on the "
                                         r"Hugging Face hub$"):
        runner.run_study(study)
    assert calls == ["org/reasoner"]
    assert not (tmp_path / "runs").exists()  # no cell started


def test_each_hub_model_is_checked_once_per_study(tiny_model, tmp_path, monkeypatch):
    from xling import hub
    from xling.study import runner

    calls, ran = [], []
    monkeypatch.setattr(hub, "check_model", calls.append)
    monkeypatch.setattr(runner, "run_cell", lambda study, cell, base, options=None: ran.append(
        (cell.label, base)))
    monkeypatch.setattr(runner, "check_training", lambda study, cells: None)  # imports trl
    runner.run_study(_study(tiny_model, tmp_path), keep_going=False)
    assert calls == ["org/reasoner"]  # three cells start from it; the local model is not asked
    assert {label for label, _ in ran} == {"a", "b", "SFT(de)@a", "GRPO(de)@a"}


def test_a_relative_model_path_that_does_not_exist_is_refused_up_front(tmp_path, monkeypatch):
    from xling.study.spec import parse_spec

    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    with pytest.raises(XlingError, match=r"s\.yaml: models\[1\]\.path: no model at "
                                         r"'runs/typo-model'"):
        parse_spec({"name": "s", "models": [{"name": "a", "path": "org/model"},
                                            {"name": "b", "path": "runs/typo-model"}]}, "s.yaml")
    with pytest.raises(XlingError, match=r"s\.yaml: base_model: no model at 'runs/typo'"):
        parse_spec({"name": "s", "base_model": "runs/typo"}, "s.yaml")
