"""Where data comes from: resolve_source for GSM8K and the pools, cwd-independent lookup, the
files a load read (provenance), per-paradigm progress loggers, the sandbox repeat warning.

Run: pytest tests/test_data_sources.py -v
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

import xling.data.sources
import xling.hub
from xling.data import find_shared_data, load_benchmark, record_reads
from xling.data.pools import load_pool
from xling.schema import XlingError

GSM8K_ROWS = [{"question": "Tom has 2 apples and buys 3. How many?", "answer": "2+3=5\n#### 5"},
              {"question": "What is 10 times 100?", "answer": "#### 1,000"}]


@pytest.fixture
def no_hub(monkeypatch):
    """``datasets.load_dataset`` that fails the test if called (no download may happen)."""
    import datasets

    def refuse(*args, **kwargs):
        raise AssertionError(f"the hub was called: {args}")

    monkeypatch.setattr(datasets, "load_dataset", refuse)
    monkeypatch.setattr(xling.hub, "check_dataset", refuse)  # not even asked whether it answers


@pytest.fixture
def fake_hub(monkeypatch):
    """``datasets.load_dataset`` serving GSM8K_ROWS for any id; records the calls."""
    import datasets

    calls = []

    def serve(path, *args, split=None, **kwargs):
        calls.append((path, split))
        return datasets.Dataset.from_list(GSM8K_ROWS)

    monkeypatch.setattr(datasets, "load_dataset", serve)
    monkeypatch.setattr(xling.hub, "check_dataset", lambda hub_id: None)  # the fake hub answers
    return calls


@pytest.fixture
def nothing_staged(monkeypatch):
    monkeypatch.delenv("XLING_SHARED_DATA", raising=False)

    def missing():
        raise XlingError("local benchmark files not found")

    monkeypatch.setattr(xling.data.sources, "find_shared_data", missing)


# --- item 1: GSM8K and the pools go through resolve_source ------------------------------------

@pytest.mark.parametrize("source", ["./nope", "runs/typo/test.jsonl", "/no/such/gsm8k"])
def test_gsm8k_missing_local_source_is_an_immediate_error(no_hub, source):
    with pytest.raises(XlingError, match="does not exist") as err:
        load_benchmark("gsm8k", ["en"], source=source)
    assert "\n" not in str(err.value)


def test_gsm8k_reads_a_folder_or_the_file_itself(tmp_path, no_hub):
    (tmp_path / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in GSM8K_ROWS))
    by_folder = load_benchmark("gsm8k", ["en"], source=str(tmp_path))
    by_file = load_benchmark("gsm8k", ["en"], source=str(tmp_path / "test.jsonl"))
    assert [e.answer for e in by_folder] == [e.answer for e in by_file] == ["5", "1000"]


def test_gsm8k_hub_fallback_is_logged(nothing_staged, fake_hub, caplog):
    with caplog.at_level(logging.INFO, logger="xling.data"):
        examples = load_benchmark("gsm8k", ["en"], limit=1)
    assert fake_hub == [("openai/gsm8k", "test")]
    assert [e.answer for e in examples] == ["5"]
    assert "loading the hub dataset openai/gsm8k" in caplog.text


def test_gsm8k_pool_hub_fallback_is_logged(nothing_staged, fake_hub, caplog):
    with caplog.at_level(logging.INFO, logger="xling.data"):
        pool = load_pool("gsm8k", ["en"])
    assert fake_hub == [("openai/gsm8k", "train")]
    assert [e.id for e in pool] == ["gsm8k-train-0", "gsm8k-train-1"]
    assert "loading the hub dataset openai/gsm8k" in caplog.text


def test_mgsm8k_pool_without_staged_questions_is_an_error(nothing_staged, fake_hub):
    with pytest.raises(XlingError, match="mgsm8kinstruct-questions"):
        load_pool("mgsm8k", ["de"])


# --- item 2: lookup independent of the working directory; a bad XLING_SHARED_DATA fails -------

def test_lookup_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    """Nothing staged beside the checkout: a shared/data beside the *working directory* must not
    be picked up (it was: ``Path.cwd().parent / "shared" / "data"``)."""
    monkeypatch.delenv("XLING_SHARED_DATA", raising=False)
    checkout = tmp_path / "checkout" / "src" / "xling" / "data"
    checkout.mkdir(parents=True)
    monkeypatch.setattr(xling.data.sources, "__file__", str(checkout / "sources.py"))
    (tmp_path / "elsewhere" / "shared" / "data").mkdir(parents=True)
    (tmp_path / "elsewhere" / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere" / "cwd")
    with pytest.raises(XlingError, match="XLING_SHARED_DATA"):
        find_shared_data()
    (tmp_path / "shared" / "data").mkdir(parents=True)  # beside the checkout: found, from any cwd
    assert find_shared_data().resolve() == (tmp_path / "shared" / "data").resolve()


@pytest.mark.parametrize("benchmark,langs", [("mgsm", ["de"]), ("gsm8k", ["en"])])
def test_bad_shared_data_variable_is_an_immediate_error(monkeypatch, no_hub, benchmark, langs):
    monkeypatch.setenv("XLING_SHARED_DATA", "/nowhere")
    with pytest.raises(XlingError, match="XLING_SHARED_DATA='/nowhere' is not a directory") as err:
        load_benchmark(benchmark, langs)
    assert "\n" not in str(err.value)


def test_bad_shared_data_variable_fails_the_pools_too(monkeypatch, no_hub):
    monkeypatch.setenv("XLING_SHARED_DATA", "/nowhere")
    with pytest.raises(XlingError, match="XLING_SHARED_DATA"):
        load_pool("gsm8k", ["en"])


# --- item 3: the files (and hub ids) a load read ---------------------------------------------

def test_a_benchmark_load_records_the_files_it_read(shared_data):
    with record_reads() as mgsm:
        load_benchmark("mgsm", ["de", "en"])
    assert sorted(p.name for p in mgsm.files) == ["mgsm_de.tsv", "mgsm_en.tsv"]
    with record_reads() as gsm8k:
        load_benchmark("gsm8k", ["en"])
    assert [p.relative_to(shared_data.resolve()).as_posix() for p in gsm8k.files] == [
        "gsm8k/test.jsonl"]
    assert mgsm.hub == gsm8k.hub == []
    # Parquet is read by pyarrow, outside Python's audit events: recorded all the same.
    with record_reads() as polymath:
        load_benchmark("polymath", ["en"], limit=1)
    assert polymath.files and all(p.suffix == ".parquet" for p in polymath.files)


@pytest.mark.full_data("the MGSM8KInstruct question files (NJUNLP/QAlign) declare no licence, so they are not in tests/data/staged")
def test_a_pool_load_records_the_pool_files(shared_data):
    with record_reads() as reads:
        load_pool("mgsm8k", ["de"])
    names = sorted(p.relative_to(shared_data.resolve()).as_posix() for p in reads.files)
    assert names == ["gsm8k/train.jsonl", "mgsm8kinstruct-questions/de-en/train.de",
                     "mgsm8kinstruct-questions/de-en/train.en"]


def test_hub_sources_are_recorded_by_id(no_hub):
    with record_reads() as reads, pytest.raises(AssertionError, match="the hub was called"):
        load_benchmark("mgsm", ["de"], "someorg/mgsm")
    assert reads.hub == ["someorg/mgsm"]
    with record_reads() as reads, pytest.raises(AssertionError, match="the hub was called"):
        load_benchmark("gsm8k", ["en"], "openai/gsm8k")
    assert reads.files == [] and reads.hub == ["openai/gsm8k"]


def test_record_reads_sees_every_reader(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.jsonl").write_text('{"k": 1}\n')
    from xling.data.io import read_jsonl

    with record_reads() as reads:
        (tmp_path / "a.txt").read_text()
        read_jsonl(tmp_path / "b.jsonl")
        (tmp_path / "out.txt").write_text("written, not read")
    assert [p.name for p in reads.files] == ["a.txt", "b.jsonl"]
    with record_reads() as outside:
        pass
    (tmp_path / "a.txt").read_text()
    assert outside.files == []


def test_study_report_provenance_hashes_every_benchmark_and_the_pool(tmp_path, shared_data,
                                                                     tiny_model):
    """A study on GSM8K (not MGSM) with a GSM8K pool: its provenance lists GSM8K's test and
    train files with their hashes, as recorded when the cells read them (it listed nothing:
    only MGSM's files were hashed)."""
    import hashlib

    from xling.report.study import write_study_report
    from xling.study.runner import run_study
    from xling.study.spec import parse_spec

    spec = parse_spec({
        "name": "prov", "base_model": str(tiny_model), "out": str(tmp_path / "runs"),
        "pool": {"name": "gsm8k", "n": 4},
        "grid": {"paradigms": ["sft"], "train_langs": [["en"]]},
        "paradigm_config": {"sft": {"epochs": 1, "batch_size": 4}},
        "eval": {"benchmarks": ["gsm8k"], "langs": "en", "limit": 2, "max_new_tokens": 4},
    }, "prov.yaml")
    run_study(spec)
    md_path, _ = write_study_report(spec)
    md = md_path.read_text()
    for name in ("test.jsonl", "train.jsonl"):
        path = (shared_data / "gsm8k" / name).resolve()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        assert f'"{path}": "{digest}"' in md
    assert "mgsm_" not in md


# --- item 5: each paradigm's progress under its own logger -----------------------------------

def test_grpo_progress_is_logged_under_grpo(tmp_path, monkeypatch, caplog):
    """run_grpo with a stand-in trainer that logs two steps: the progress lines (and 'saved')
    come from xling.train.grpo, none from xling.train.sft."""
    import trl

    from xling.schema import Example
    from xling.train.grpo import GRPOConfig, run_grpo

    class State:
        is_world_process_zero, max_steps = True, 2

    class Saver:
        def save_pretrained(self, path):
            path.mkdir(parents=True, exist_ok=True)

    class FakeTrainer:
        def __init__(self, callbacks=(), **kwargs):
            self.callbacks, self.model, self.processing_class = list(callbacks), Saver(), Saver()

        def remove_callback(self, cb):
            pass

        def train(self, resume_from_checkpoint=None):
            for step in (1, 2):
                state = State()
                state.global_step = step
                for cb in self.callbacks:
                    cb.on_log(None, state, None, logs={"loss": 0.5, "reward": 0.25 * step})

    monkeypatch.setattr(trl, "GRPOTrainer", FakeTrainer)
    examples = [Example("e0", "p0", "en", "1+1?", "2")]
    with caplog.at_level(logging.INFO, logger="xling.train"):
        run_grpo("unused-model", examples, GRPOConfig(), tmp_path / "rl")
    steps = [r for r in caplog.records if r.getMessage().startswith("step ")]
    assert [r.getMessage() for r in steps] == ["step 1/2 loss 0.5 reward 0.25",
                                               "step 2/2 loss 0.5 reward 0.5"]
    assert {r.name for r in steps} == {"xling.train.grpo"}
    assert not [r for r in caplog.records if r.name == "xling.train.sft"]


# --- item 6: the sandbox's repeat warning once per config and split --------------------------

def test_sandbox_repeat_warning_once_per_config_and_split(caplog):
    from xling.data.sandbox_world import SandboxConfig, generate_problems

    cfg = SandboxConfig(seed=9137, max_steps=1, max_value=3, max_result=10, ops=("add",))
    with caplog.at_level(logging.INFO, logger="xling.data.sandbox_world"):
        for _ in range(3):
            generate_problems(20, cfg, "train", ["en"])
    repeats = [r for r in caplog.records if "repeat an earlier one" in r.getMessage()]
    assert [r.levelno for r in repeats] == [logging.WARNING, logging.INFO, logging.INFO]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="xling.data.sandbox_world"):
        generate_problems(20, cfg, "eval", ["en"])  # another split: its own first warning
    assert [r.levelno for r in caplog.records if "repeat" in r.getMessage()] == [logging.WARNING]


def test_only_data_files_are_recorded_not_what_libraries_open(shared_data, tmp_path):
    """PolyMath's parquet reader opened /usr/share/zoneinfo/Etc/UTC, which provenance listed as
    a data file; a file a library opens is not data, a card's file of any name is."""
    import zoneinfo

    from xling.data.benchmarks.card import card_benchmark, write_card

    tz = Path("/usr/share/zoneinfo/Etc/UTC")
    (tmp_path / "en.rows").write_text('{"q": "1+1?", "a": 2}\n', encoding="utf-8")
    card = write_card(tmp_path / "card.yaml", name="odd-names", format="jsonl",
                      files={"en": "en.rows"}, fields={"question": "q", "answer": "a"}, align="line")
    with record_reads() as reads:
        load_benchmark("polymath", ["en"], limit=1)
        if tz.is_file():
            tz.read_bytes()  # what a library reading a time zone does
        zoneinfo.ZoneInfo.no_cache("Etc/UTC")
        card_benchmark(card)
    names = [p.name for p in reads.files]
    assert "UTC" not in names and all(not str(p).startswith("/usr/share") for p in reads.files)
    assert "en.rows" in names and "card.yaml" in names and "low.parquet" in names
