"""Generation speed: xling's backends against plain ``model.generate`` on the same prompts.

Stage: generate. In one process and on one prompt list, times (a) plain transformers
``model.generate`` (dynamic cache, prompts in benchmark order) at each batch size of a sweep,
(b) xling's ``hf`` backend built by ``get_generator("hf", ...)`` and called the way evaluation
calls it (all languages' prompts length-sorted, in chunks of ``CHUNK_PROMPTS``), per path, and
(c) the ``vllm`` backend when vLLM is importable. Greedy decoding; tokens/s counts completion
tokens up to and including eos. Each path's ratio is against the best plain batch size.

CPU (default): the shipped sandbox base model and the tiny test model, the sandbox eval prompts
of all 10 languages (``--per-lang`` each), 80 new tokens (the demo's), written to
benchmarks/results/generate_speed_cpu.json with the load average (a timing taken while
something else ran is worthless: run it on a quiet machine).

GPU (``--gpu``), a Qwen2.5-0.5B-shaped model (the real one with ``--model``, else randomly
initialised from its config in bf16, vocabulary padded to Qwen's 151,936), 256 new tokens, in two
parts (``--part``, default both; each stops starting new work after ``--budget-s``):

* ``paths``: in one process, on the 2,500 MGSM prompts of the 10 study languages
  (``$XLING_SHARED_DATA`` or ../shared/data; else sandbox prompts, marked so in the JSON): plain
  ``generate`` with the dynamic cache at batch 128 and 512, plain ``generate`` with
  ``cache_implementation="static"`` (compiled) at batch 128, xling ``hf`` with the static,
  dynamic and continuous paths forced, and ``vllm`` if installed. A compiled path's first call
  is timed separately as ``warmup_s``. -> benchmarks/results/generate_speed_gpu.json (~6-9 min).
* ``e2e``: ``xling eval --benchmark mgsm`` as a user runs it, one process per run (start-up,
  load, compilation, generation, scoring), for one language (en) and all ten, with the static
  and dynamic paths forced (``$XLING_HF_PATH``) and the automatic choice, each in a first
  process (empty compile cache) and, for static and auto, a second one (the cache the first
  filled): ``E2E_RUNS``. It reports each run's seconds, the paths it logged and the compiled
  shapes' first-batch seconds (the warm-ups the rule in ``xling.generate.static`` weighs:
  ``rule_inputs``), and the issue's ratios (``E2E_CHECKS``).
  -> benchmarks/results/generate_speed_gpu_e2e.json (~9 min on an H200 by the issue's figures;
  needs MGSM; the ten-language second-process runs come last and are the ones --budget-s cuts).

``--tiny`` runs the same code at toy size on a CPU in minutes (fewer prompts and tokens, a
2-layer model) and writes ``*_tiny.json`` beside them: it proves the script, not the speeds. Its
e2e runs compile the static path on CPU (``XLING_HF_COMPILE=1``), so the compile cache is used
as on a GPU; the automatic choice is always dynamic on CPU.

Try:  OMP_NUM_THREADS=1 python benchmarks/generate_speed.py --per-lang 20
      python benchmarks/generate_speed.py --gpu --part e2e     (on a GPU machine; ~9 min)
      python benchmarks/generate_speed.py --gpu --part paths   (on a GPU machine; ~6-9 min)
      python benchmarks/generate_speed.py --gpu --tiny         (both parts' code on CPU)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from xling.generate import SamplingParams, expect_workload, get_generator

RESULTS = Path(__file__).resolve().parent / "results"
QWEN05 = dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
              num_attention_heads=14, num_key_value_heads=2, vocab_size=151936,
              max_position_embeddings=32768, rope_theta=1_000_000.0, tie_word_embeddings=True)
"""Qwen2.5-0.5B's config.json values that set its compute and KV-cache size."""


