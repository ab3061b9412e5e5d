"""The hf backend on the tiny model: shapes, determinism, limits, stop strings, chat, order.

Run: pytest tests/test_generate_hf.py -v
"""

from __future__ import annotations

import doctest
import sys

import pytest

from xling.generate import SamplingParams, get_generator
from xling.schema import Generation, XlingError

PROMPTS = [
    "Janet's ducks lay 16 eggs per day. How much does she make?",
    "珍妮特的鸭子每天下 16 颗蛋。",
    "Утки Джанет несут 16 яиц в день.",
    "2+2=",
    "เป็ดของเจเน็ตวางไข่วันละ 16 ฟอง ทุกเช้าเธอกินไข่ 3 ฟอง",
]


@pytest.fixture(scope="module")
def gen(tiny_model):
    return get_generator("hf", str(tiny_model), batch_size=2, progress=False)


def greedy(max_new_tokens: int = 16, **kw) -> SamplingParams:
    return SamplingParams(max_new_tokens=max_new_tokens, **kw)


def test_importing_generate_loads_no_torch():
    import subprocess

    code = "import xling.generate, sys; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 0}, "n must be"), ({"temperature": -0.1}, "temperature"), ({"top_p": 0.0}, "top_p"),
    ({"top_p": 1.5}, "top_p"), ({"max_new_tokens": 0}, "max_new_tokens"), ({"stop": ("",)}, "stop"),
])
def test_sampling_params_validate(kwargs, message):
    with pytest.raises(XlingError, match=message):
        SamplingParams(**kwargs)


def test_unknown_backend_lists_known():
    with pytest.raises(XlingError, match="unknown backend 'vlm'; known: hf, openai, vllm"):
        get_generator("vlm", "x")


def test_vllm_backend_without_vllm_says_how_to_install():
    import importlib.util

    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vllm is installed")
    with pytest.raises(XlingError, match=r"pip install 'xling\[vllm\]'"):
        get_generator("vllm", "x")


def test_shapes_prompts_by_n(gen):
    out = gen.generate(PROMPTS, SamplingParams(n=3, temperature=1.0, max_new_tokens=8))
    assert len(out) == len(PROMPTS) and all(len(samples) == 3 for samples in out)
    assert all(isinstance(g, Generation) and g.prompt_tokens > 0 for s in out for g in s)
    assert gen.generate([], greedy()) == []


def test_greedy_is_deterministic_and_n_copies(gen):
    a = gen.generate(PROMPTS, greedy(n=2))
    assert a == gen.generate(PROMPTS, greedy(n=2))
    assert all(s[0] == s[1] for s in a)
    assert len({s[0].text for s in a}) > 1  # outputs depend on the prompt


def test_seeded_sampling_repeats_and_seeds_differ(gen):
    params = SamplingParams(n=2, temperature=1.0, max_new_tokens=12, seed=7)
    a = gen.generate(PROMPTS, params)
    assert a == gen.generate(PROMPTS, params)
    b = gen.generate(PROMPTS, SamplingParams(n=2, temperature=1.0, max_new_tokens=12, seed=8))
    assert [g.text for s in a for g in s] != [g.text for s in b for g in s]
    assert any(s[0].text != s[1].text for s in a)  # samples of one prompt differ


def test_max_new_tokens_gives_length(gen):
    out = gen.generate(PROMPTS, greedy(max_new_tokens=5))
    for (g,) in out:
        assert g.finish_reason == "length" and g.completion_tokens == 5


def test_prompt_tokens_counted(gen):
    (g,), = gen.generate([PROMPTS[0]], greedy(max_new_tokens=2))
    assert g.prompt_tokens == len(gen.tokenizer(PROMPTS[0])["input_ids"])


