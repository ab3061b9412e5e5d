"""xling's overhead on GRPO steps: ``xling.train.grpo.run_grpo`` vs bare TRL, same model and data.

Stage: train. Both runs use the same TRL arguments (``trl_fields`` of one GRPOConfig), the same
prompts (sandbox problems) and the same scoring (``xling.scoring.check_answer``). "Bare" is
``trl.GRPOTrainer`` with a minimal reward calling check_answer; "xling" is ``run_grpo`` (the
to_trl adapter with conversational unwrapping and the lang/consistent metric, the train-log
callback, config writing). A callback records the wall time of each optimizer step (generation,
reward and update). The first ``--warmup`` steps are dropped; the runs alternate (bare, xling,
bare, ...) ``--repeats`` times, and the overhead is median(xling) / median(bare) - 1 over all
kept steps. The issue's bar: within 5%.
Writes benchmarks/results/grpo_overhead.json. Needs a GPU for meaningful numbers:
Try:  python benchmarks/grpo_overhead.py --model Qwen/Qwen2.5-0.5B --steps 12 --repeats 3
      python benchmarks/grpo_overhead.py --steps 6 --repeats 1   # tiny model, CPU smoke run
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from xling.data.pools import load_pool, select
from xling.train.grpo import GRPOConfig, grpo_row, run_grpo, trl_fields
from xling.train.sft import to_dataset

OUT = Path(__file__).resolve().parent / "results" / "grpo_overhead.json"


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


def run_bare(model: str, examples, cfg: GRPOConfig, out: Path) -> list[float]:
    import trl

    timer = step_timer()
    args = trl.GRPOConfig(output_dir=str(out), report_to="none", logging_steps=1, save_strategy="no",
                          seed=cfg.seed, bf16=_bf16(), gradient_checkpointing=False, disable_tqdm=True,
                          **trl_fields(cfg))
    rows = [grpo_row(e, cfg.prompt_style, cfg.chat) for e in examples]
    trainer = trl.GRPOTrainer(model=model, reward_funcs=bare_reward, args=args,
                              train_dataset=to_dataset(rows), callbacks=[timer])
    trainer.train()
    return timer.times


def run_xling(model: str, examples, cfg: GRPOConfig, out: Path) -> list[float]:
    timer = step_timer()
    run_grpo(model, examples, cfg, out, callbacks=[timer])
    return timer.times


def _bf16() -> bool:
    import torch

    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="checkpoint dir or hub id (default: build tiny)")
    parser.add_argument("--lang", default="de")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--num-generations", type=int, default=8)
    parser.add_argument("--prompts-per-step", type=int, default=8)
    parser.add_argument("--max-completion-length", type=int, default=256)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    import torch
    import trl

    tmp = Path(tempfile.mkdtemp(prefix="grpo_overhead_"))
    model = args.model
    if model is None:
        from xling.tiny import build_tiny_model, default_corpus

        model = str(build_tiny_model(tmp / "tiny", default_corpus()))
    n = args.steps * args.prompts_per_step
    examples = select(load_pool("sandbox", [args.lang]), [args.lang], "single", n=n, seed=0)
    cfg = GRPOConfig(num_generations=args.num_generations, per_device_batch=args.num_generations,
                     rollout_batch=args.prompts_per_step, max_completion_length=args.max_completion_length,
                     learning_rate=1e-6, beta=0.001, temperature=1.0, save_steps=10**6,
                     trl={"max_steps": args.steps})
    runs: dict[str, list[list[float]]] = {"bare": [], "xling": []}
    for r in range(args.repeats):
        runs["bare"].append(run_bare(model, examples, cfg, tmp / f"bare{r}"))
        runs["xling"].append(run_xling(model, examples, cfg, tmp / f"xling{r}"))
    kept = {k: [t for times in v for t in times[args.warmup:]] for k, v in runs.items()}
    med = {k: statistics.median(v) for k, v in kept.items()}
    overhead = med["xling"] / med["bare"] - 1
    result = {
        "overhead": round(overhead, 4), "within_5_percent": overhead <= 0.05,
        "median_step_s": {k: round(v, 4) for k, v in med.items()},
        "step_times_s": {k: [[round(t, 4) for t in times] for times in v] for k, v in runs.items()},
        "settings": {**vars(args), "out": str(args.out), "model": model},
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor() or "cpu",
        "versions": {"torch": torch.__version__, "trl": trl.__version__},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"median step: bare {med['bare']:.3f}s, xling {med['xling']:.3f}s -> overhead {overhead:+.1%}")


if __name__ == "__main__":
    main()