def sandbox_prompts(per_lang: int) -> list[str]:
    """The sandbox eval prompts of all study languages, as evaluation builds them."""
    from xling.data.benchmarks import sandbox
    from xling.languages import STUDY_LANGS, build_prompt
    from xling.study.sandbox_base import SandboxRecipe

    examples = sandbox.load(list(STUDY_LANGS), json.dumps(SandboxRecipe().problems), per_lang)
    return [build_prompt(ex.question, ex.lang) for ex in examples]


def mgsm_prompts() -> tuple[list[str], str]:
    """The 2,500 MGSM prompts (250 x 10 study languages), or sandbox prompts if MGSM is absent."""
    from xling.data.benchmarks import mgsm
    from xling.languages import STUDY_LANGS, build_prompt
    from xling.schema import XlingError

    try:
        examples = mgsm.load(list(STUDY_LANGS))
    except XlingError:
        return sandbox_prompts(250), "sandbox (MGSM files not found)"
    return [build_prompt(ex.question, ex.lang) for ex in examples], "mgsm"


def count(tokens: list[int], eos: list[int]) -> int:
    """Completion tokens up to and including the first eos (what xling reports)."""
    for j, t in enumerate(tokens):
        if t in eos:
            return j + 1
    return len(tokens)


def plain_generate(model: Any, tok: Any, prompts: list[str], batch: int, max_new: int,
                   **kwargs: Any) -> tuple[int, list[list[int]]]:
    """Plain batched ``model.generate`` over ``prompts`` in their order; (tokens, completions)."""
    import torch

    eos = model.generation_config.eos_token_id
    eos = eos if isinstance(eos, list) else [eos]
    total, rows = 0, []
    for i in range(0, len(prompts), batch):
        enc = tok(prompts[i:i + batch], return_tensors="pt", padding=True).to(model.device)
        with torch.inference_mode():
            out = model.generate(**enc, max_new_tokens=max_new, do_sample=False, **kwargs)
        for row in out[:, enc["input_ids"].shape[1]:].tolist():
            n = count(row, eos)
            total += n
            rows.append(row[:n])
    return total, rows


def xling_like_eval(gen: Any, prompts: list[str], max_new: int) -> tuple[int, list[str]]:
    """Call ``gen.generate`` as evaluation does: length-sorted, in chunks; (tokens, texts)."""
    from xling.evaluation.run import CHUNK_PROMPTS

    order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
    texts: list[str] = [""] * len(prompts)
    total = 0
    expect_workload(gen, len(prompts), SamplingParams(max_new_tokens=max_new))
    for c in range(0, len(order), CHUNK_PROMPTS):
        chunk = order[c:c + CHUNK_PROMPTS]
        for i, (g,) in zip(chunk, gen.generate([prompts[i] for i in chunk],
                                               SamplingParams(max_new_tokens=max_new)), strict=True):
            texts[i], total = g.text, total + g.completion_tokens
    return total, texts


def timed(fn, *args, **kwargs) -> tuple[float, Any]:
    """(seconds, result) of one call, synchronising CUDA around it."""
    import torch

    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    sync()
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    sync()
    return time.perf_counter() - start, result


