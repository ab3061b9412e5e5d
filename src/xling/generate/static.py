"""The static (compiled) generation path: when its warm-up pays, and the cache that lets it be paid
once per machine and shape instead of once per process.

Stage: generate (used by ``hf.py``; imports only ``paths``). Torch is imported inside functions.

**The rule** (``choose_path``, what ``HFGenerator(path="auto")`` does for each workload)::

    tokens  = prompts x rows per prompt (1 when greedy, else n) x max_new_tokens
    static  = warm-up + tokens / static_tok_per_s
    dynamic =           tokens / dynamic_tok_per_s
    auto    -> "static" where static < dynamic, else "dynamic"; off CUDA always "dynamic"

``tokens`` is the budget, not the tokens that will be generated: batched ``generate`` runs every
batch until its longest row stops, and the rates below were measured on a random-weight model
that never stops early, so they are rates per budget token. The warm-up depends on what exists:
0 where this process has already compiled the shape, ``warmup_cached_s`` where the compile cache
holds it (``CompileCache.has``), ``warmup_cold_s`` otherwise. Setting the two sides equal gives
the crossover ``warm-up / (1/dynamic_tok_per_s - 1/static_tok_per_s)`` (``crossover_tokens``).

**The numbers it rests on** (``H200_QWEN05``; provisional): issue 22's run of
``benchmarks/generate_speed.py --gpu`` on one H200 (Qwen2.5-0.5B shape, bf16, 1,024 MGSM prompts,
256 new tokens, torch 2.11, transformers 5.17): xling's static path 19,874 tok/s at 512 rows,
plain ``generate`` with the dynamic cache 4,435 tok/s at batch 512 (its best), 63 s of
compilation in the first call of a fresh process, and 27 s for a whole one-language MGSM
evaluation in a second process whose on-disk compile cache was warm (model load and scoring
included, so an upper bound on the cached warm-up). The crossover is then 359,700 budget tokens
cold (1,405 prompts at 256 tokens) and 154,100 cached (602 prompts): one MGSM language (250
prompts, 64,000 tokens) runs dynamic, all ten (2,500 prompts, 640,000 tokens) static. These
are one model on one GPU; ``benchmarks/generate_speed.py --gpu --part e2e`` re-measures the
warm-ups (first and second process) and the end-to-end times the rule is judged by, and these
constants are to be replaced by its figures.

**The cache** (``CompileCache``, under ``<xling cache>/compile``, see ``paths.cache_root``):

* ``inductor/``: PyTorch's own on-disk caches (inductor's FX graph cache, AOTAutograd's cache,
  triton kernels). Both caches are on by default in PyTorch, but under ``/tmp``; xling points
  ``TORCHINDUCTOR_CACHE_DIR`` here (unless it is set already) before its first compilation, so
  they survive reboots and temporary-directory cleaning and sit beside xling's other per-machine
  artefacts. A second process that compiles the same graph reads it instead of compiling
  (counted as ``fxgraph_cache_hit``); dynamo's tracing and CUDA-graph capture are still paid.
* ``shapes/<key>.json`` and ``shapes/<key>.bin``: one record per compiled shape (the model's
  architecture and dtype, the GPU, torch and transformers versions, batch rows and cache length;
  ``shape_key``) with what its first call cost, and the portable "mega-cache" of that process,
  ``torch.compiler.save_cache_artifacts()``. The record is what ``has`` reads for the rule; the
  ``.bin`` is hot-loaded (``torch.compiler.load_cache_artifacts``) before the shape's first
  call in a later process, which refills the inductor caches when they were cleared or when the
  ``compile/`` folder was copied from another machine with the same GPU and versions.

The weights are not part of a shape: every cell of a study that shares a base architecture, and
so every evaluation of a trained model, reuses the compiled code of the first.

Try:
    >>> choose_path("auto", "cuda:0", tokens=64_000)     # one MGSM language, 256 tokens
    'dynamic'
    >>> choose_path("auto", "cuda:0", tokens=640_000)    # all ten languages
    'static'
    >>> round(crossover_tokens("cached"))
    154143
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from xling.paths import cache_root

log = logging.getLogger(__name__)

Warmth = Literal["compiled", "cached", "cold"]
"""What a static shape's first call will pay: nothing (compiled in this process), the cached
warm-up (the compile cache holds it), or the whole compilation."""


@dataclass(frozen=True)
class PathCosts:
    """Measured speeds and warm-ups the rule weighs (module docstring)."""

    static_tok_per_s: float
    """Budget tokens per second of xling's static, compiled path."""
    dynamic_tok_per_s: float
    """Budget tokens per second of ``generate`` with the dynamic cache."""
    warmup_cold_s: float
    """Seconds the first static call of a shape pays in a process with no compile cache."""
    warmup_cached_s: float
    """Seconds it pays when the on-disk compile cache holds the shape."""
    source: str
    """Where the numbers come from."""

    def warmup_s(self, warmth: Warmth) -> float:
        """Warm-up seconds for a shape in state ``warmth``."""
        return {"compiled": 0.0, "cached": self.warmup_cached_s, "cold": self.warmup_cold_s}[warmth]


