"""The transformers backend: batched ``model.generate`` on CPU or GPU (the default backend).

Stage: generate. Prompts are tokenized, sorted by length (longest first) into batches of
``batch_size`` with left padding, generated, and returned in the original order. Sampling is
exactly ``SamplingParams`` (temperature, top_p, no top-k, no repetition penalty): the
checkpoint's own sampling defaults in ``generation_config.json`` are dropped on load, only its
special-token ids are kept. ``model`` and ``tokenizer`` are public so RFT and probes can reuse
the loaded weights.

Try:
    gen = HFGenerator("path/to/tiny")
    gen.generate(["2+2="], SamplingParams(max_new_tokens=8))
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from xling.generate import SamplingParams, truncate_at_stop
from xling.progress import progress
from xling.schema import Generation, XlingError

log = logging.getLogger(__name__)

Conversation = list[dict[str, str]]
"""Chat messages, e.g. ``[{"role": "user", "content": "..."}]``."""


class HFGenerator:
    """Generate with a transformers causal LM loaded from a local path or hub id.

    Args:
        model: local checkpoint directory or hub id.
        device: ``"cuda"``, ``"cpu"``, ...; None = cuda if available, else cpu.
        dtype: ``"auto"`` (the checkpoint's dtype on GPU, float32 on CPU), ``"float32"``,
            ``"bfloat16"`` or ``"float16"``.
        batch_size: prompts per ``model.generate`` call (each with n samples when sampling).
        chat_template: wrap each prompt as a user turn with the tokenizer's chat template.
        system_prompt: system message prepended in chat mode.
        progress: show a bar over batches (only on a TTY).

    Raises:
        XlingError: the model cannot be found or loaded, or chat_template=True and the
            tokenizer has none.
    """

    def __init__(
        self,
        model: str | Path,
        *,
        device: str | None = None,
        dtype: str = "auto",
        batch_size: int = 16,
        chat_template: bool = False,
        system_prompt: str | None = None,
        progress: bool = True,
    ) -> None:
        import torch

        if batch_size < 1:
            raise XlingError(f"batch_size must be >= 1, got {batch_size}")
        self.model_name = str(model)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.batch_size = batch_size
        self.chat_template = chat_template
        self.system_prompt = system_prompt
        self.show_progress = progress
        self.tokenizer, self.model = _load(model, self.device, dtype)
        if chat_template and not self.tokenizer.chat_template:
            raise XlingError(f"chat_template=True but the tokenizer of {model} has no chat template")
        self.eos_token_ids: list[int] = _clean_generation_config(self.model, self.tokenizer)

    def generate(self, prompts: list[str], params: SamplingParams) -> list[list[Generation]]:
        """Sample ``params.n`` completions per prompt; outer list in prompt order."""
        if not prompts:
            return []
        if self.chat_template:
            return self.generate_chat([[{"role": "user", "content": p}] for p in prompts], params)
        ids = self.tokenizer(list(prompts), add_special_tokens=True)["input_ids"]
        return self._generate_ids(ids, params)

    def generate_chat(
        self, conversations: list[Conversation], params: SamplingParams
    ) -> list[list[Generation]]:
        """Like ``generate`` for chat message lists (rendered with the chat template)."""
        if not conversations:
            return []
        if not self.tokenizer.chat_template:
            raise XlingError(f"the tokenizer of {self.model_name} has no chat template")
        texts = [
            self.tokenizer.apply_chat_template(
                self._with_system(c), tokenize=False, add_generation_prompt=True
            )
            for c in conversations
        ]
        ids = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return self._generate_ids(ids, params)

    def _with_system(self, conversation: Conversation) -> Conversation:
        if self.system_prompt and not any(m["role"] == "system" for m in conversation):
            return [{"role": "system", "content": self.system_prompt}, *conversation]
        return list(conversation)

    def _generate_ids(self, ids: list[list[int]], params: SamplingParams) -> list[list[Generation]]:
        import torch

        for i, row in enumerate(ids):
            if not row:
                raise XlingError(f"prompt {i} is empty after tokenization")
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        results: list[list[Generation]] = [[] for _ in ids]
        torch.manual_seed(params.seed)
        for batch in progress(batches, desc="generate", enabled=self.show_progress):
            for i, gens in zip(batch, self._generate_batch([ids[i] for i in batch], params),
                               strict=True):
                results[i] = gens
        return results

    def _generate_batch(self, ids: list[list[int]], params: SamplingParams) -> list[list[Generation]]:
        import torch

        enc = self.tokenizer.pad({"input_ids": ids}, padding=True, return_tensors="pt")
        kwargs: dict[str, Any] = {"max_new_tokens": params.max_new_tokens, "do_sample": False}
        n_seq = 1 if params.greedy else params.n
        if not params.greedy:
            kwargs |= {"do_sample": True, "temperature": params.temperature, "top_p": params.top_p,
                       "top_k": 0, "num_return_sequences": n_seq}
        if params.stop:
            kwargs |= {"stop_strings": list(params.stop), "tokenizer": self.tokenizer}
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=enc["input_ids"].to(self.device),
                attention_mask=enc["attention_mask"].to(self.device),
                **kwargs,
            )
        new = out[:, enc["input_ids"].shape[1] :].tolist()
        result = []
        for b, prompt in enumerate(ids):
            rows = new[b * n_seq : (b + 1) * n_seq]
            samples = [self._to_generation(row, len(prompt), params) for row in rows]
            result.append(samples * params.n if params.greedy else samples)
        return result

    def _to_generation(self, tokens: list[int], n_prompt: int, params: SamplingParams) -> Generation:
        """Cut at the first eos (kept in the count), strip padding, apply stop strings."""
        n_tok, finish = len(tokens), "length"
        for j, t in enumerate(tokens):
            if t in self.eos_token_ids:
                n_tok, finish = j + 1, "stop"
                break
        else:
            pad = self.tokenizer.pad_token_id
            while n_tok and tokens[n_tok - 1] == pad:
                n_tok -= 1
        text = self.tokenizer.decode(tokens[:n_tok], skip_special_tokens=True)
        text, hit = truncate_at_stop(text, params.stop)
        if hit or n_tok < params.max_new_tokens:
            finish = "stop"
        return Generation(text=text, prompt_tokens=n_prompt, completion_tokens=n_tok, finish_reason=finish)


def _load(model: str | Path, device: str, dtype: str) -> tuple[Any, Any]:
    """Load (tokenizer, model) with left padding, or raise a one-line XlingError."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    name = str(model)
    local = Path(name).expanduser()
    if local.exists():
        name = str(local)
    elif isinstance(model, Path) or name.startswith(("/", ".", "~")) or name.count("/") > 1:
        raise XlingError(f"model path not found: {name}")
    if dtype == "auto":
        torch_dtype: Any = "auto" if not device.startswith("cpu") else torch.float32
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
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    lm.to(device).eval()
    log.info("loaded %s on %s (%s)", name, device, lm.dtype)
    return tokenizer, lm


def _clean_generation_config(model: Any, tokenizer: Any) -> list[int]:
    """Keep only special-token ids in ``model.generation_config``; return the eos ids."""
    from transformers import GenerationConfig

    old = model.generation_config
    eos = old.eos_token_id if old.eos_token_id is not None else tokenizer.eos_token_id
    eos_ids = sorted({*(eos if isinstance(eos, list) else [eos]), tokenizer.eos_token_id} - {None})
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos_ids[0]
    model.generation_config = GenerationConfig(
        bos_token_id=old.bos_token_id, eos_token_id=eos_ids, pad_token_id=pad
    )
    return eos_ids