def run_cpu_model(model_dir: str, name: str, prompts: list[str], max_new: int,
                  sweep: list[int], with_continuous: int) -> dict[str, Any]:
    """All CPU paths for one model; the result block of the JSON."""
    from xling.evaluation.run import CHUNK_PROMPTS

    gen = get_generator("hf", model_dir, progress=False)
    tok, model = gen.tokenizer, gen.model
    plain: dict[str, Any] = {}
    plain_texts: list[str] = []
    for batch in sweep:
        secs, (toks, rows) = timed(plain_generate, model, tok, prompts, batch, max_new)
        plain[str(batch)] = {"tok_per_s": toks / secs, "seconds": secs, "completion_tokens": toks}
        print(f"  {name} plain generate batch {batch:4d}: {toks / secs:8.0f} tok/s ({secs:.1f} s)")
        if not plain_texts:
            plain_texts = [tok.decode(r, skip_special_tokens=True) for r in rows]
    best = max(plain, key=lambda b: plain[b]["tok_per_s"])
    paths: dict[str, Any] = {"plain_generate": {**plain[best], "batch_size": int(best)}}
    runs = [("xling_hf", {}), ("xling_hf_batch100", {"batch_size": 100})]
    if with_continuous:
        runs.append(("xling_hf_continuous", {"path": "continuous"}))
    for label, kwargs in runs:
        g = get_generator("hf", model_dir, progress=False, **kwargs)
        subset = prompts[:with_continuous] if "continuous" in label else prompts
        secs, (toks, texts) = timed(xling_like_eval, g, subset, max_new)
        paths[label] = {"tok_per_s": toks / secs, "seconds": secs, "completion_tokens": toks,
                        "batch_size": None if g.path == "continuous" else (
                            g.batch_size or g.batch_size_for([[0]] * min(len(subset), CHUNK_PROMPTS),
                                                             SamplingParams())),
                        "path": g.last_path, "prompts": len(subset),
                        "same_completions_as_plain": texts == plain_texts[:len(subset)]}
        print(f"  {name} {label}: {toks / secs:8.0f} tok/s ({secs:.1f} s)")
    for p in paths.values():
        p["ratio_vs_plain_generate"] = p["tok_per_s"] / paths["plain_generate"]["tok_per_s"]
    return {"model": name, "prompts": len(prompts), "max_new_tokens": max_new, "paths": paths,
            "plain_generate_sweep": plain}


