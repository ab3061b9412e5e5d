"""Every generation backend in ``generate.BACKENDS`` honours the one ``Generator`` contract.

Parametrised over the table, so a backend added without a factory here fails (``test_every_backend
_is_covered``). Backends: ``hf`` on the tiny local model; ``vllm`` through the fake ``vllm``
module of tests/test_generate_vllm.py (vLLM needs a GPU build); ``openai`` against the local
OpenAI-compatible test server over the hf backend. The contract: ``params.n`` samples per prompt,
outer list in prompt order, ``Generation`` fields filled, at most ``max_new_tokens`` completion
tokens, the same seed giving the same samples, greedy giving n identical samples, ``[]`` for no
prompts, ``generate_chat`` (where a backend has it) with the same shapes, an ``assistant_prefix``
continued as ``render_prompt`` renders it (plain and with the chat template), and invalid
sampling settings refused with an ``XlingError``. Run: pytest tests/test_backend_conformance.py -v
"""

from __future__ import annotations

import sys

import pytest

from xling.generate import BACKENDS, SamplingParams
from xling.schema import Generation, XlingError

PROMPTS = ["Janet's ducks lay 16 eggs.", "2+2=", "Утки Джанет", "珍妮特的鸭子每天下 16 颗蛋。"]
SAMPLED = SamplingParams(n=3, temperature=1.0, max_new_tokens=6, seed=11)
GREEDY = SamplingParams(n=2, max_new_tokens=6)


@pytest.fixture(scope="module")
def hf(tiny_model):
    from xling.generate.hf import HFGenerator

    return HFGenerator(tiny_model, batch_size=4, progress=False)


@pytest.fixture(scope="module")
def openai_url(hf):
    from helpers.openai_server import serving

    with serving(hf, model_name="tiny") as url:
        yield url


def _make(name, request, tiny_model, monkeypatch, chat=False):
    """The backend ``name`` built through ``get_generator`` (``chat``: with the chat template)."""
    from xling.generate import get_generator

    if name == "hf":
        if not chat:
            return request.getfixturevalue("hf")
        return get_generator("hf", str(tiny_model), batch_size=4, chat_template=True,
                             progress=False)
    if name == "vllm":
        from transformers import AutoTokenizer

        from test_generate_vllm import make_fake_vllm

        monkeypatch.setitem(sys.modules, "vllm", make_fake_vllm(AutoTokenizer.from_pretrained(tiny_model)))
        return get_generator("vllm", "some/model", progress=False, chat_template=chat)
    if name == "openai":
        # The served name is not a path: a prefilled chat turn is rendered with this tokenizer.
        return get_generator("openai", "tiny", base_url=request.getfixturevalue("openai_url"),
                             progress=False, chat_template=chat, tokenizer=str(tiny_model))
    raise AssertionError(f"no conformance factory for backend {name!r}: add one to _make")


@pytest.fixture
def backend(request, tiny_model, monkeypatch):
    """The backend named by the test's parameter, built through ``get_generator``."""
    return _make(request.param, request, tiny_model, monkeypatch)


def test_every_backend_is_covered():
    assert set(BACKENDS) == {"hf", "vllm", "openai"}, "add the new backend to the fixture above"


def _check_shapes(out, n_prompts: int, params: SamplingParams) -> None:
    assert isinstance(out, list) and len(out) == n_prompts
    for samples in out:
        assert len(samples) == params.n
        for g in samples:
            assert isinstance(g, Generation) and isinstance(g.text, str)
            assert g.prompt_tokens > 0 and 0 <= g.completion_tokens <= params.max_new_tokens
            assert g.finish_reason in ("stop", "length")


def _texts(out) -> list[list[str]]:
    return [[g.text for g in samples] for samples in out]


@pytest.mark.parametrize("backend", list(BACKENDS), indirect=True)
def test_generate_shapes_order_n_and_seed(backend):
    out = backend.generate(PROMPTS, SAMPLED)
    _check_shapes(out, len(PROMPTS), SAMPLED)
    assert _texts(backend.generate(PROMPTS, SAMPLED)) == _texts(out)  # same seed, same samples
    greedy = backend.generate(PROMPTS, GREEDY)
    _check_shapes(greedy, len(PROMPTS), GREEDY)
    assert all(len(set(samples)) == 1 for samples in _texts(greedy))  # greedy: n identical
    reverse = backend.generate(PROMPTS[::-1], GREEDY)
    assert _texts(reverse)[::-1] == _texts(greedy)  # each list belongs to its own prompt
    assert backend.generate([], SAMPLED) == []


@pytest.mark.parametrize("backend", list(BACKENDS), indirect=True)
def test_generate_chat_shapes(backend):
    if not hasattr(backend, "generate_chat"):
        pytest.skip(f"{type(backend).__name__} has no generate_chat")
    conversations = [[{"role": "user", "content": p}] for p in PROMPTS[:2]]
    out = backend.generate_chat(conversations, GREEDY)
    _check_shapes(out, 2, GREEDY)
    assert backend.generate_chat([], GREEDY) == []


PREFIXES = ["<think>\nLet me think.\n", "Answer:"]


@pytest.mark.parametrize("chat", [False, True], ids=["plain", "chat"])
@pytest.mark.parametrize("name", list(BACKENDS))
def test_an_assistant_prefix_is_continued_as_render_prompt_renders_it(name, chat, request,
                                                                     tiny_model, monkeypatch):
    """think-prefill's seam: every backend's chat call takes the start of the model's turn and
    the model continues exactly ``render_prompt``'s text (the chat template, then the prefix)."""
    from transformers import AutoTokenizer

    from xling.generate import render_prompt

    gen = _make(name, request, tiny_model, monkeypatch, chat=chat)
    plain = _make(name, request, tiny_model, monkeypatch)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model) if chat else None
    texts = [render_prompt(p, tokenizer=tokenizer, assistant_prefix=x)
             for p, x in zip(PROMPTS[:2], PREFIXES, strict=True)]
    assert texts[0].endswith("\n<think>\nLet me think.\n") and texts[1].endswith("Answer:")
    out = gen.generate(PROMPTS[:2], GREEDY, assistant_prefix=PREFIXES)
    _check_shapes(out, 2, GREEDY)
    assert out == plain.generate(texts, GREEDY)
    assert gen.generate(PROMPTS[:2], GREEDY, assistant_prefix="") == gen.generate(PROMPTS[:2], GREEDY)
    with pytest.raises(XlingError, match="one string per prompt"):
        gen.generate(PROMPTS[:2], GREEDY, assistant_prefix=["only one"])


@pytest.mark.parametrize("backend", list(BACKENDS), indirect=True)
@pytest.mark.parametrize("prompts", ["a bare string", [None], ["ok", 3], [b"bytes"]],
                         ids=["str", "none", "int", "bytes"])
def test_malformed_prompts_are_refused_before_any_work(backend, prompts):
    with pytest.raises(XlingError, match="must be"):
        backend.generate(prompts, GREEDY)
    if hasattr(backend, "generate_chat"):
        with pytest.raises(XlingError, match="must be"):
            backend.generate_chat([[{"role": "user"}]], GREEDY)  # a message without content


@pytest.mark.parametrize("bad", [{"n": 0}, {"temperature": -1.0}, {"top_p": 0.0},
                                 {"max_new_tokens": 0}, {"stop": ("",)}])
def test_invalid_sampling_settings_are_refused(bad):
    with pytest.raises(XlingError):
        SamplingParams(**bad)
