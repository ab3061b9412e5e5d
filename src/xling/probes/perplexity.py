"""Question perplexity per language under a model (study A, arXiv 2509.23657, "sampling
exploration": under Qwen2.5-3B-Base German questions had the highest perplexity, 1.414).

Stage: probes. Reads a checkpoint and Examples; gives {lang: mean perplexity}. The text scored
is ``Example.question`` as written (no prompt template). Perplexity = exp(mean token NLL) over
the text's tokens after the first (the first has no context unless the tokenizer adds a BOS);
padding is masked, so a text's value does not depend on its batch.

Try:  python -c "from xling.probes.perplexity import perplexity_by_lang as p; print(p('runs/tiny', examples))"
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from xling.checkpoint import load_causal_lm
from xling.probes import ProbeContext, ProbeResult, encode_batch, lang_table
from xling.schema import Example, Section, XlingError

log = logging.getLogger(__name__)


def question_perplexity(
    model: Any, tokenizer: Any, texts: list[str], batch_size: int = 8
) -> list[float]:
    """Per-text perplexity exp(mean NLL of tokens 2..L given their prefix), in nats -> ppl >= 1.

    Args:
        model: a causal LM (transformers), in eval mode.
        tokenizer: its tokenizer; special tokens are added as the tokenizer's defaults say.
        texts: the texts, length n.
        batch_size: texts per forward pass (does not change the result beyond float noise).

    Returns:
        n perplexities, in input order.

    Raises:
        XlingError: a text with fewer than 2 tokens (nothing to predict).
    """
    import torch

    device = next(model.parameters()).device
    out: list[float] = []
    for start in range(0, len(texts), batch_size):
        chunk = texts[start : start + batch_size]
        input_ids, mask = encode_batch(tokenizer, chunk, device)
        short = [start + i for i, n in enumerate(mask.sum(1).tolist()) if n < 2]
        if short:
            raise XlingError(f"texts {short} have fewer than 2 tokens; perplexity is undefined")
        with torch.no_grad():
            logits = model(input_ids=input_ids, attention_mask=mask).logits.float()
        nll = torch.nn.functional.cross_entropy(
            logits[:, :-1].transpose(1, 2), input_ids[:, 1:], reduction="none"
        )  # [batch, len-1]
        target_mask = mask[:, 1:].float()
        mean_nll = (nll * target_mask).sum(1) / target_mask.sum(1)
        out.extend(math.exp(v) for v in mean_nll.tolist())
    return out


def perplexity_by_lang(
    model_path: str, examples: list[Example], *, batch_size: int = 8, device: str | None = None
) -> dict[str, float]:
    """Mean question perplexity per language (study A's perplexity probe).

    Args:
        model_path: local checkpoint path or hub id (study A uses the base model).
        examples: the questions; their ``lang`` groups the result.
        batch_size: texts per forward pass.
        device: torch device; None = cuda if available, else cpu.

    Returns:
        {lang: mean perplexity over that language's questions}, langs in first-seen order.
    """
    if not examples:
        raise XlingError("perplexity probe needs at least one example")
    model, tokenizer = load_causal_lm(model_path, device=device)
    ppl = question_perplexity(model, tokenizer, [ex.question for ex in examples], batch_size)
    per_lang: dict[str, list[float]] = {}
    for ex, value in zip(examples, ppl, strict=True):
        per_lang.setdefault(ex.lang, []).append(value)
    result = {lang: sum(v) / len(v) for lang, v in per_lang.items()}
    log.info("question perplexity per language: %s", result)
    return result


def run(ctx: ProbeContext) -> dict[str, float]:
    """The probe: mean question perplexity per language under the cell's model."""
    return perplexity_by_lang(ctx.model, ctx.examples)


def section(results: dict[str, ProbeResult], out: Path) -> Section | None:
    """Table: model × language, mean question perplexity."""
    if not results:
        return None
    return Section("Probe: question perplexity per language", lang_table(results))