def main_cpu(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from xling.study.sandbox_base import ASSET
    from xling.tiny import build_tiny_model, default_corpus

    prompts = sandbox_prompts(args.per_lang)
    load_before = os.getloadavg()
    start = time.perf_counter()
    blocks = [run_cpu_model(str(ASSET), "sandbox-base (src/xling/assets)", prompts,
                            args.max_new_tokens, args.sweep, args.continuous_prompts)]
    with tempfile.TemporaryDirectory() as tmp:
        tiny = str(build_tiny_model(tmp, default_corpus()))
        blocks.append(run_cpu_model(tiny, "tiny (xling.tiny.build_tiny_model defaults)", prompts,
                                    args.max_new_tokens, args.sweep, 0))
    return {"device": f"cpu ({platform.processor() or platform.machine()}, "
                      f"{os.cpu_count()} cores, torch threads {torch.get_num_threads()})",
            **blocks[0], "also": blocks[1:],
            "load_average_before": load_before, "load_average_after": os.getloadavg(),
            "wall_s": time.perf_counter() - start, "versions": versions()}


def build_qwen_shaped(out: str, tiny: bool) -> str:
    """Save a randomly initialised Qwen2.5-0.5B-shaped model (bf16) and a tokenizer to ``out``.

    The tokenizer is a byte-level BPE trained on the prompts' languages, its vocabulary padded
    with unreachable filler entries to the model's 151,936 so that every id decodes.
    """
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM, Qwen2Tokenizer

    from xling.tiny import BOS, EOS, IM_END, IM_START, PAD, train_tokenizer

    shape = dict(QWEN05)
    if tiny:  # the same code path at a size a CPU runs in seconds
        shape |= dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, vocab_size=4096)
    base = train_tokenizer(sandbox_prompts(40), vocab_size=2000)
    model_json = json.loads(base.backend_tokenizer.to_str())["model"]
    vocab = dict(model_json["vocab"])
    for tokn in (EOS, PAD, BOS, IM_START, IM_END):
        vocab.setdefault(tokn, len(vocab))
    vocab |= {f"<x{i}>": i for i in range(len(vocab), shape["vocab_size"])}
    tok = Qwen2Tokenizer(vocab=vocab, merges=[tuple(m) for m in model_json["merges"]],
                         eos_token=EOS, pad_token=PAD, bos_token=BOS, unk_token=None,
                         extra_special_tokens=[IM_START, IM_END])
    config = Qwen2Config(**shape, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                         bos_token_id=tok.bos_token_id, dtype="bfloat16")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    with torch.device(device):
        model = Qwen2ForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def main_gpu(args: argparse.Namespace) -> dict[str, Any]:
    """``--gpu --part paths``: today's in-process paths (plain generate, xling static, continuous,
    vllm) on one prompt list."""
    import torch

    start = time.perf_counter()
    left = lambda: args.budget_s - (time.perf_counter() - start)  # noqa: E731
    prompts, source = mgsm_prompts()
    prompts = prompts[:args.gpu_prompts]
    max_new = args.gpu_max_new_tokens
    tmp = tempfile.mkdtemp()
    model_dir = args.model or build_qwen_shaped(tmp, args.tiny)
    result: dict[str, Any] = {
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
        "model": model_label(args), "prompts": len(prompts), "prompt_source": source,
        "max_new_tokens": max_new, "paths": {}, "versions": versions(), "budget_s": args.budget_s,
    }
    paths = result["paths"]
    gen = get_generator("hf", model_dir, progress=False, path="dynamic")
    tok, model = gen.tokenizer, gen.model
    print(f"model ready in {time.perf_counter() - start:.0f} s; {len(prompts)} prompts ({source})")

    def record(label: str, secs: float, toks: int, **extra: Any) -> None:
        paths[label] = {"tok_per_s": toks / secs, "seconds": secs, "completion_tokens": toks,
                        **extra}
        print(f"  {label}: {toks / secs:9.0f} tok/s ({secs:.1f} s) {extra}", flush=True)

    for batch in args.gpu_sweep:  # (a) plain generate, dynamic cache
        if left() < 60:
            break
        sub = prompts[:batch]
        secs, (toks, _) = timed(plain_generate, model, tok, sub, batch, max_new)
        record(f"plain_generate_b{batch}", secs, toks, batch_size=batch, prompts=len(sub))
    if left() > 120:  # plain generate, static cache compiled (the reference figure)
        sub = prompts[:4 * 128]
        warm, _ = timed(plain_generate, model, tok, sub[:128], 128, max_new,
                        cache_implementation="static")
        secs, (toks, _) = timed(plain_generate, model, tok, sub, 128, max_new,
                                cache_implementation="static")
        record("plain_generate_static_b128", secs, toks, batch_size=128, prompts=len(sub),
               warmup_s=warm)
    from xling.evaluation.run import CHUNK_PROMPTS

    for label, kwargs, n_warm in [("xling_hf_static", {"path": "static"}, CHUNK_PROMPTS),
                                  ("xling_hf_dynamic", {"path": "dynamic"}, 8),
                                  ("xling_hf_continuous", {"path": "continuous"}, 8)]:
        if left() < 120:
            paths[label] = {"skipped": "time budget"}
            continue
        g = get_generator("hf", model_dir, progress=False, **kwargs)
        warm, _ = timed(g.generate, prompts[:n_warm], SamplingParams(max_new_tokens=max_new))
        secs, (toks, _) = timed(xling_like_eval, g, prompts, max_new)
        record(label, secs, toks, path=g.last_path, prompts=len(prompts), warmup_s=warm,
               batch_size=g.batch_size_for(tok(prompts)["input_ids"], SamplingParams(
                   max_new_tokens=max_new)))
        del g
        torch.cuda.empty_cache() if torch.cuda.is_available() else None
    try:
        import vllm  # noqa: F401
    except ImportError:
        paths["vllm"] = {"skipped": "vllm not installed"}
    else:
        if left() > 90:
            del gen, model
            torch.cuda.empty_cache()
            g = get_generator("vllm", model_dir, progress=False, gpu_memory_utilization=0.8,
                              max_model_len=2048)
            secs, (toks, _) = timed(xling_like_eval, g, prompts, max_new)
            record("vllm", secs, toks, prompts=len(prompts))
        else:
            paths["vllm"] = {"skipped": "time budget"}
    plain = {k: v for k, v in paths.items() if k.startswith("plain_generate") and "tok_per_s" in v}
    best = max(plain, key=lambda k: plain[k]["tok_per_s"]) if plain else None
    result["reference"] = best
    for v in paths.values():
        if best and "tok_per_s" in v:
            v["ratio_vs_plain_generate"] = v["tok_per_s"] / plain[best]["tok_per_s"]
    result["wall_s"] = time.perf_counter() - start
    return result


