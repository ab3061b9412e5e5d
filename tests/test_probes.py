"""Study A's mechanism probes on a tiny local model: perplexity, self-BLEU, hidden-state drift.

Run: pytest tests/test_probes.py -v
The model fixture (``probe_model``) is built here; switch to conftest's ``tiny_model`` once the
shared one exists.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

import xling.probes.drift  # noqa: E402
import xling.probes.similarity  # noqa: E402
from xling.checkpoint import load_causal_lm  # noqa: E402
from xling.probes import PROBES, get_probe  # noqa: E402
from xling.probes import perplexity as ppl_probe  # noqa: E402
from xling.probes.drift import drift, hidden_states, plot_drift  # noqa: E402
from xling.probes.similarity import bleu_tokenizer, self_bleu  # noqa: E402
from xling.registry import resolve  # noqa: E402
from xling.schema import Example, XlingError  # noqa: E402

QUESTIONS = {
    "en": ["Tom has 3 apples and buys 4 more. How many?", "A train goes 60 km in 2 hours."],
    "de": ["Tom hat 3 Äpfel und kauft 4 dazu. Wie viele?", "Ein Zug fährt 60 km in 2 Stunden."],
    "zh": ["汤姆有3个苹果，又买了4个。一共有几个苹果？", "火车2小时行驶60公里。"],
}
EXAMPLES = [
    Example(id=f"t-{lang}-{i}", parallel_id=f"t-{i}", lang=lang, question=q, answer="7")
    for lang, qs in QUESTIONS.items()
    for i, q in enumerate(qs)
]


def _save_tiny(out, seed: int = 0) -> str:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    corpus = [q for qs in QUESTIONS.values() for q in qs] * 20
    corpus += [f"{i} + {i} = {2 * i}" for i in range(200)]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<pad>", "<eos>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>")
    torch.manual_seed(seed)
    config = Qwen2Config(vocab_size=len(fast), hidden_size=32, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, intermediate_size=64,
                         max_position_embeddings=256, pad_token_id=fast.pad_token_id,
                         eos_token_id=fast.eos_token_id)
    model = Qwen2ForCausalLM(config)
    model.save_pretrained(out)
    fast.save_pretrained(out)
    return str(out)


@pytest.fixture(scope="module")
def probe_model(tmp_path_factory):
    """Path to a tiny Qwen2 model + byte-level BPE tokenizer (random weights, seeded)."""
    return _save_tiny(tmp_path_factory.mktemp("probe_model"))


@pytest.fixture(scope="module")
def perturbed_model(probe_model, tmp_path_factory):
    """The same model with seeded Gaussian noise (std 0.05) added to every weight."""
    model, tokenizer = load_causal_lm(probe_model, device="cpu")
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * 0.05)
    out = tmp_path_factory.mktemp("perturbed")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return str(out)


def test_probe_table_resolves_to_run_and_section():
    for name in PROBES:
        probe = resolve(PROBES, name, "probe")
        assert get_probe(name) is probe
        assert callable(probe.run) and callable(probe.section)
    with pytest.raises(XlingError, match="unknown probe 'perplexty'; known: "):
        get_probe("perplexty")


# ---- perplexity ---------------------------------------------------------------------------

def test_perplexity_finite_positive_and_stable(probe_model):
    first = ppl_probe.perplexity_by_lang(probe_model, EXAMPLES, device="cpu")
    assert list(first) == ["en", "de", "zh"]
    assert all(math.isfinite(v) and v >= 1.0 for v in first.values())
    assert ppl_probe.perplexity_by_lang(probe_model, EXAMPLES, device="cpu") == first


def test_padding_does_not_change_perplexity(probe_model):
    model, tokenizer = load_causal_lm(probe_model, device="cpu")
    texts = [ex.question for ex in EXAMPLES]
    batched = ppl_probe.question_perplexity(model, tokenizer, texts, batch_size=len(texts))
    single = [ppl_probe.question_perplexity(model, tokenizer, [t])[0] for t in texts]
    assert batched == pytest.approx(single, rel=1e-4)
    # hand check on one text: exp(mean NLL) from the model's own loss
    ids = torch.tensor([tokenizer(texts[0])["input_ids"]])
    with torch.no_grad():
        loss = model(input_ids=ids, labels=ids).loss.item()
    assert single[0] == pytest.approx(math.exp(loss), rel=1e-5)


def test_perplexity_rejects_one_token_text(probe_model):
    model, tokenizer = load_causal_lm(probe_model, device="cpu")
    with pytest.raises(XlingError, match="fewer than 2 tokens"):
        ppl_probe.question_perplexity(model, tokenizer, ["Tom has 3 apples.", ""])


# ---- self-BLEU ----------------------------------------------------------------------------

def test_self_bleu_identical_is_one_and_different_is_lower():
    same = ["Step 1: 3 + 4 = 7. The answer is 7."] * 3
    assert self_bleu(same, "en") == pytest.approx(1.0)
    diverse = [
        "Step 1: 3 + 4 = 7. The answer is 7.",
        "We add four to three and get 7.",
        "Three apples plus four apples make seven apples.",
    ]
    value = self_bleu(diverse, "en")
    assert 0.0 <= value < 0.5


def test_self_bleu_is_symmetric_over_ordered_pairs():
    pair = ["the answer is 7 apples", "so the answer is 7"]
    assert self_bleu(pair) == pytest.approx(self_bleu(pair[::-1]))


def test_self_bleu_tokenizes_chinese_by_character():
    responses = ["汤姆有七个苹果", "汤姆有八个苹果"]
    assert bleu_tokenizer("zh") == "zh" and bleu_tokenizer("ja") == "char"
    # whitespace tokenization sees two different one-word sentences; zh sees 6 of 7 chars shared
    assert self_bleu(responses, tokenize="13a") < 0.1
    assert self_bleu(responses, "zh") > 0.3


def test_self_bleu_needs_two_responses():
    with pytest.raises(XlingError, match="at least 2"):
        self_bleu(["only one"])


def test_similarity_run_per_language():
    gens = {
        "en": [["a b c d", "a b c d"], ["a b c d", "w x y z"]],
        "zh": [["一二三四", "一二三四"]],
    }
    result = xling.probes.similarity.self_bleu_by_lang(gens)
    assert result["zh"] == pytest.approx(1.0)
    assert 0.4 < result["en"] < 0.6  # mean of 1.0 and ~0


# ---- drift --------------------------------------------------------------------------------

def test_hidden_states_shape_and_padding_invariance(probe_model):
    model, tokenizer = load_causal_lm(probe_model, device="cpu")
    texts = [ex.question for ex in EXAMPLES]
    states = hidden_states(model, tokenizer, texts, batch_size=4)
    assert states.shape == (len(texts), 32)
    single = np.concatenate([hidden_states(model, tokenizer, [t]) for t in texts])
    np.testing.assert_allclose(states, single, atol=1e-5)


def test_drift_of_model_against_itself_is_zero(probe_model):
    result = xling.probes.drift.drift_between(probe_model, probe_model, EXAMPLES, device="cpu")
    assert result.h_diff.shape == (len(EXAMPLES), 32)
    assert np.abs(result.h_diff).max() < 1e-6
    assert result.coords.shape == (len(EXAMPLES), 2)
    summary = result.summary()
    assert all(math.isfinite(v) for v in summary.values())
    assert summary["mean_norm"] < 1e-6 and summary["trace_cov"] < 1e-10
    assert summary["concentration"] == 0.0


def test_drift_against_perturbed_copy(probe_model, perturbed_model, tmp_path):
    result = xling.probes.drift.drift_between(probe_model, perturbed_model, EXAMPLES, device="cpu")
    again = xling.probes.drift.drift_between(probe_model, perturbed_model, EXAMPLES, device="cpu")
    np.testing.assert_array_equal(result.coords, again.coords)  # seeded, deterministic
    summary = result.summary()
    assert summary["mean_norm"] > 1e-3 and summary["trace_cov"] > 0
    assert 0 < summary["concentration"] <= 1
    assert summary["explained_variance_1"] >= summary["explained_variance_2"]
    assert result.coords.shape == (len(EXAMPLES), 2)
    json.loads(json.dumps(summary))
    langs = [ex.lang for ex in EXAMPLES]
    same = xling.probes.drift.drift_between(probe_model, probe_model, EXAMPLES, device="cpu")
    out = plot_drift({"perturbed": result, "self": same}, langs, tmp_path / "d" / "drift.png")
    assert out.exists() and out.stat().st_size > 1000


def test_drift_statistics_hand_computed():
    base = np.zeros((4, 3))
    trained = np.array([[1.0, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0]])
    r = drift(base, trained)
    assert r.mean_norm == pytest.approx(1.0)
    assert r.mean_dispersion == pytest.approx(1.0)  # centroid is 0
    assert r.trace_cov == pytest.approx(4 / 3)  # (2 + 2) / (n - 1)
    assert r.concentration == pytest.approx(0.5)
    assert r.explained_variance_ratio.sum() == pytest.approx(1.0)


def test_drift_rejects_bad_shapes():
    with pytest.raises(XlingError, match="shapes"):
        drift(np.zeros((3, 4)), np.zeros((3, 5)))
    with pytest.raises(XlingError, match="at least 2"):
        drift(np.zeros((1, 4)), np.ones((1, 4)))
