"""The tiny local model and its tokenizer.  Run: pytest tests/test_tiny.py -v"""

from __future__ import annotations

import unicodedata

import pytest

import xling.tiny
from xling.schema import XlingError
from xling.tiny import default_corpus, find_shared_data, train_tokenizer

SAMPLES = [
    "珍妮特的鸭子每天下 16 颗蛋。", "ジャネットのアヒルは1日に16個の卵を産みます。",
    "เป็ดของเจเน็ตวางไข่วันละ 16 ฟอง", "জ্যানেটের হাঁসগুলি প্রতিদিন ১৬টি ডিম পাড়ে।",
    "Утки Джанет несут 16 яиц в день.", "Die Antwort ist $\\boxed{\\frac{1}{2}}$.",
    "  two  spaces,\ttab\nnewline  ", "emoji 🦆 and ünïcödé",
]


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


@pytest.mark.full_data("counts MGSM's 250 questions per language")
def test_corpus_covers_every_mgsm_language(shared_data):
    corpus = default_corpus(shared_data)
    assert len(corpus) == 250 * len(list((shared_data / "mgsm").glob("mgsm_*.tsv")))
    assert any('"' in q for q in corpus)  # QUOTE_NONE keeps quote characters


@pytest.mark.parametrize("text", SAMPLES)
def test_saved_tokenizer_round_trips_every_script(tokenizer, text):
    assert tokenizer.decode(tokenizer(text)["input_ids"]) == unicodedata.normalize("NFC", text)


def test_reloaded_tokenizer_equals_trained_one(tokenizer, shared_data):
    corpus = default_corpus(shared_data)
    trained = train_tokenizer(corpus)
    assert trained.get_vocab() == tokenizer.get_vocab()  # deterministic training
    assert all(trained(q)["input_ids"] == tokenizer(q)["input_ids"] for q in corpus[::50])


def test_special_tokens_and_chat_template(tokenizer):
    assert (tokenizer.eos_token, tokenizer.pad_token, tokenizer.bos_token) == (
        "<|endoftext|>", "<|pad|>", "<|bos|>")
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "2+2?"}], tokenize=False, add_generation_prompt=True)
    assert text == "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n"
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert ids[0] == tokenizer.convert_tokens_to_ids("<|im_start|>")  # not split into bytes
    out = tokenizer.apply_chat_template(
        [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        return_dict=True, return_assistant_tokens_mask=True)
    assert 0 < sum(out["assistant_masks"]) < len(out["input_ids"])


def test_model_loads_with_auto_classes(tiny_model):
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    cfg = model.config
    assert (cfg.model_type, cfg.hidden_size, cfg.num_hidden_layers, cfg.vocab_size) == (
        "qwen2", 64, 2, 2000)
    assert model.get_input_embeddings().weight is model.get_output_embeddings().weight
    logits = model(torch.tensor([[5, 6, 7]])).logits
    assert logits.shape == (1, 3, 2000) and torch.isfinite(logits).all()


def test_same_seed_same_weights(tmp_path, shared_data):
    from safetensors.torch import load_file

    corpus = default_corpus(shared_data)[::10]
    a = load_file(xling.tiny.build_tiny_model(tmp_path / "a", corpus, vocab_size=400) / "model.safetensors")
    b = load_file(xling.tiny.build_tiny_model(tmp_path / "b", corpus, vocab_size=400) / "model.safetensors")
    c = load_file(xling.tiny.build_tiny_model(tmp_path / "c", corpus, vocab_size=400, seed=1) / "model.safetensors")
    assert all((a[k] == b[k]).all() for k in a)
    assert any((a[k] != c[k]).any() for k in a)


def test_find_shared_data_env_and_error(monkeypatch, tmp_path):
    monkeypatch.setenv("XLING_SHARED_DATA", str(tmp_path))
    assert find_shared_data() == tmp_path
    monkeypatch.setenv("XLING_SHARED_DATA", str(tmp_path / "missing"))
    with pytest.raises(XlingError, match="XLING_SHARED_DATA"):
        find_shared_data()
    with pytest.raises(XlingError, match="no mgsm_"):
        default_corpus(tmp_path)