E2E_RUNS: list[tuple[str, str, str, str | None]] = [
    ("one_static_first", "en", "static", "one"),
    ("one_static_second", "en", "static", "one"),
    ("one_dynamic", "en", "dynamic", None),
    ("one_auto_first", "en", "auto", None),
    ("one_auto_second", "en", "auto", "one"),
    ("all_static_first", "all", "static", "all"),
    ("all_auto_first", "all", "auto", None),
    ("all_dynamic", "all", "dynamic", None),
    ("all_static_second", "all", "static", "all"),
    ("all_auto_second", "all", "auto", "all"),
]
"""``--part e2e``, in the order run: (label, --langs, $XLING_HF_PATH, compile cache). Runs
naming the same cache share one $XLING_CACHE (the second finds what the first compiled); None
is a fresh, empty one (a first process on a new machine). The issue's checks come first, so a
run cut short by ``--budget-s`` still has them."""

E2E_CHECKS: list[tuple[str, str, list[str], float]] = [
    ("second process / first, one language, static", "one_static_second",
     ["one_static_first"], 0.5),
    ("auto / faster forced, one language, first process", "one_auto_first",
     ["one_static_first", "one_dynamic"], 1.2),
    ("auto / faster forced, one language, second process", "one_auto_second",
     ["one_static_second", "one_dynamic"], 1.2),
    ("auto / faster forced, ten languages, first process", "all_auto_first",
     ["all_static_first", "all_dynamic"], 1.1),
    ("auto / faster forced, ten languages, second process", "all_auto_second",
     ["all_static_second", "all_dynamic"], 1.1),
]
"""(what, run, runs whose fastest it is divided by, the issue's bound)."""


def main_e2e(args: argparse.Namespace) -> dict[str, Any]:
    """``--gpu --part e2e``: ``xling eval --benchmark mgsm`` end to end, one process per run
    (start-up, model load, compilation, generation, scoring), one language and all ten, under
    each path and cache state (``E2E_RUNS``), and the issue's ratios (``E2E_CHECKS``)."""
    import torch

    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="xling_e2e_"))
    model_dir = args.model or build_qwen_shaped(str(tmp / "model"), args.tiny)
    caches: dict[str, Path] = {}
    runs: dict[str, Any] = {}
    wanted = args.e2e_runs.split(",") if args.e2e_runs else [r[0] for r in E2E_RUNS]
    unknown = sorted(set(wanted) - {r[0] for r in E2E_RUNS})
    if unknown:
        raise SystemExit(f"unknown --e2e-runs {', '.join(unknown)}")
    for label, langs, path, cache in E2E_RUNS:
        if label not in wanted:
            continue
        if time.perf_counter() - start > args.budget_s:
            runs[label] = {"skipped": "time budget"}
            continue
        if cache is None:
            xc = tmp / f"cache-{label}"
        else:
            xc = caches.setdefault(cache, tmp / f"cache-{cache}")
        runs[label] = e2e_run(model_dir, langs, path, xc, tmp / "runs" / label, args)
        r = runs[label]
        print(f"  {label:18s} {r['seconds']:7.1f} s  paths {r['paths']}  "
              f"compiled {[(s['warmth'], s['first_batch_s']) for s in r['shapes']]}", flush=True)
    checks = {}
    for what, run, against, bound in E2E_CHECKS:
        times = [runs.get(k, {}).get("seconds") for k in [run, *against]]
        if any(t is None for t in times):
            checks[what] = {"missing": [k for k, t in zip([run, *against], times, strict=True)
                                        if t is None], "bound": bound}
            continue
        value = times[0] / min(times[1:])
        checks[what] = {"value": round(value, 3), "bound": bound, "met": value <= bound}
    note = ({"note": "--tiny: toy size on CPU (static compiled there with XLING_HF_COMPILE=1, "
                     "auto always dynamic); proves the script, not the speeds or the checks"}
            if args.tiny else {})
    return {
        **note,
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
        "model": model_label(args), "benchmark": "mgsm", "limit_per_lang": args.e2e_limit,
        "max_new_tokens": args.gpu_max_new_tokens, "runs": runs, "checks": checks,
        "rule_inputs": rule_inputs(runs), "versions": versions(), "budget_s": args.budget_s,
        "wall_s": time.perf_counter() - start,
    }


