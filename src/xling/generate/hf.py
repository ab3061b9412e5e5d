"""The transformers backend: batched ``model.generate`` on CPU or GPU (the default backend).

Stage: generate. Prompts are tokenized, sorted by length (longest first) into batches with left
padding, generated, and returned in the original order, so one call with a large mixed list
(evaluation sends all languages of a benchmark at once) pads little. Sampling is exactly
``SamplingParams`` (temperature, top_p, no top-k, no repetition penalty): the checkpoint's own
sampling defaults in ``generation_config.json`` are dropped on load, only its special-token ids
are kept. ``model`` and ``tokenizer`` are public so RFT and probes can reuse the loaded weights.

How the path is picked (``path="auto"``), by measurement (benchmarks/generate_speed.py):

* CPU -> ``"dynamic"``: ``generate`` with transformers' dynamic KV cache on length-sorted
  batches. Measured on the sandbox model (2 cores, 1,000 prompts of all 10 languages, 80 new
  tokens; benchmarks/results/generate_speed_cpu.json): 1.4x plain ``generate`` at its best batch
  size (sorting removes most padding); continuous batching was 0.15x (paged attention has no
  fused CPU kernel), and a static cache pays only when compiled, which transformers does on
  accelerators only. Same seed, prompts and batch size -> same samples.
* CUDA -> ``"static"``: ``cache_implementation="static"``, which transformers compiles
  (``torch.compile``, CUDA graphs) on the first call. On an H100 (Qwen2.5-0.5B shape, bf16,
  batch 128) this gave 12,967 tok/s against 1,410 tok/s with the dynamic cache (issue 14). Every
  batch has the same number of rows (the automatic size, or the power of two just above a
  smaller call's prompt count; the last batch is padded with copies of its last prompt, whose
  outputs are dropped) and transformers keeps the cache at the longest length seen, so the
  compiled graph is reused rather than recompiled. The first call pays the compilation
  (tens of seconds); ``benchmarks/generate_speed.py --gpu`` reports it as ``warmup_s``. This
  default rests on the issue's H100 figures; the GPU benchmark times static and continuous
  batching side by side, and the default follows whichever is faster there.
* ``"continuous"`` (opt-in): transformers' continuous batching (``model.generate_batch``), which
  refills finished rows with waiting prompts. Used only without stop strings (it has no
  stop-string criterion); with them the call falls back to ``"static"`` on GPU / ``"dynamic"``.

Batch size (``batch_size=None``): on CPU ``CPU_BATCH_SIZE`` prompts (the measured best on the
sandbox model). On CUDA the rows that fill the free memory once the weights are loaded::

    rows = KV_MEMORY_FRACTION * free_bytes / (kv_bytes_per_token * (prompt_len + max_new_tokens)
                                              + prompt_len * intermediate_size * 3 * dtype_bytes)
    kv_bytes_per_token = 2 * num_layers * num_kv_heads * head_dim * dtype_bytes

capped at ``MAX_AUTO_ROWS`` and divided by ``n`` (each prompt takes n rows when sampling). For
Qwen2.5-0.5B in bf16 (12,288 KV bytes per token) on an 80 GB GPU that is the cap. On the
dynamic path the prompts are then spread evenly over the batches this needs, so no batch is a
small remainder (same prompts -> same batches, so sampling stays reproducible); the static
path keeps the size fixed instead (see above).

Try:
    gen = HFGenerator("path/to/tiny")
    gen.generate(["2+2="], SamplingParams(max_new_tokens=8))
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

from xling.checkpoint import load_causal_lm
from xling.generate import SamplingParams, TokenizedBackend, truncate_at_stop
from xling.progress import progress
from xling.schema import Generation, XlingError

log = logging.getLogger(__name__)

GenerationPath = Literal["auto", "dynamic", "static", "continuous"]
PATHS: tuple[str, ...] = ("auto", "dynamic", "static", "continuous")

CPU_BATCH_SIZE = 128
"""Prompts per ``generate`` call on CPU when ``batch_size`` is None: on the sandbox model 64-256
were within noise of each other (2 shared cores), 16 was 1.6x slower, 512+ slower again."""
MAX_AUTO_ROWS = 512
"""Upper bound on the automatic GPU batch (rows = prompts x n)."""
KV_MEMORY_FRACTION = 0.6
"""Share of the free GPU memory the automatic batch size plans to fill."""


class HFGenerator(TokenizedBackend):
    """Generate with a transformers causal LM loaded from a local path or hub id.

    Args:
        model: local checkpoint directory or hub id.
        device: ``"cuda"``, ``"cpu"``, ...; None = cuda if available, else cpu.
        dtype: ``"auto"`` (the checkpoint's dtype on GPU, float32 on CPU), ``"float32"``,
            ``"bfloat16"`` or ``"float16"``.
        batch_size: prompts per ``model.generate`` call (each with n samples when sampling);
            None = automatic (``CPU_BATCH_SIZE`` on CPU, fill the free memory on GPU).
        path: ``"auto"``, ``"dynamic"``, ``"static"`` or ``"continuous"`` (module docstring).
        chat_template: wrap each prompt as a user turn with the tokenizer's chat template.
        system_prompt: system message prepended in chat mode.
        progress: show a bar over batches (only on a TTY).

    Raises:
        XlingError: the model cannot be found or loaded, an unknown path, or
            chat_template=True and the tokenizer has none.
    """

    def __init__(
        self,
        model: str | Path,
        *,
        device: str | None = None,
        dtype: str = "auto",
        batch_size: int | None = None,
        path: GenerationPath = "auto",
        chat_template: bool = False,
        system_prompt: str | None = None,
        progress: bool = True,
    ) -> None:
        import torch

        if batch_size is not None and batch_size < 1:
            raise XlingError(f"batch_size must be >= 1, got {batch_size}")
        if path not in PATHS:
            raise XlingError(f"unknown generation path {path!r}; known: {', '.join(PATHS)}")
        self.model_name = str(model)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.batch_size = batch_size
        self.path: str = path if path != "auto" else (
            "static" if self.device.startswith("cuda") else "dynamic")
        self.chat_template = chat_template
        self.system_prompt = system_prompt
        self.show_progress = progress
        self.tokenizer, self.model = _load(model, self.device, dtype)
        if chat_template and not self.tokenizer.chat_template:
            raise XlingError(f"chat_template=True but the tokenizer of {model} has no chat template")
        self.eos_token_ids: list[int] = _clean_generation_config(self.model, self.tokenizer)
        self._auto_sizes: dict[tuple[int, int], int] = {}
        log.info("hf backend: %s path on %s", self.path, self.device)

    def batch_size_for(self, ids: list[list[int]], params: SamplingParams) -> int:
        """Prompts per batch: ``batch_size`` if set, else the automatic rule (module docstring).

        On the dynamic path the automatic size is evened out over the batches (1,000 prompts at
        most 512 -> two batches of 500). On the static path it is fixed per (max_new_tokens, n)
        at its first use, so later calls (whose free memory the first one lowered) keep the
        compiled shape.
        """
        if self.batch_size is not None:
            return self.batch_size
        if not self.device.startswith("cuda"):
            size = CPU_BATCH_SIZE
        else:
            key = (params.max_new_tokens, 1 if params.greedy else params.n)
            if key not in self._auto_sizes:
                import torch

                free, _ = torch.cuda.mem_get_info(torch.device(self.device))
                rows = auto_rows(self.model.config, self.model.dtype.itemsize, free,
                                 max(len(row) for row in ids), params.max_new_tokens)
                self._auto_sizes[key] = max(1, rows // key[1])
            size = self._auto_sizes[key]
            if self._static(params):
                return size
        n_batches = -(-len(ids) // size)
        return -(-len(ids) // n_batches)

    def _static(self, params: SamplingParams) -> bool:
        """Whether a call with ``params`` runs on the static-cache path."""
        return self.path == "static" or (
            self.path == "continuous" and bool(params.stop) and self.device.startswith("cuda"))

    def _generate_ids(self, ids: list[list[int]], params: SamplingParams) -> list[list[Generation]]:
        import torch

        for i, row in enumerate(ids):
            if not row:
                raise XlingError(f"prompt {i} is empty after tokenization")
        torch.manual_seed(params.seed)
        if self.path == "continuous" and not params.stop:
            return self._generate_continuous(ids, params)
        static = self._static(params)
        size = self.batch_size_for(ids, params)
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        batches = [order[i : i + size] for i in range(0, len(order), size)]
        # static: every batch has `rows` prompts (the last padded with copies, outputs dropped),
        # a power of two below `size`, so a call's batches, and most calls, share one shape
        rows = min(size, 1 << (len(ids) - 1).bit_length())
        results: list[list[Generation]] = [[] for _ in ids]
        for batch in progress(batches, desc="generate", enabled=self.show_progress):
            prompts = [ids[i] for i in batch]
            if static:
                prompts += [prompts[-1]] * (rows - len(prompts))
            for i, gens in zip(batch, self._generate_batch(prompts, params, static), strict=False):
                results[i] = gens
        return results

    def _sampling_kwargs(self, params: SamplingParams) -> dict[str, Any]:
        """generate() keywords for ``params`` (greedy: one row per prompt, copied n times)."""
        kwargs: dict[str, Any] = {"max_new_tokens": params.max_new_tokens, "do_sample": False}
        if not params.greedy:
            kwargs |= {"do_sample": True, "temperature": params.temperature, "top_p": params.top_p,
                       "top_k": 0, "num_return_sequences": params.n}
        return kwargs

    def _generate_batch(
        self, ids: list[list[int]], params: SamplingParams, static: bool = False
    ) -> list[list[Generation]]:
        import torch

        enc = self.tokenizer.pad({"input_ids": ids}, padding=True, return_tensors="pt")
        kwargs = self._sampling_kwargs(params)
        n_seq = kwargs.get("num_return_sequences", 1)
        if params.stop:
            kwargs |= {"stop_strings": list(params.stop), "tokenizer": self.tokenizer}
        if static:
            kwargs["cache_implementation"] = "static"
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=enc["input_ids"].to(self.device),
                attention_mask=enc["attention_mask"].to(self.device),
                **kwargs,
            )
        new = out[:, enc["input_ids"].shape[1] :].tolist()
        return [self._samples(new[b * n_seq : (b + 1) * n_seq], len(prompt), params)
                for b, prompt in enumerate(ids)]

    def _generate_continuous(
        self, ids: list[list[int]], params: SamplingParams
    ) -> list[list[Generation]]:
        """All prompts through transformers' continuous batching (``model.generate_batch``)."""
        from transformers import ContinuousBatchingConfig, GenerationConfig

        base = self.model.generation_config
        config = GenerationConfig(eos_token_id=base.eos_token_id, pad_token_id=base.pad_token_id,
                                  bos_token_id=base.bos_token_id, **self._sampling_kwargs(params))
        n_seq = config.num_return_sequences or 1
        cb = ContinuousBatchingConfig(seed=params.seed)
        if not self.device.startswith("cuda"):  # sized from the request, not from system memory
            pages = sum(-(-(len(row) + params.max_new_tokens) // cb.page_size) for row in ids)
            cb = ContinuousBatchingConfig(seed=params.seed, num_blocks=pages * n_seq,
                                          max_batch_tokens=max(512, max(map(len, ids))))
        out = self.model.generate_batch(
            ids, generation_config=config, max_new_tokens=params.max_new_tokens,
            continuous_batching_config=cb, progress_bar=self.show_progress,
        )
        found = list(out.values())  # in input order, each prompt's n samples together
        if len(found) != len(ids) * n_seq or any(r.error for r in found):
            errors = sorted({str(r.error) for r in found if r.error})
            raise XlingError(f"continuous batching returned {len(found)} of {len(ids) * n_seq} "
                             f"samples; errors: {'; '.join(errors) or 'none reported'}")
        return [
            self._samples([list(r.generated_tokens) for r in found[b * n_seq : (b + 1) * n_seq]],
                          len(prompt), params)
            for b, prompt in enumerate(ids)
        ]

    def _samples(self, rows: list[list[int]], n_prompt: int, params: SamplingParams) -> list[Generation]:
        samples = [self._to_generation(row, n_prompt, params) for row in rows]
        return samples * params.n if params.greedy else samples

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


def auto_rows(config: Any, dtype_bytes: int, free_bytes: int, prompt_tokens: int,
              max_new_tokens: int) -> int:
    """Batch rows that fill ``KV_MEMORY_FRACTION`` of ``free_bytes`` (module docstring).

    >>> from types import SimpleNamespace as C
    >>> qwen05 = C(num_hidden_layers=24, num_key_value_heads=2, num_attention_heads=14,
    ...            hidden_size=896, head_dim=64, intermediate_size=4864)
    >>> auto_rows(qwen05, 2, 2 * 2**30, 200, 256)  # 2 GiB free, 200-token prompts
    112
    """
    cfg = config.get_text_config() if hasattr(config, "get_text_config") else config
    heads = cfg.num_attention_heads
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // heads
    kv_heads = getattr(cfg, "num_key_value_heads", None) or heads
    kv_per_token = 2 * cfg.num_hidden_layers * kv_heads * head_dim * dtype_bytes
    per_row = (kv_per_token * (prompt_tokens + max_new_tokens)
               + prompt_tokens * cfg.intermediate_size * 3 * dtype_bytes)
    return max(1, min(MAX_AUTO_ROWS, int(KV_MEMORY_FRACTION * free_bytes) // per_row))


def _load(model: str | Path, device: str, dtype: str) -> tuple[Any, Any]:
    """Load (tokenizer, model) with left padding (batched generation), or raise a one-line
    XlingError (``checkpoint.load_causal_lm``)."""
    lm, tokenizer = load_causal_lm(model, device=device, dtype=dtype, padding_side="left")
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
