"""Provenance names the commit of every hub dataset and hub model a run read.

A fake hub, no network: the hub's answers (``dataset_info``, ``hf_hub_download``,
``datasets.load_dataset``) are replaced by test doubles that say which commit they serve, and a
hub model is a snapshot in a local hub cache (``HF_HUB_CACHE``, ``HF_HUB_OFFLINE=1``), the way
``transformers`` finds a downloaded model.
Run: pytest tests/test_provenance.py -v
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from helpers.processes import XLING
from xling import hub
from xling.data import load_benchmark, record_reads
from xling.data.io import write_jsonl

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def fake_hub(monkeypatch, tmp_path):
    """The hub answers for any dataset at commit ``SHA``; returns the calls it received."""
    import datasets
    import huggingface_hub

    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr(hub, "offline", lambda: False)
    monkeypatch.setattr(huggingface_hub.HfApi, "dataset_info",
                        lambda self, repo_id, **kw: SimpleNamespace(id=repo_id, sha=SHA))

    def load_dataset(hub_id, *args, **kwargs):
        calls.append((hub_id, kwargs))
        return [{"question": f"Frage {i}?", "answer_number": i} for i in range(3)]

    def hf_hub_download(repo_id, filename, repo_type=None, revision=None):
        calls.append((repo_id, {"filename": filename, "revision": revision}))
        path = tmp_path / "cache" / "snapshots" / (revision or "f" * 40) / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n", encoding="utf-8")
        return str(path)

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", hf_hub_download)
    return calls


def test_a_hub_dataset_is_read_at_the_commit_it_is_recorded_with(fake_hub):
    with record_reads() as reads:
        examples = load_benchmark("mgsm", ["de"], source="juletxara/mgsm", limit=2)
    assert [ex.answer for ex in examples] == ["0", "1"]
    assert fake_hub == [("juletxara/mgsm", {"split": "test", "revision": SHA})]  # pinned
    assert reads.record()["hub"] == [f"juletxara/mgsm@{SHA}"]  # the bare id completed
    assert reads.record()["models"] == []


def test_a_hub_file_is_recorded_with_its_commit_online_and_from_the_cache(fake_hub, monkeypatch):
    with record_reads() as reads:
        hub.download_file("Qwen/P-MMEval", "mlogiqa/test/en.jsonl")
    assert fake_hub[-1] == ("Qwen/P-MMEval", {"filename": "mlogiqa/test/en.jsonl", "revision": SHA})
    assert reads.hub == [f"Qwen/P-MMEval@{SHA}"]
    monkeypatch.setattr(hub, "offline", lambda: True)  # no request: the snapshot names the commit
    with record_reads() as reads:
        hub.download_file("Qwen/P-MMEval", "mlogiqa/test/zh.jsonl")
    assert reads.hub == [f"Qwen/P-MMEval@{'f' * 40}"]


def _hub_cache_with(model_dir: Path, root: Path, repo_id: str) -> Path:
    """A local hub cache holding ``model_dir`` as snapshot ``SHA`` of ``repo_id``."""
    repo = root / ("models--" + repo_id.replace("/", "--"))
    shutil.copytree(model_dir, repo / "snapshots" / SHA)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(SHA, encoding="utf-8")
    return root


def test_a_hub_model_is_recorded_at_the_commit_it_was_loaded_at(tiny_model, tmp_path):
    cache = _hub_cache_with(tiny_model, tmp_path / "hub", "org/tiny")
    folder = tmp_path / "sums"
    write_jsonl(folder / "en.jsonl", [{"id": "a", "q": "What is 1+1?", "a": "2"}])
    (folder / "card.yaml").write_text("name: sums\nfiles: {en: en.jsonl}\n"
                                      "fields: {id: id, question: q, answer: a}\n")
    env = {**os.environ, "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    r = subprocess.run([*XLING, "eval", "--model", "org/tiny", "--benchmark", folder / "card.yaml",
                        "--langs", "en", "--max-new-tokens", "4", "--out", tmp_path / "run"],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr
    data = json.loads((tmp_path / "run" / "metrics.json").read_text())["benchmarks"]["sums"]["data"]
    assert data["models"] == [f"org/tiny@{SHA}"]
    assert data["hub"] == []