def test_stop_string_truncates(gen):
    full = gen.generate(PROMPTS, greedy(max_new_tokens=24))
    (g,) = full[0]
    stop = g.text[len(g.text) // 2 :][:2]
    assert stop.strip() and len(g.text) > 4
    (cut,), *_ = gen.generate(PROMPTS, greedy(max_new_tokens=24, stop=(stop,)))
    assert cut.text == g.text[: g.text.index(stop)]
    assert cut.finish_reason == "stop" and cut.completion_tokens <= g.completion_tokens


def test_order_restored_after_length_sorting(gen):
    forward = gen.generate(PROMPTS, greedy())
    backward = gen.generate(PROMPTS[::-1], greedy())
    assert forward == backward[::-1]
    singles = [gen.generate([p], greedy())[0] for p in PROMPTS]
    assert forward == singles  # left padding does not change greedy outputs


def test_chat_template_path(tiny_model, gen):
    chat = get_generator("hf", str(tiny_model), chat_template=True, system_prompt="Be brief.",
                         progress=False)
    (g,), = chat.generate([PROMPTS[3]], greedy())
    expected = gen.tokenizer.apply_chat_template(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": PROMPTS[3]}],
        tokenize=False, add_generation_prompt=True)
    assert g.prompt_tokens == len(gen.tokenizer(expected)["input_ids"])
    (raw,), = gen.generate([expected], greedy())
    assert g.text == raw.text


def test_chat_template_missing_is_an_error(tiny_model, tmp_path):
    import shutil

    copy = shutil.copytree(tiny_model, tmp_path / "no_template")
    (copy / "chat_template.jinja").unlink()
    with pytest.raises(XlingError, match="no chat template"):
        get_generator("hf", str(copy), chat_template=True, progress=False)


def test_missing_model_path_is_a_clear_error(tmp_path):
    with pytest.raises(XlingError, match="model path not found"):
        get_generator("hf", str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(XlingError, match="cannot load model"):
        get_generator("hf", str(tmp_path / "empty"))
    with pytest.raises(XlingError, match="unknown dtype"):
        get_generator("hf", str(tmp_path / "empty"), dtype="float33")


def plain_generate(gen, prompts: list[str], max_new_tokens: int) -> list[tuple[str, int]]:
    """(text, completion tokens) from plain ``model.generate``, one unpadded prompt at a time."""
    import torch

    out = []
    for prompt in prompts:
        enc = gen.tokenizer(prompt, return_tensors="pt")
        with torch.inference_mode():
            row = gen.model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False)
        tokens = row[0, enc["input_ids"].shape[1]:].tolist()
        ends = [j for j, t in enumerate(tokens) if t in gen.eos_token_ids]
        tokens = tokens[: ends[0] + 1] if ends else tokens
        out.append((gen.tokenizer.decode(tokens, skip_special_tokens=True), len(tokens)))
    return out


@pytest.mark.parametrize("path", ["dynamic", "static", "continuous"])
def test_every_path_matches_plain_generate_greedy(tiny_model, gen, path):
    fast = get_generator("hf", str(tiny_model), batch_size=2, path=path, progress=False)
    assert fast.path == path
    out = fast.generate(PROMPTS, greedy(n=2, max_new_tokens=20))  # 5 prompts: last batch padded
    assert fast.last_path == path
    assert all(s[0] == s[1] for s in out)
    assert [(s[0].text, s[0].completion_tokens) for s in out] == plain_generate(gen, PROMPTS, 20)


def test_continuous_path_samples_n_and_repeats_with_seed(tiny_model):
    fast = get_generator("hf", str(tiny_model), path="continuous", progress=False)
    params = SamplingParams(n=3, temperature=1.0, max_new_tokens=8, seed=3)
    out = fast.generate(PROMPTS[:2], params)
    assert [len(s) for s in out] == [3, 3]
    assert all(0 < g.completion_tokens <= 8 for s in out for g in s)
    assert out == fast.generate(PROMPTS[:2], params)
    # stop strings are not supported by continuous batching: the call takes the dynamic path
    full = fast.generate(PROMPTS[:1], greedy(max_new_tokens=24))[0][0]
    stop = full.text[len(full.text) // 2:][:2]
    cut = fast.generate(PROMPTS[:1], greedy(max_new_tokens=24, stop=(stop,)))[0][0]
    assert cut.text == full.text[: full.text.index(stop)] and cut.finish_reason == "stop"


def test_automatic_batch_size(tiny_model, gen):
    import xling.generate.hf as hf

    auto = get_generator("hf", str(tiny_model), progress=False)
    assert auto.batch_size is None and auto.path == "auto"  # CPU defaults
    assert auto.path_for([[1, 2]] * 10**4, greedy()) == "dynamic"
    many = [[1, 2]] * (hf.CPU_BATCH_SIZE + 2)
    assert auto.batch_size_for([[1, 2]] * (3 * hf.CPU_BATCH_SIZE), greedy()) == hf.CPU_BATCH_SIZE
    assert auto.batch_size_for(many, greedy()) == hf.CPU_BATCH_SIZE // 2 + 1  # evened out
    assert auto.batch_size_for([[1, 2]], greedy()) == 1
    assert gen.batch_size_for([[1, 2]], greedy()) == 2
    assert doctest.testmod(hf).failed == 0
    cfg = gen.model.config
    small = hf.auto_rows(cfg, 2, 2**30, 100, 64)
    assert hf.auto_rows(cfg, 2, 2**30, 100, 512) <= small  # longer sequences -> fewer rows
    assert hf.auto_rows(cfg, 2, 2**40, 100, 64) == hf.MAX_AUTO_ROWS
    assert hf.auto_rows(cfg, 2, 1, 100, 64) == 1


def test_unknown_path_is_an_error(tiny_model):
    with pytest.raises(XlingError, match="unknown generation path 'fast'; known: auto"):
        get_generator("hf", str(tiny_model), path="fast")
