"""Load a causal-LM checkpoint (model + tokenizer): the one loader of xling.

Stage: below generate, probes and train (imports only ``paths``, ``hub``, ``provenance`` and
``schema``). A local-looking name that does
not exist fails at once with a one-line ``XlingError`` instead of retrying the hub; a checkpoint
that does not load is one line too. A hub model is recorded with the commit it was loaded at
(``provenance.note_model``). Used by the probes, the hf backend and pretraining (TRL's trainers
load the policy themselves, from the path this resolves).
Try:  python -c "from xling.checkpoint import load_causal_lm; print(load_causal_lm('runs/tiny')[0])"
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from xling.paths import looks_local
from xling.provenance import note_model
from xling.schema import XlingError

log = logging.getLogger(__name__)


def resolve_model_path(model: str | Path) -> str:
    """``model`` as ``from_pretrained`` should get it: an existing local path, or a hub id.

    A name that looks local (``paths.looks_local``: a Path, starts with ``/ . ~``, has more than
    one ``/``, or ``runs/typo`` beside an existing ``runs/``) but does not exist is a mistyped
    path, not an ``org/name`` hub id.

    >>> resolve_model_path("Qwen/Qwen2.5-3B")
    'Qwen/Qwen2.5-3B'

    Raises:
        XlingError: a local-looking path that does not exist.
    """
    name = str(model)
    local = Path(name).expanduser()
    if local.exists():
        return str(local)
    if looks_local(model):
        raise XlingError(f"model path not found: {name}")
    return name


def load_causal_lm(
    model: str | Path,
    *,
    device: str | None = None,
    dtype: str = "auto",
    padding_side: str | None = None,
    eval_mode: bool = True,
) -> tuple[Any, Any]:
    """Load (model, tokenizer) from a local path or hub id.

    Args:
        model: a checkpoint directory or hub id (``resolve_model_path``).
        device: torch device; None = "cuda" if available, else "cpu".
        dtype: "auto" (float32 on CPU, the checkpoint's own dtype elsewhere) or a torch dtype
            name ("float32", "bfloat16", "float16").
        padding_side: set on the tokenizer when given ("left" for batched generation); a
            tokenizer without a pad token then pads with EOS.
        eval_mode: put the model in eval mode (False for training).

    Raises:
        XlingError: a missing local path, an unknown dtype, or a checkpoint that does not load.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    name = resolve_model_path(model)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if dtype == "auto":
        torch_dtype: Any = torch.float32 if device.startswith("cpu") else "auto"
    elif isinstance(getattr(torch, dtype, None), torch.dtype):
        torch_dtype = getattr(torch, dtype)
    else:
        raise XlingError(f"unknown dtype {dtype!r}; use auto, float32, bfloat16 or float16")
    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        lm = AutoModelForCausalLM.from_pretrained(name, dtype=torch_dtype)
    except (OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise XlingError(f"cannot load model {name!r}: {reason}") from exc
    if not Path(name).exists():  # a hub model: record the commit it was loaded at
        from xling.hub import model_revision

        note_model(name, getattr(lm.config, "_commit_hash", None) or model_revision(name))
    if padding_side is not None:
        tokenizer.padding_side = padding_side
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
    lm.to(device)
    if eval_mode:
        lm.eval()
    log.info("loaded %s on %s (%s)", name, device, lm.dtype)
    return lm, tokenizer
