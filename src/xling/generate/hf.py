"""The transformers backend: batched ``model.generate`` on CPU or GPU (the default backend).

Stage: generate. Prompts are tokenized, sorted by length (longest first) into batches with left
padding, generated, and returned in the original order, so one call with a large mixed list
(evaluation sends all languages of a benchmark at once) pads little. Sampling is exactly
``SamplingParams`` (temperature, top_p, no top-k, no repetition penalty): the checkpoint's own
sampling defaults in ``generation_config.json`` are dropped on load, only its special-token ids
are kept. ``model`` and ``tokenizer`` are public so RFT and probes can reuse the loaded weights.

How the path is picked (``path="auto"``, the default; ``$XLING_HF_PATH`` sets another default,
so a CLI run or a study can force one), by measurement (benchmarks/generate_speed.py):

* CPU -> ``"dynamic"``: ``generate`` with transformers' dynamic KV cache on length-sorted
  batches. Measured on the sandbox model (2 cores, 1,000 prompts of all 10 languages, 80 new
  tokens; benchmarks/results/generate_speed_cpu.json): 1.4x plain ``generate`` at its best batch
  size (sorting removes most padding); continuous batching was 0.15x (paged attention has no
  fused CPU kernel), and a static cache pays only when compiled, which transformers does on
  accelerators only. Same seed, prompts and batch size -> same samples.
* CUDA -> ``"static"`` where the workload amortises its warm-up, else ``"dynamic"``
  (``static.choose_path``, with the numbers it rests on). ``"static"`` is
  ``cache_implementation="static"``, which transformers compiles (``torch.compile``, CUDA graphs)
  on the first call of each shape: on an H200 (Qwen2.5-0.5B shape, bf16) 19,874 tok/s against
  4,435 for the dynamic cache, after 63 s of compilation in a fresh process (issue 22). The
  workload is the call, or what the caller announced with ``expect`` (evaluation announces all
  its chunks), counted in budget tokens: prompts x n x max_new_tokens. The compiled code is
  kept in xling's compile cache (``static.CompileCache``), so a shape compiled once on a machine
  costs less in every later process, and the rule knows it.
  To keep one shape, every static batch has the same number of rows (a power of two: the
  automatic size rounded down, or the power of two just above a smaller call's prompt count;
  the last batch is padded with copies of its last prompt, whose outputs are dropped) and its
  prompts are left-padded to a multiple of ``PROMPT_BUCKET`` tokens, never shorter than the
  longest this generator has padded to for those rows, so the KV cache length repeats across
  calls, benchmarks, study cells and processes.
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
path keeps the size fixed instead, rounded down to a power of two (see above).

Try:
    gen = HFGenerator("path/to/tiny")
    gen.generate(["2+2="], SamplingParams(max_new_tokens=8))
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any, Literal

from xling.checkpoint import load_causal_lm
from xling.generate import SamplingParams, TokenizedBackend, truncate_at_stop
from xling.generate.static import CompileCache, Warmth, choose_path, shape_key
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
PROMPT_BUCKET = 64
"""Static path: prompts are left-padded to a multiple of this many tokens, so the KV cache
length (part of the compiled shape) is shared by prompt lists whose longest prompts differ by
less than this. Padding costs prefill only, a few percent of a 256-token generation."""


class HFGenerator(TokenizedBackend):
    """Generate with a transformers causal LM loaded from a local path or hub id.

    Args:
        model: local checkpoint directory or hub id.
        device: ``"cuda"``, ``"cpu"``, ...; None = cuda if available, else cpu.
        dtype: ``"auto"`` (the checkpoint's dtype on GPU, float32 on CPU), ``"float32"``,
            ``"bfloat16"`` or ``"float16"``.
        batch_size: prompts per ``model.generate`` call (each with n samples when sampling);
            None = automatic (``CPU_BATCH_SIZE`` on CPU, fill the free memory on GPU).
        path: ``"auto"``, ``"dynamic"``, ``"static"`` or ``"continuous"`` (module docstring);
            None = ``$XLING_HF_PATH``, else ``"auto"``.
        compile: whether the static path is compiled: True also on CPU (to try the compile
            cache without a GPU), False never; None = ``$XLING_HF_COMPILE`` (1 or 0), else where
            transformers compiles it (on accelerators).
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
        path: GenerationPath | None = None,
        compile: bool | None = None,
        chat_template: bool = False,
        system_prompt: str | None = None,
        progress: bool = True,
    ) -> None:
        import torch

        if batch_size is not None and batch_size < 1:
            raise XlingError(f"batch_size must be >= 1, got {batch_size}")
        if path is None:
            path = os.environ.get("XLING_HF_PATH") or "auto"
            if path not in PATHS:
                raise XlingError(f"XLING_HF_PATH={path!r} is not a generation path; known: "
                                 f"{', '.join(PATHS)}")
        if path not in PATHS:
            raise XlingError(f"unknown generation path {path!r}; known: {', '.join(PATHS)}")
        self.model_name = str(model)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.batch_size = batch_size
        self.path: str = path
        """The path asked for; ``last_path`` is the one the latest call ran on."""
        self.last_path: str | None = None
        if compile is None and os.environ.get("XLING_HF_COMPILE"):
            flag = os.environ["XLING_HF_COMPILE"]
            if flag not in ("0", "1"):
                raise XlingError(f"XLING_HF_COMPILE must be 1 or 0, got {flag!r}")
            compile = flag == "1"
        self.compile = compile
        self.compiles: bool = compile if compile is not None else not self.device.startswith("cpu")
        """Whether the static path compiles here (and so uses the compile cache)."""
        self.compile_cache = CompileCache()
        self.chat_template = chat_template
        self.system_prompt = system_prompt
        self.show_progress = progress
        self.tokenizer, self.model = _load(model, self.device, dtype)
        if chat_template and not self.tokenizer.chat_template:
            raise XlingError(f"chat_template=True but the tokenizer of {model} has no chat template")
        self.eos_token_ids: list[int] = _clean_generation_config(self.model, self.tokenizer)
        self._auto_sizes: dict[tuple[int, int], int] = {}
        self._expected: dict[tuple[int, int], int] = {}  # (max_new_tokens, n rows) -> prompts
        self._padded_len: dict[tuple[int, int], int] = {}  # (rows, max_new_tokens) -> tokens
        self._compiled: set[tuple[int, int]] = set()  # (rows, cache_len) compiled here
        log.info("hf backend: %s path on %s", self.path, self.device)

    def expect(self, prompts: int, params: SamplingParams) -> None:
        """Announce that the next calls with ``params``' max_new_tokens and n will send about
        ``prompts`` prompts in all (evaluation sends its chunks one call at a time), so that
        ``path="auto"`` weighs the static path's warm-up against all of them, not one call."""
        self._expected[_plan_key(params)] = prompts

    def path_for(self, ids: list[list[int]], params: SamplingParams) -> str:
        """The path a call with these token ids would run on now: ``"dynamic"``, ``"static"``
        or ``"continuous"`` (module docstring; ``static.choose_path`` for ``"auto"``)."""
        cuda = self.device.startswith("cuda")
        if self.path == "continuous":
            return "continuous" if not params.stop else ("static" if cuda else "dynamic")
        if self.path != "auto" or not cuda:
            return choose_path(self.path, self.device, 0)
        rows, cache_len = self._static_shape(ids, params)
        prompts = max(len(ids), self._expected.get(_plan_key(params), 0))
        tokens = prompts * _plan_key(params)[1] * params.max_new_tokens
        return choose_path("auto", self.device, tokens, self._warmth(rows, cache_len))

    def batch_size_for(self, ids: list[list[int]], params: SamplingParams,
                       static: bool | None = None) -> int:
        """Prompts per batch: ``batch_size`` if set, else the automatic rule (module docstring).

        On the dynamic path the automatic size is evened out over the batches (1,000 prompts at
        most 512 -> two batches of 500). On the static path it is fixed per (max_new_tokens, n)
        at its first use, rounded down to a power of two, so later calls (whose free memory the
        first one lowered) keep the compiled shape. ``static``: None = the path ``path_for``
        picks.
        """
        if self.batch_size is not None:
            return self.batch_size
        if static is None:
            static = self.path_for(ids, params) == "static"
        size = self._auto_size(ids, params)
        if static:
            return 1 << (size.bit_length() - 1)
        n_batches = -(-len(ids) // size)
        return -(-len(ids) // n_batches)

    def _auto_size(self, ids: list[list[int]], params: SamplingParams) -> int:
        if not self.device.startswith("cuda"):
            return CPU_BATCH_SIZE
        key = _plan_key(params)
        if key not in self._auto_sizes:
            import torch

            # blocks PyTorch still caches for freed tensors (a study cell's training) count as
            # free: the same model then gets the same rows, and so the same static shape
            torch.cuda.empty_cache()
            free, _ = torch.cuda.mem_get_info(torch.device(self.device))
            rows = auto_rows(self.model.config, self.model.dtype.itemsize, free,
                             max(len(row) for row in ids), params.max_new_tokens)
            self._auto_sizes[key] = max(1, rows // key[1])
        return self._auto_sizes[key]

    def _static_shape(self, ids: list[list[int]], params: SamplingParams) -> tuple[int, int]:
        """(batch rows incl. samples, KV cache length) of a static call: its compiled shape."""
        size = self.batch_size_for(ids, params, static=True)
        rows = min(size, 1 << (len(ids) - 1).bit_length()) * _plan_key(params)[1]
        return rows, self._prompt_len(ids, params, rows) + params.max_new_tokens

    def _prompt_len(self, ids: list[list[int]], params: SamplingParams, rows: int) -> int:
        """Tokens every prompt of a static call is left-padded to (``PROMPT_BUCKET``)."""
        longest = max(len(row) for row in ids)
        bucketed = -(-longest // PROMPT_BUCKET) * PROMPT_BUCKET
        return max(bucketed, self._padded_len.get((rows, params.max_new_tokens), 0))

    def _warmth(self, rows: int, cache_len: int) -> Warmth:
        """What the first static call of this shape would pay (``static.Warmth``)."""
        if any(r == rows and length >= cache_len for r, length in self._compiled):
            return "compiled"  # a shorter cache is padded up to the compiled one (_prompt_len)
        if self.compiles and self.compile_cache.has(shape_key(self.model, rows, cache_len)):
            return "cached"
        return "cold"

    def _generate_ids(self, ids: list[list[int]], params: SamplingParams) -> list[list[Generation]]:
        import torch

        for i, row in enumerate(ids):
            if not row:
                raise XlingError(f"prompt {i} is empty after tokenization")
        torch.manual_seed(params.seed)
        path = self.path_for(ids, params)
        if path != self.last_path:
            log.info("hf backend: %s path for %d prompts (%s asked)", path, len(ids), self.path)
        self.last_path = path
        key = _plan_key(params)
        if (left := self._expected.pop(key, 0) - len(ids)) > 0:
            self._expected[key] = left
        if path == "continuous":
            return self._generate_continuous(ids, params)
        static = path == "static"
        size = self.batch_size_for(ids, params, static=static)
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        batches = [order[i : i + size] for i in range(0, len(order), size)]
        # static: every batch has `rows` prompts (the last padded with copies, outputs dropped),
        # a power of two below `size`, so a call's batches, and most calls, share one shape
        rows = min(size, 1 << (len(ids) - 1).bit_length())
        prompt_len = self._prompt_len(ids, params, rows * key[1]) if static else None
        if static:
            self._padded_len[(rows * key[1], params.max_new_tokens)] = prompt_len
        results: list[list[Generation]] = [[] for _ in ids]
        for b, batch in enumerate(progress(batches, desc="generate", enabled=self.show_progress)):
            prompts = [ids[i] for i in batch]
            if static:
                prompts += [prompts[-1]] * (rows - len(prompts))
            shape = (rows * key[1], prompt_len + params.max_new_tokens) if static else None
            warmth = self._begin_compile(*shape) if static and b == 0 and self.compiles else None
            start = time.perf_counter()
            gens = self._generate_batch(prompts, params, static, prompt_len)
            if warmth is not None:
                self._end_compile(*shape, params, time.perf_counter() - start, warmth)
            for i, g in zip(batch, gens, strict=False):
                results[i] = g
        return results

    def _begin_compile(self, rows: int, cache_len: int) -> Warmth | None:
        """Before a call's first static batch: when this generator has not compiled the shape
        yet, make the compile cache ready and return what the compilation will cost (``cold``
        or ``cached``); else None."""
        if self._warmth(rows, cache_len) == "compiled":
            return None
        self.compile_cache.activate()
        key = shape_key(self.model, rows, cache_len)
        if key not in _HOT_LOADED and self.compile_cache.load(key):
            _HOT_LOADED.add(key)
            log.info("compile cache: loaded the artefacts of shape %s (%d rows, %d tokens)",
                     key, rows, cache_len)
        return self._warmth(rows, cache_len)

    def _end_compile(self, rows: int, cache_len: int, params: SamplingParams, seconds: float,
                     warmth: Warmth) -> None:
        """After a shape's first static batch: remember it, and record it in the compile cache."""
        import torch
        import transformers

        self._compiled.add((rows, cache_len))
        key = shape_key(self.model, rows, cache_len)
        log.info("hf backend: static shape %s (%d rows, %d-token cache) first batch %.1f s (%s)",
                 key, rows, cache_len, seconds, warmth)
        self.compile_cache.save(key, {
            "rows": rows, "cache_len": cache_len, "max_new_tokens": params.max_new_tokens,
            "model": self.model_name, "dtype": str(self.model.dtype),
            "device": (torch.cuda.get_device_name(self.model.device)
                       if self.model.device.type == "cuda" else self.model.device.type),
            "torch": torch.__version__, "transformers": transformers.__version__,
            "first_batch_s": round(seconds, 3), "warmth": warmth})

    def _sampling_kwargs(self, params: SamplingParams) -> dict[str, Any]:
        """generate() keywords for ``params`` (greedy: one row per prompt, copied n times)."""
        kwargs: dict[str, Any] = {"max_new_tokens": params.max_new_tokens, "do_sample": False}
        if not params.greedy:
            kwargs |= {"do_sample": True, "temperature": params.temperature, "top_p": params.top_p,
                       "top_k": 0, "num_return_sequences": params.n}
        return kwargs

    def _generate_batch(
        self, ids: list[list[int]], params: SamplingParams, static: bool = False,
        prompt_len: int | None = None,
    ) -> list[list[Generation]]:
        """One ``model.generate`` call; static: every row left-padded to ``prompt_len`` tokens."""
        import torch

        pad = {"padding": "max_length", "max_length": prompt_len} if prompt_len else {"padding": True}
        enc = self.tokenizer.pad({"input_ids": ids}, return_tensors="pt", **pad)
        kwargs = self._sampling_kwargs(params)
        n_seq = kwargs.get("num_return_sequences", 1)
        if params.stop:
            kwargs |= {"stop_strings": list(params.stop), "tokenizer": self.tokenizer}
        if static:
            kwargs["cache_implementation"] = "static"
            kwargs |= self._compile_kwargs()
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=enc["input_ids"].to(self.device),
                attention_mask=enc["attention_mask"].to(self.device),
                **kwargs,
            )
        new = out[:, enc["input_ids"].shape[1] :].tolist()
        return [self._samples(new[b * n_seq : (b + 1) * n_seq], len(prompt), params)
                for b, prompt in enumerate(ids)]

    def _compile_kwargs(self) -> dict[str, Any]:
        """generate() keywords that make the static path compile as ``compile`` asks."""
        if self.compile is False:
            return {"disable_compile": True}
        if self.compile and self.device.startswith("cpu"):
            from transformers import CompileConfig

            config = CompileConfig()
            config._compile_all_devices = True  # transformers' switch for compiling on CPU
            return {"compile_config": config}
        return {}

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


def _plan_key(params: SamplingParams) -> tuple[int, int]:
    """(max_new_tokens, rows per prompt): what fixes a workload's batch shape."""
    return params.max_new_tokens, 1 if params.greedy else params.n


_HOT_LOADED: set[str] = set()
"""Shape keys whose saved artefacts this process has loaded into PyTorch's caches."""


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