H200_QWEN05 = PathCosts(
    static_tok_per_s=19_874, dynamic_tok_per_s=4_435, warmup_cold_s=63.0, warmup_cached_s=27.0,
    source="issue 22: one H200, Qwen2.5-0.5B shape bf16, 256 new tokens, torch 2.11, "
           "transformers 5.17 (benchmarks/generate_speed.py --gpu); cached warm-up bounded by "
           "a whole second-process one-language MGSM evaluation")
"""The provisional basis of the rule (module docstring), until the GPU benchmark's own figures."""


def crossover_tokens(warmth: Warmth, costs: PathCosts = H200_QWEN05) -> float:
    """Budget tokens above which the static path is faster, for a shape in state ``warmth``."""
    return costs.warmup_s(warmth) / (1 / costs.dynamic_tok_per_s - 1 / costs.static_tok_per_s)


def estimate_s(path: str, tokens: int, warmth: Warmth = "cold",
               costs: PathCosts = H200_QWEN05) -> float:
    """Estimated seconds of ``tokens`` budget tokens on ``path`` ("static" or "dynamic")."""
    if path == "static":
        return costs.warmup_s(warmth) + tokens / costs.static_tok_per_s
    return tokens / costs.dynamic_tok_per_s


def choose_path(path: str, device: str, tokens: int, warmth: Warmth = "cold",
                costs: PathCosts = H200_QWEN05) -> str:
    """The path a workload runs on: ``path`` itself unless it is ``"auto"``.

    Args:
        path: ``"auto"``, or a path to force (returned unchanged).
        device: torch device string; transformers compiles the static path on CUDA only, so
            anything else is ``"dynamic"``.
        tokens: budget tokens of the workload (module docstring).
        warmth: what the static path's warm-up will cost for this workload's shape.
        costs: the measurements weighed.

    >>> choose_path("static", "cuda", 10), choose_path("auto", "cpu", 10**9)
    ('static', 'dynamic')
    """
    if path != "auto":
        return path
    if not device.startswith("cuda"):
        return "dynamic"
    static = estimate_s("static", tokens, warmth, costs)
    return "static" if static < estimate_s("dynamic", tokens, warmth, costs) else "dynamic"


def shape_key(model: Any, rows: int, cache_len: int) -> str:
    """Identity of one compiled static shape: ``rows`` batch rows (prompts x samples) with a KV
    cache of ``cache_len`` tokens, for ``model``'s architecture and dtype on its device, under
    the installed torch and transformers. Weights and checkpoint paths are left out (a trained
    model compiles to the same code as its base). 16 hex digits."""
    import torch
    import transformers

    cfg = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    arch = {k: v for k, v in cfg.to_dict().items() if k not in _NOT_ARCHITECTURE}
    device = model.device
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else device.type
    ident = {"arch": arch, "dtype": str(model.dtype), "device": gpu, "rows": rows,
             "cache_len": cache_len, "torch": torch.__version__,
             "transformers": transformers.__version__}
    return hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()[:16]


