"""Mechanism probes of study A (Huang et al., arXiv 2509.23657): why training generalises.

Stage: probes (after train; reads checkpoints and sampled generations, feeds report).
- ``perplexity``: mean question perplexity per language under a model (study A: German highest).
- ``similarity``: self-BLEU between k sampled responses to one question (exploration).
- ``drift``: final-layer hidden-state drift base -> trained, h_diff = h_trained - h_base, PCA.
- ``composition``: the mean share of each language in the responses, per question language.
Each probe module has a ``run(...)`` entry, listed in ``PROBES`` (resolve with
``xling.registry.resolve(PROBES, name, "probe")``). This package file holds only the table and
two small helpers the model-based probes share; torch/transformers are imported inside them.

Try:  python -c "from xling.probes.similarity import self_bleu; print(self_bleu(['a b', 'a c']))"
"""

from __future__ import annotations

from typing import Any

PROBES: dict[str, str] = {
    "perplexity": "xling.probes.perplexity:run",
    "similarity": "xling.probes.similarity:run",
    "drift": "xling.probes.drift:run",
    "composition": "xling.probes.composition:run",
}


def load_model(path: str, device: str | None = None) -> tuple[Any, Any]:
    """Load (model, tokenizer) from a local path or hub id for inference, in eval mode.

    Args:
        path: anything ``AutoModelForCausalLM.from_pretrained`` accepts.
        device: torch device; None = "cuda" if available, else "cpu". Weights load in float32 on
            CPU and in the checkpoint's own dtype ("auto") on GPU.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = "auto" if device.startswith("cuda") else torch.float32
    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype).to(device).eval()
    return model, AutoTokenizer.from_pretrained(path)


def encode_batch(tokenizer: Any, texts: list[str], device: Any) -> tuple[Any, Any]:
    """Tokenize ``texts`` and right-pad them by hand into (input_ids, attention_mask).

    Right padding keeps every real token at its unpadded position, so under a causal mask a
    text's numbers do not depend on the batch it shares. The pad id is irrelevant (masked), so
    tokenizers without a pad token work. Both tensors are [batch, max_len] (int64) on ``device``.
    """
    import torch

    ids = [tokenizer(t)["input_ids"] for t in texts]
    width = max(1, max(len(x) for x in ids))
    input_ids = torch.zeros(len(ids), width, dtype=torch.long)
    mask = torch.zeros(len(ids), width, dtype=torch.long)
    for i, row in enumerate(ids):
        input_ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
        mask[i, : len(row)] = 1
    return input_ids.to(device), mask.to(device)
