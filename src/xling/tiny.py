"""The tiny local model: a byte-level BPE tokenizer and a Qwen2 causal LM built from a config.

Stage: test fixture and sandbox base. No weights are downloaded anywhere: the tokenizer is
trained here with the ``tokenizers`` library (byte-level, so every script round-trips) and the
model is ``Qwen2ForCausalLM`` with seeded random weights, saved with ``save_pretrained`` so
that ``AutoModelForCausalLM`` / ``AutoTokenizer.from_pretrained(out_dir)`` load it like any
hub checkpoint. Torch and transformers are imported inside functions.

Try:  python -c "from xling.tiny import *; print(build_tiny_model('tiny', default_corpus()))"
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from xling.data import find_shared_data
from xling.data.io import read_tsv
from xling.schema import XlingError

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

log = logging.getLogger(__name__)

EOS, PAD, BOS = "<|endoftext|>", "<|pad|>", "<|bos|>"
IM_START, IM_END = "<|im_start|>", "<|im_end|>"
SPECIAL_TOKENS = [EOS, PAD, BOS, IM_START, IM_END]

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message['role'] == 'assistant' %}{% generation %}"
    "{{ message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{% else %}{{ message['content'] + '<|im_end|>' }}{% endif %}"
    "{{ '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
"""Qwen-style ChatML; assistant turns are wrapped in ``{% generation %}`` so that
``return_assistant_tokens_mask`` (TRL's assistant-only loss) works."""


def default_corpus(shared_data_dir: str | Path | None = None) -> list[str]:
    """All MGSM questions of every language in ``<shared>/mgsm/mgsm_*.tsv`` (about 2,750 texts).

    Read with the MGSM loader's reader (``data.io.read_tsv``: two columns, quotes literal).

    Args:
        shared_data_dir: the shared data directory; None = ``find_shared_data()``.
    """
    root = Path(shared_data_dir) if shared_data_dir is not None else find_shared_data()
    files = sorted((root / "mgsm").glob("mgsm_*.tsv"))
    if not files:
        raise XlingError(f"no mgsm_*.tsv files under {root / 'mgsm'}")
    return [question for path in files for question, _ in read_tsv(path, n_columns=2) if question]


def train_tokenizer(texts: Iterable[str], vocab_size: int = 2000) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer on ``texts`` (deterministic, about a second).

    The pipeline is Qwen2's (NFC, Qwen's split regex, byte-level), and the result is a
    ``Qwen2Tokenizer`` built from the trained vocab and merges: transformers maps every
    ``qwen2`` checkpoint to that class on load, so the saved tokenizer reloads identically.
    Every script round-trips (NFC text). Special tokens: eos ``<|endoftext|>``, pad
    ``<|pad|>``, bos ``<|bos|>`` (set, not prepended, as in Qwen) and the ChatML markers;
    ``CHAT_TEMPLATE`` is attached.

    >>> tok = train_tokenizer(["Hallo Welt", "你好世界"], vocab_size=300)
    >>> tok.decode(tok("ঠিক \\\\boxed{42}")["input_ids"])
    'ঠিক \\\\boxed{42}'
    """
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import Qwen2Tokenizer

    template = Qwen2Tokenizer()  # the pipeline transformers rebuilds on load
    core = Tokenizer(models.BPE())
    core.normalizer = template.backend_tokenizer.normalizer
    core.pre_tokenizer = template.backend_tokenizer.pre_tokenizer
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(texts, trainer=trainer)
    trained = json.loads(core.to_str())["model"]
    tok = Qwen2Tokenizer(
        vocab=trained["vocab"], merges=[tuple(m) for m in trained["merges"]],
        eos_token=EOS, pad_token=PAD, bos_token=BOS, unk_token=None,
        extra_special_tokens=[IM_START, IM_END],
    )
    tok.chat_template = CHAT_TEMPLATE
    return tok


def build_tiny_model(
    out_dir: str | Path,
    texts: Iterable[str],
    *,
    vocab_size: int = 2000,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 4,
    num_kv_heads: int = 2,
    intermediate_size: int = 128,
    max_position_embeddings: int = 1024,
    initializer_range: float = 0.1,
    seed: int = 0,
) -> Path:
    """Train a tokenizer on ``texts``, build a seeded random ``Qwen2ForCausalLM``, save both.

    Generation stops at ``<|endoftext|>`` or ``<|im_end|>`` (both in the saved
    generation config). The same arguments give the same weights and tokenizer.
    ``initializer_range`` is about 1/sqrt(hidden_size) rather than Qwen's 0.02, so that even
    the untrained model's greedy output depends on its prompt (at 0.02 it collapses to one
    repeated token, which makes a poor test world).

    Returns:
        ``out_dir`` as a Path, loadable with ``AutoModelForCausalLM.from_pretrained``.
    """
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    out = Path(out_dir)
    tok = train_tokenizer(texts, vocab_size=vocab_size)
    tok.model_max_length = max_position_embeddings
    eos_ids = [tok.convert_tokens_to_ids(EOS), tok.convert_tokens_to_ids(IM_END)]
    config = Qwen2Config(
        vocab_size=len(tok), hidden_size=hidden_size, num_hidden_layers=num_layers,
        num_attention_heads=num_heads, num_key_value_heads=num_kv_heads,
        intermediate_size=intermediate_size, max_position_embeddings=max_position_embeddings,
        initializer_range=initializer_range, tie_word_embeddings=True,
        bos_token_id=tok.bos_token_id, eos_token_id=eos_ids[0], pad_token_id=tok.pad_token_id,
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=tok.bos_token_id, eos_token_id=eos_ids, pad_token_id=tok.pad_token_id
    )
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    n_params = sum(p.numel() for p in model.parameters())
    log.info("tiny model: %d parameters, vocab %d -> %s", n_params, len(tok), out)
    return out