_NOT_ARCHITECTURE = frozenset({
    "_name_or_path", "_commit_hash", "transformers_version", "architectures", "use_cache",
    "torch_dtype", "dtype", "id2label", "label2id", "bos_token_id", "eos_token_id",
    "pad_token_id", "output_hidden_states", "output_attentions", "return_dict",
})
"""config.json keys that differ between a base model and its fine-tunes without changing the
compiled code (TRL saves ``use_cache: false``, a chat fine-tune new special-token ids, ...)."""


class CompileCache:
    """The static path's compile cache under ``root`` (default ``<xling cache>/compile``).

    ``activate`` before the first compilation; ``has``/``load`` before a shape's first call;
    ``save`` after it (module docstring).
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else cache_root() / "compile"

    @property
    def inductor_dir(self) -> Path:
        """Where PyTorch's inductor, AOTAutograd and triton caches go (unless the user set
        ``TORCHINDUCTOR_CACHE_DIR``)."""
        return self.root / "inductor"

    def activate(self) -> str:
        """Point PyTorch's compile caches at ``inductor_dir`` unless the user chose a directory
        with ``TORCHINDUCTOR_CACHE_DIR``; returns the directory in use. Call before anything
        compiles. (PyTorch writes its default, under /tmp, into that variable the first time it
        looks, so a value equal to the default counts as not chosen.)"""
        current = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
        if not current or os.path.abspath(current) == _torch_default_cache_dir():
            self.inductor_dir.mkdir(parents=True, exist_ok=True)
            os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(self.inductor_dir)
        return os.environ["TORCHINDUCTOR_CACHE_DIR"]

    def _file(self, key: str, suffix: str) -> Path:
        return self.root / "shapes" / f"{key}{suffix}"

    def has(self, key: str) -> bool:
        """Whether a process on this machine has compiled the shape ``key``."""
        return self._file(key, ".json").is_file()

    def record(self, key: str) -> dict[str, Any] | None:
        """The shape's record (what it is and what its first call cost), or None."""
        try:
            return json.loads(self._file(key, ".json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def load(self, key: str) -> bool:
        """Hot-load the shape's saved artefacts into PyTorch's caches; False if there are none
        or PyTorch refuses them (another version: it then simply compiles)."""
        path = self._file(key, ".bin")
        if not path.is_file():
            return False
        import torch

        try:
            info = torch.compiler.load_cache_artifacts(path.read_bytes())
        except Exception as exc:  # a corrupt or foreign file costs a compilation, not the run
            log.warning("compile cache %s not loaded (%s: %s)", path, type(exc).__name__, exc)
            return False
        return info is not None

    def save(self, key: str, record: dict[str, Any]) -> None:
        """Store the shape's record and this process's compile artefacts (atomic writes)."""
        import torch

        self._file(key, "").parent.mkdir(parents=True, exist_ok=True)
        try:
            artefacts = torch.compiler.save_cache_artifacts()
        except Exception as exc:
            log.warning("compile artefacts not saved (%s: %s)", type(exc).__name__, exc)
            artefacts = None
        if artefacts is not None:
            _atomic_write(self._file(key, ".bin"), artefacts[0])
        record = {**record, "saved": time.strftime("%Y-%m-%dT%H:%M:%S"),
                  "artefacts_bytes": len(artefacts[0]) if artefacts else 0}
        _atomic_write(self._file(key, ".json"), json.dumps(record, indent=1).encode())


def _torch_default_cache_dir() -> str:
    """PyTorch's default inductor cache directory (``/tmp/torchinductor_<user>``)."""
    try:
        from torch._inductor.runtime.cache_dir_utils import default_cache_dir
    except ImportError:  # moved in another torch version: the same rule, written out
        import getpass
        import tempfile

        return os.path.join(tempfile.gettempdir(), f"torchinductor_{getpass.getuser()}")
    return os.path.abspath(default_cache_dir())


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


__all__ = ["H200_QWEN05", "CompileCache", "PathCosts", "Warmth", "choose_path", "crossover_tokens",
           "estimate_s", "shape_key"]
