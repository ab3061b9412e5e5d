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

GPU (``--gpu``): a Qwen2.5-0.5B-shaped model (the real one with ``--model``, else randomly
initialised from its config in bf16, vocabulary padded to Qwen's 151,936), the 2,500 MGSM
prompts of the 10 study languages (``$XLING_SHARED_DATA`` or ../shared/data; else sandbox
prompts, marked so in the JSON), 256 new tokens. Measures plain ``generate`` with the dynamic
cache at batch 128 and 512, plain ``generate`` with ``cache_implementation="static"`` (compiled)
at batch 128 -- the issue's 12,967 tok/s figure --, xling ``hf`` on its default GPU path
(static, automatic batch) and on ``path="continuous"`` (``generate_batch``), and ``vllm`` if
installed. The first call of a compiled path is timed separately as ``warmup_s``. Paths stop
being started once ``--budget-s`` (default 480 s) has passed, so it fits 10 minutes of device
time; writes benchmarks/results/generate_speed_gpu.json.

Try:  OMP_NUM_THREADS=1 python benchmarks/generate_speed.py --per-lang 20
      python benchmarks/generate_speed.py --gpu          (on a GPU machine; ~6-9 min)
      python benchmarks/generate_speed.py --gpu --tiny   (the GPU script's code path on CPU)
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

from xling.generate import SamplingParams, get_generator

RESULTS = Path(__file__).resolve().parent / "results"
QWEN05 = dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
              num_attention_heads=14, num_key_value_heads=2, vocab_size=151936,
              max_position_embeddings=32768, rope_theta=1_000_000.0, tie_word_embeddings=True)
"""Qwen2.5-0.5B's config.json values that set its compute and KV-cache size."""


def sandbox_prompts(per_lang: int) -> list[str]:
    """The sandbox eval prompts of all study languages, as evaluation builds them."""
    from xling.data.benchmarks import sandbox
    from xling.languages import STUDY_LANGS, build_prompt
    from xling.study.sandbox import SandboxRecipe

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
    from xling.study.evaluate import CHUNK_PROMPTS

    order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
    texts: list[str] = [""] * len(prompts)
    total = 0
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
    from xling.study.evaluate import CHUNK_PROMPTS

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
                        "path": g.path, "prompts": len(subset),
                        "same_completions_as_plain": texts == plain_texts[:len(subset)]}
        print(f"  {name} {label}: {toks / secs:8.0f} tok/s ({secs:.1f} s)")
    for p in paths.values():
        p["ratio_vs_plain_generate"] = p["tok_per_s"] / paths["plain_generate"]["tok_per_s"]
    return {"model": name, "prompts": len(prompts), "max_new_tokens": max_new, "paths": paths,
            "plain_generate_sweep": plain}


def main_cpu(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from xling.study.sandbox import ASSET
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
        "model": args.model or ("Qwen2.5-0.5B shape, random init, bf16"
                                + (" (--tiny: 2 layers x 64)" if args.tiny else "")),
        "prompts": len(prompts), "prompt_source": source, "max_new_tokens": max_new, "paths": {},
        "versions": versions(), "budget_s": args.budget_s,
    }
    paths = result["paths"]
    gen = get_generator("hf", model_dir, progress=False)
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
    from xling.study.evaluate import CHUNK_PROMPTS

    for label, kwargs, n_warm in [("xling_hf", {}, CHUNK_PROMPTS),  # compiles the chunk shape
                                  ("xling_hf_continuous", {"path": "continuous"}, 8)]:
        if left() < 120:
            paths[label] = {"skipped": "time budget"}
            continue
        g = get_generator("hf", model_dir, progress=False, **kwargs)
        warm, _ = timed(g.generate, prompts[:n_warm], SamplingParams(max_new_tokens=max_new))
        secs, (toks, _) = timed(xling_like_eval, g, prompts, max_new)
        record(label, secs, toks, path=g.path, prompts=len(prompts), warmup_s=warm,
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


def versions() -> dict[str, str]:
    import torch
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu", action="store_true", help="the GPU measurement (see above)")
    parser.add_argument("--per-lang", type=int, default=100, help="CPU: prompts per language")
    parser.add_argument("--max-new-tokens", type=int, default=80, help="CPU: new tokens")
    parser.add_argument("--sweep", type=int, nargs="+", default=[16, 32, 64, 128, 256, 512, 1000],
                        help="CPU: plain generate batch sizes")
    parser.add_argument("--continuous-prompts", type=int, default=200,
                        help="CPU: prompts for the continuous-batching path (0 = skip)")
    parser.add_argument("--model", default=None, help="GPU: a real checkpoint instead")
    parser.add_argument("--tiny", action="store_true", help="GPU mode at toy size (CPU test)")
    parser.add_argument("--gpu-prompts", type=int, default=2500)
    parser.add_argument("--gpu-max-new-tokens", type=int, default=256)
    parser.add_argument("--gpu-sweep", type=int, nargs="+", default=[128, 512])
    parser.add_argument("--budget-s", type=float, default=480.0,
                        help="GPU: start no new path after this many seconds")
    parser.add_argument("--out", type=Path, default=None, help="result JSON path")
    args = parser.parse_args()
    result = main_gpu(args) if args.gpu else main_cpu(args)
    out = args.out or RESULTS / ("generate_speed_gpu.json" if args.gpu
                                 else "generate_speed_cpu.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for label, p in result["paths"].items():
        if "tok_per_s" in p:
            print(f"{label:28s} {p['tok_per_s']:9.0f} tok/s  "
                  f"{p.get('ratio_vs_plain_generate', math.nan):5.2f}x plain generate")
    print(f"-> {out}")


if __name__ == "__main__":
    main()