def e2e_run(model_dir: str, langs: str, path: str, xling_cache: Path, out: Path,
            args: argparse.Namespace) -> dict[str, Any]:
    """One ``xling eval`` process; its wall time, the paths it logged and the static shapes it
    recorded in its compile cache."""
    import re
    import subprocess
    import sys

    env = {**os.environ, "XLING_CACHE": str(xling_cache), "XLING_HF_PATH": path,
           "PYTHONUNBUFFERED": "1"}
    if args.tiny:  # compile the static path on CPU too, so the compile cache is exercised
        env["XLING_HF_COMPILE"] = "1"
    env.pop("TORCHINDUCTOR_CACHE_DIR", None)  # the compile cache is xling's, per run
    cmd = [sys.executable, "-c", "from xling.cli import main; main()", "eval", "--model", model_dir,
           "--benchmark", "mgsm", "--langs", langs, "--out", str(out),
           "--max-new-tokens", str(args.gpu_max_new_tokens)]
    if args.e2e_limit:
        cmd += ["--limit", str(args.e2e_limit)]
    began = time.time()
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    log_text = done.stderr
    chunk_s = [float(s) for s in re.findall(r"mgsm: chunk \d+/\d+ .*?, (\d+)s", log_text)]
    shapes = []
    for record in sorted((xling_cache / "compile" / "shapes").glob("*.json")):
        if record.stat().st_mtime >= began:
            rec = json.loads(record.read_text(encoding="utf-8"))
            shapes.append({k: rec.get(k) for k in ("rows", "cache_len", "warmth", "first_batch_s")})
    return {"seconds": round(seconds, 2), "langs": langs, "path_asked": path,
            "paths": sorted(set(re.findall(r"hf backend: (\w+) path for", log_text))),
            "chunk_done_s": chunk_s, "shapes": shapes}


def rule_inputs(runs: dict[str, Any]) -> dict[str, Any]:
    """The rule's warm-ups as these runs measured them: the first static batch of a shape in a
    cold and in a cached process (one batch's generation included), for static.H200_QWEN05."""
    out: dict[str, Any] = {}
    for label in ("one_static_first", "one_static_second", "all_static_first", "all_static_second"):
        for shape in runs.get(label, {}).get("shapes", []):
            out.setdefault(f"first_batch_s_{shape['warmth']}", []).append(
                {"run": label, "rows": shape["rows"], "cache_len": shape["cache_len"],
                 "seconds": shape["first_batch_s"]})
    return out


def model_label(args: argparse.Namespace) -> str:
    return args.model or ("Qwen2.5-0.5B shape, random init, bf16"
                          + (" (--tiny: 2 layers x 64)" if args.tiny else ""))


def versions() -> dict[str, str]:
    import torch
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__}


