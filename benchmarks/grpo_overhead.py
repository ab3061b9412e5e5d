"""xling's overhead on GRPO steps: ``xling.train.grpo.run_grpo`` vs bare TRL, same model, data and
TRL arguments.

Stage: train. "Bare" is ``trl.GRPOTrainer`` with a minimal reward calling
``xling.scoring.check_answer`` and nothing else; "xling" is ``run_grpo`` (the to_trl adapter with
conversational unwrapping and the lang/consistent metric, the train-log callback, config
writing). Both get the same ``trl.GRPOConfig`` values: the ones ``run_grpo`` builds
(``trl_fields`` and ``trl_glue.trl_args``: bf16 and gradient checkpointing on GPU, ...), recorded in the
JSON as ``trl_args``. A callback records the wall time of each optimizer step (generation,
reward and update). Each rollout-generation variant is measured: TRL's own generation
(transformers ``generate`` with the dynamic cache) and ``cache_implementation="static"``. The
first ``--warmup`` steps of a run are dropped; runs alternate (bare, xling, bare, ...) over
variants and ``--repeats``, and a variant's overhead is median(xling) / median(bare) - 1 over all
kept steps. The issue's bar: within 5%.

Modes:
* default: ``--model`` or the tiny test model, on whatever device torch picks
  -> benchmarks/results/grpo_overhead.json.
* ``--gpu``: a Qwen2.5-0.5B-shaped model (random init, bf16; built by generate_speed.py's
  ``build_qwen_shaped``) or ``--model``, 8 prompts x 8 generations per step, 128 new tokens,
  8 steps (2 dropped) per run, one bare and one xling run per variant
  -> benchmarks/results/grpo_overhead_gpu.json (~3-4 min on an H200 by estimate; ``--budget-s``
  stops starting runs; ``--repeats 2`` where time allows).
* ``--gpu --tiny``: the GPU mode's code at toy size on a CPU (2-layer model, 16 new tokens)
  -> benchmarks/results/grpo_overhead_gpu_tiny.json; proves the script, not the overhead.

Try:  python benchmarks/grpo_overhead.py --gpu                 (on a GPU machine)
      python benchmarks/grpo_overhead.py --gpu --tiny          (CPU, a few minutes)
      python benchmarks/grpo_overhead.py --model Qwen/Qwen2.5-0.5B --steps 12 --repeats 3
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from xling.data.pools import load_pool, select
from xling.train.grpo import GRPOConfig, grpo_row, reward_functions, run_grpo, trl_fields
from xling.train.trl_glue import to_dataset, trl_args

RESULTS = Path(__file__).resolve().parent / "results"
VARIANTS: dict[str, str | None] = {"trl_generate": None, "static_cache": "static"}
"""Rollout generation: label -> GRPOConfig.cache_implementation."""
MODES: dict[str, dict[str, Any]] = {
    "default": {"steps": 12, "warmup": 2, "repeats": 3, "num_generations": 8,
                "prompts_per_step": 8, "max_completion_length": 256},
    "gpu": {"steps": 8, "warmup": 2, "repeats": 1, "num_generations": 8,
            "prompts_per_step": 8, "max_completion_length": 128},
    "gpu_tiny": {"steps": 4, "warmup": 1, "repeats": 1, "num_generations": 4,
                 "prompts_per_step": 2, "max_completion_length": 16},
}
"""Run sizes per mode; a flag given on the command line wins."""


def step_timer():
    """A TrainerCallback recording the wall time between consecutive optimizer steps."""
    from transformers import TrainerCallback

    class StepTimer(TrainerCallback):
        def __init__(self):
            self.times: list[float] = []
            self._last = None

        def on_step_begin(self, args, state, control, **kwargs):
            if self._last is None:
                self._last = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            now = time.perf_counter()
            self.times.append(now - self._last)
            self._last = now

    return StepTimer()


def bare_reward(completions, answer, lang, **_):
    """The plain reward of a bare TRL script: check the boxed answer, nothing else."""
    from xling.scoring import check_answer

    return [float(check_answer(c, a, lg)) for c, a, lg in zip(completions, answer, lang, strict=True)]


def same_trl_args(cfg: GRPOConfig, out: Path):
    """The ``trl.GRPOConfig`` that ``run_grpo`` builds for ``cfg`` (its output dir: ``out``)."""
    import trl

    _, weights = reward_functions(cfg)
    fields = {**trl_fields(cfg), "reward_weights": weights}
    return trl_args(trl.GRPOConfig, dataclasses.replace(cfg, trl={}), out, fields)


def run_bare(model: str, examples, cfg: GRPOConfig, out: Path) -> list[float]:
    import trl

    timer = step_timer()
    rows = [grpo_row(e, cfg.prompt_style, cfg.chat) for e in examples]
    trainer = trl.GRPOTrainer(model=model, reward_funcs=bare_reward, args=same_trl_args(cfg, out),
                              train_dataset=to_dataset(rows), callbacks=[timer])
    trainer.train()
    return timer.times


def run_xling(model: str, examples, cfg: GRPOConfig, out: Path) -> list[float]:
    timer = step_timer()
    run_grpo(model, examples, cfg, out, callbacks=[timer])
    return timer.times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu", action="store_true", help="the GPU measurement (see above)")
    parser.add_argument("--tiny", action="store_true", help="with --gpu: toy size on CPU")
    parser.add_argument("--model", default=None, help="checkpoint dir or hub id")
    parser.add_argument("--lang", default="de")
    for name in MODES["default"]:
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=None)
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, of: {', '.join(VARIANTS)}")
    parser.add_argument("--budget-s", type=float, default=540.0,
                        help="start no new run after this many seconds")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    mode = ("gpu_tiny" if args.tiny else "gpu") if args.gpu else "default"
    for name, value in MODES[mode].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    variants = args.variants.split(",")
    if unknown := sorted(set(variants) - set(VARIANTS)):
        raise SystemExit(f"unknown --variants {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
    out = args.out or RESULTS / {"default": "grpo_overhead.json", "gpu": "grpo_overhead_gpu.json",
                                 "gpu_tiny": "grpo_overhead_gpu_tiny.json"}[mode]

    import torch
    import trl

    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="grpo_overhead_"))
    model = args.model
    if model is None and args.gpu:
        # benchmarks/ is on sys.path: it is the folder of the script being run
        from generate_speed import build_qwen_shaped

        model = build_qwen_shaped(str(tmp / "qwen-shaped"), args.tiny)
    elif model is None:
        from xling.tiny import build_tiny_model, default_corpus

        model = str(build_tiny_model(tmp / "tiny", default_corpus()))
    n = args.steps * args.prompts_per_step
    examples = select(load_pool("sandbox", [args.lang]), [args.lang], "single", n=n, seed=0)

    def config(variant: str) -> GRPOConfig:
        return GRPOConfig(num_generations=args.num_generations, per_device_batch=args.num_generations,
                          rollout_batch=args.prompts_per_step,
                          max_completion_length=args.max_completion_length, learning_rate=1e-6,
                          beta=0.001, temperature=1.0, save_steps=10**6,
                          cache_implementation=VARIANTS[variant], trl={"max_steps": args.steps})

    runs: dict[str, dict[str, list[list[float]]]] = {v: {"bare": [], "xling": []} for v in variants}
    skipped: list[str] = []
    for r in range(args.repeats):
        for variant in variants:
            for who, fn in (("bare", run_bare), ("xling", run_xling)):
                if time.perf_counter() - start > args.budget_s:
                    skipped.append(f"{variant}/{who}/repeat{r}")
                    continue
                times = fn(model, examples, config(variant), tmp / f"{variant}-{who}{r}")
                runs[variant][who].append(times)
                print(f"  {variant:13s} {who:5s} repeat {r}: median step "
                      f"{statistics.median(times[args.warmup:] or times):.3f} s", flush=True)
    result: dict[str, Any] = {"variants": {}}
    for variant, by in runs.items():
        kept = {k: [t for times in v for t in times[args.warmup:]] for k, v in by.items()}
        if not all(kept.values()):
            result["variants"][variant] = {"missing": "time budget"}
            continue
        med = {k: statistics.median(v) for k, v in kept.items()}
        overhead = med["xling"] / med["bare"] - 1
        result["variants"][variant] = {
            "cache_implementation": VARIANTS[variant], "overhead": round(overhead, 4),
            "within_5_percent": overhead <= 0.05,
            "median_step_s": {k: round(v, 4) for k, v in med.items()},
            "step_times_s": {k: [[round(t, 4) for t in times] for times in v] for k, v in by.items()},
        }
        print(f"{variant}: median step bare {med['bare']:.3f} s, xling {med['xling']:.3f} s "
              f"-> overhead {overhead:+.1%}")
    args_now = same_trl_args(config(variants[0]), tmp / "args")
    result |= {
        **({"note": "--gpu --tiny: toy size on CPU; proves the script, not the overhead"}
           if args.tiny else {}),
        "mode": mode, "skipped": skipped, "wall_s": round(time.perf_counter() - start, 1),
        "settings": {**vars(args), "out": str(out), "model": model},
        "trl_args": {k: getattr(args_now, k, None) for k in (
            "per_device_train_batch_size", "gradient_accumulation_steps", "num_generations",
            "max_completion_length", "bf16", "gradient_checkpointing", "activation_checkpointing",
            "learning_rate", "beta", "temperature", "cache_implementation", "logging_steps")},
        "device": (torch.cuda.get_device_name(0) if torch.cuda.is_available()
                   else platform.processor() or "cpu"),
        "versions": {"torch": torch.__version__, "trl": trl.__version__},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"-> {out}")


if __name__ == "__main__":
    main()
