"""The vllm backend: keyword names against vLLM's real API, and the mapping through a fake engine.

vLLM needs a GPU build of torch, so it is not installed here. What it accepts is recorded from
the real wheel (tests/cases/vllm_api.json, vLLM 0.34.0, by scripts/extract_vllm_api.py); the
fake ``vllm`` module below refuses any keyword not in that record and records every call.
Run: pytest tests/test_generate_vllm.py -v
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from xling.generate import SamplingParams, get_generator
from xling.generate.vllm import to_vllm_kwargs
from xling.schema import XlingError

API = json.loads((Path(__file__).parent / "cases" / "vllm_api.json").read_text(encoding="utf-8"))
PARAMS = [SamplingParams(), SamplingParams(n=4, temperature=0.7, top_p=0.9, seed=5,
                                           max_new_tokens=64, stop=("\n\n", "Question:"))]


def test_recorded_api_is_from_a_real_wheel():
    assert API["vllm_version"] == "0.34.0" and API["source"].startswith("vllm-0.34.0-")
    assert {"n", "temperature", "top_p", "top_k", "max_tokens", "seed", "stop"} <= set(
        API["SamplingParams"])


@pytest.mark.parametrize("params", PARAMS, ids=["greedy", "sampled"])
def test_every_keyword_is_a_vllm_sampling_params_field(params):
    unknown = set(to_vllm_kwargs(params)) - set(API["SamplingParams"])
    assert not unknown, f"not fields of vllm.SamplingParams {API['vllm_version']}: {unknown}"


@pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="vllm not installed")
@pytest.mark.parametrize("params", PARAMS, ids=["greedy", "sampled"])
def test_installed_vllm_accepts_the_keywords(params):
    import vllm

    sp = vllm.SamplingParams(**to_vllm_kwargs(params))
    assert sp.max_tokens == params.max_new_tokens and sp.seed == params.seed
    assert sp.n == (1 if params.greedy else params.n) and list(sp.stop or []) == list(params.stop)


# --- a fake vllm module that checks names against the record and records calls -------------

@dataclass
class FakeCompletion:
    text: str
    token_ids: list[int]
    finish_reason: str | None = "stop"


@dataclass
class FakeRequestOutput:
    prompt_token_ids: list[int]
    outputs: list[FakeCompletion] = field(default_factory=list)


def make_fake_vllm(tokenizer, script=None):
    """A ``vllm`` stand-in; ``script(prompt_ids, k)`` gives the k-th completion of a prompt."""
    calls: dict[str, list] = {"init": [], "sampling": [], "generate": []}

    class FakeSamplingParams:
        def __init__(self, **kwargs):
            unknown = set(kwargs) - set(API["SamplingParams"])
            assert not unknown, f"vllm.SamplingParams has no field {unknown}"
            if kwargs.get("temperature", 1.0) == 0 and kwargs.get("n", 1) > 1:
                raise ValueError("n must be 1 when using greedy sampling")  # as vLLM does
            self.__dict__.update(kwargs)
            calls["sampling"].append(kwargs)

    class FakeLLM:
        def __init__(self, **kwargs):
            unknown = set(kwargs) - set(API["LLM.__init__"]) - set(API["EngineArgs"])
            assert not unknown, f"vllm.LLM takes no {unknown}"
            calls["init"].append(kwargs)
            self.model_config = types.SimpleNamespace(max_model_len=kwargs["max_model_len"] or 64)

        def get_tokenizer(self):
            return tokenizer

        def generate(self, prompts, sampling_params, **kwargs):
            assert set(kwargs) <= set(API["LLM.generate"])
            calls["generate"].append((prompts, sampling_params, kwargs))
            out = []
            for prompt in prompts:
                ids = prompt["prompt_token_ids"]
                comps = [(script or default_script)(ids, k) for k in range(sampling_params.n)]
                out.append(FakeRequestOutput(list(ids), comps))
            return out

    def default_script(ids, k):
        return FakeCompletion(f"sum {sum(ids)} sample {k}", [7] * (k + 2), "stop")

    fake = types.ModuleType("vllm")
    fake.LLM, fake.SamplingParams, fake.calls = FakeLLM, FakeSamplingParams, calls
    return fake


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


def fake_generator(monkeypatch, tokenizer, script=None, **kwargs):
    fake = make_fake_vllm(tokenizer, script)
    monkeypatch.setitem(sys.modules, "vllm", fake)
    return get_generator("vllm", "some/model", progress=False, **kwargs), fake.calls


def test_engine_is_built_with_xlings_settings(monkeypatch, tokenizer):
    _, calls = fake_generator(monkeypatch, tokenizer, max_model_len=4096, enforce_eager=True)
    (init,) = calls["init"]
    assert init["model"] == "some/model" and init["max_model_len"] == 4096
    assert init["generation_config"] == "vllm"  # the checkpoint's sampling defaults are ignored
    assert init["enforce_eager"] is True
    _, calls = fake_generator(monkeypatch, tokenizer, generation_config="auto")
    assert calls["init"][0]["generation_config"] == "auto"  # the user can opt back in


def test_greedy_asks_one_sample_and_copies_it(monkeypatch, tokenizer):
    gen, calls = fake_generator(monkeypatch, tokenizer)
    prompts = ["2+2=", "Janet's ducks lay 16 eggs per day."]
    out = gen.generate(prompts, SamplingParams(n=3, max_new_tokens=16))
    (sp,) = calls["sampling"]
    assert sp["n"] == 1 and sp["temperature"] == 0 and sp["max_tokens"] == 16 and sp["top_k"] == -1
    assert [len(s) for s in out] == [3, 3] and all(s[0] == s[1] == s[2] for s in out)
    sent = [p["prompt_token_ids"] for p in calls["generate"][0][0]]
    assert sent == tokenizer(prompts)["input_ids"]  # the engine's tokenizer, xling's tokenization
    assert [s[0].prompt_tokens for s in out] == [len(ids) for ids in sent]
    assert out[0][0].text == f"sum {sum(sent[0])} sample 0" and out[0][0].completion_tokens == 2


def test_sampling_maps_every_field(monkeypatch, tokenizer):
    gen, calls = fake_generator(monkeypatch, tokenizer)
    params = PARAMS[1]
    out = gen.generate(["a", "b"], params)
    (sp,) = calls["sampling"]
    assert (sp["n"], sp["temperature"], sp["top_p"], sp["seed"], sp["max_tokens"]) == (
        4, 0.7, 0.9, 5, 64)
    assert sp["stop"] == ["\n\n", "Question:"] and sp["include_stop_str_in_output"] is False
    assert (sp["repetition_penalty"], sp["presence_penalty"], sp["min_p"]) == (1.0, 0.0, 0.0)
    assert [[g.text for g in s] for s in out][0] == [f"sum {sum(tokenizer('a')['input_ids'])} "
                                                     f"sample {k}" for k in range(4)]
    assert calls["generate"][0][2] == {"use_tqdm": False}


def test_finish_reasons_and_stop_strings(monkeypatch, tokenizer):
    def script(ids, k):
        return [FakeCompletion("cut here\n\nmore", [5] * 9, "length"),
                FakeCompletion("ran to the cap", [5] * 8, "length"),
                FakeCompletion("ended", [5, 0], "stop"),
                FakeCompletion("half", [5] * 3, "abort")][k]

    gen, _ = fake_generator(monkeypatch, tokenizer, script)
    (a, b, c, d), = gen.generate(["q"], SamplingParams(n=4, temperature=1.0, max_new_tokens=8,
                                                        stop=("\n\n",)))
    assert (a.text, a.finish_reason, a.completion_tokens) == ("cut here", "stop", 9)
    assert (b.text, b.finish_reason, b.completion_tokens) == ("ran to the cap", "length", 8)
    assert (c.text, c.finish_reason, c.completion_tokens) == ("ended", "stop", 2)
    assert d.finish_reason == "error" and d.text == "" and "abort" in d.error


def test_chat_template_and_system_prompt(monkeypatch, tokenizer):
    gen, calls = fake_generator(monkeypatch, tokenizer, chat_template=True,
                                system_prompt="Be brief.")
    gen.generate(["2+2="], SamplingParams(max_new_tokens=4))
    text = tokenizer.apply_chat_template(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2="}],
        tokenize=False, add_generation_prompt=True)
    sent = calls["generate"][0][0][0]["prompt_token_ids"]
    assert sent == tokenizer(text, add_special_tokens=False)["input_ids"]


def test_prompt_over_max_model_len_is_refused_before_the_engine_runs(monkeypatch, tokenizer):
    gen, calls = fake_generator(monkeypatch, tokenizer, max_model_len=8)
    long = "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning."
    assert len(tokenizer(long)["input_ids"]) >= 8
    with pytest.raises(XlingError, match=r"prompt 1 has \d+ tokens; the engine's max_model_len is 8"):
        gen.generate(["2", long], SamplingParams(max_new_tokens=4))
    assert calls["generate"] == []
    assert gen.generate([], SamplingParams()) == []


def test_missing_chat_template_is_an_error(monkeypatch, tokenizer):
    bare = types.SimpleNamespace(chat_template=None)
    monkeypatch.setitem(sys.modules, "vllm", make_fake_vllm(bare))
    with pytest.raises(XlingError, match="no chat template"):
        get_generator("vllm", "m", chat_template=True)