TINY_DEFAULTS = {"gpu_prompts": 200, "gpu_max_new_tokens": 16, "gpu_sweep": [32, 64],
                 "e2e_limit": 4}
"""``--tiny`` (the GPU script's code on a CPU, in minutes): fewer prompts and tokens."""
GPU_DEFAULTS = {"gpu_prompts": 2500, "gpu_max_new_tokens": 256, "gpu_sweep": [128, 512],
                "e2e_limit": None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu", action="store_true", help="the GPU measurement (see above)")
    parser.add_argument("--per-lang", type=int, default=100, help="CPU: prompts per language")
    parser.add_argument("--max-new-tokens", type=int, default=80, help="CPU: new tokens")
    parser.add_argument("--sweep", type=int, nargs="+", default=[16, 32, 64, 128, 256, 512, 1000],
                        help="CPU: plain generate batch sizes")
    parser.add_argument("--continuous-prompts", type=int, default=200,
                        help="CPU: prompts for the continuous-batching path (0 = skip)")
    parser.add_argument("--part", choices=["paths", "e2e", "all"], default="all",
                        help="GPU: in-process paths, end-to-end xling eval runs, or both")
    parser.add_argument("--model", default=None, help="GPU: a real checkpoint instead")
    parser.add_argument("--tiny", action="store_true", help="GPU mode at toy size (CPU test)")
    parser.add_argument("--gpu-prompts", type=int, default=None, help="GPU paths: prompts")
    parser.add_argument("--gpu-max-new-tokens", type=int, default=None, help="GPU: new tokens")
    parser.add_argument("--gpu-sweep", type=int, nargs="+", default=None,
                        help="GPU paths: plain generate batch sizes")
    parser.add_argument("--e2e-limit", type=int, default=None,
                        help="GPU e2e: items per language (default all; --tiny 4)")
    parser.add_argument("--e2e-runs", default=None,
                        help="GPU e2e: comma-separated labels of E2E_RUNS (default all)")
    parser.add_argument("--budget-s", type=float, default=480.0,
                        help="GPU: per part, start no new path or run after this many seconds")
    parser.add_argument("--out", type=Path, default=None, help="result JSON path (one part)")
    args = parser.parse_args()
    for key, value in (TINY_DEFAULTS if args.tiny else GPU_DEFAULTS).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if not args.gpu:
        write(main_cpu(args), args.out or RESULTS / "generate_speed_cpu.json")
        return
    parts = ["paths", "e2e"] if args.part == "all" else [args.part]
    if args.out and len(parts) > 1:
        raise SystemExit("--out names one file: give --part paths or --part e2e with it")
    suffix = "_tiny" if args.tiny else ""
    if "paths" in parts:
        write(main_gpu(args), args.out or RESULTS / f"generate_speed_gpu{suffix}.json")
    if "e2e" in parts:
        write(main_e2e(args), args.out or RESULTS / f"generate_speed_gpu_e2e{suffix}.json")


def write(result: dict[str, Any], out: Path) -> None:
    """Write ``result`` to ``out`` and print its summary."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for label, p in result.get("paths", {}).items():
        if "tok_per_s" in p:
            print(f"{label:28s} {p['tok_per_s']:9.0f} tok/s  "
                  f"{p.get('ratio_vs_plain_generate', math.nan):5.2f}x plain generate")
    for label, run in result.get("runs", {}).items():
        print(f"{label:28s} " + (f"{run['seconds']:7.1f} s  {','.join(run['paths'])}"
                                 if "seconds" in run else run.get("skipped", "")))
    for what, check in result.get("checks", {}).items():
        value = check.get("value")
        print(f"{what:55s} " + (f"{value:5.2f} (bound {check['bound']}: "
                                f"{'met' if check['met'] else 'NOT met'})" if value is not None
                                else f"missing {', '.join(check['missing'])}"))
    print(f"-> {out}")


if __name__ == "__main__":
    main()
