"""The sandbox world on a GPU: a bigger base, longer RL, the demo's cells and the controls.

The default sandbox world (README, "The sandbox": pretrained on one-step problems in ten
languages, post-trained on the skill of chaining two steps) with a base about 20x larger than
the shipped one, pretrained longer, and GRPO run twice as long as the demo's 100 steps. Cells:
SFT(de) and GRPO(de) (the demo's transfer probes), SFT(all) (positive control) and
SFT-basic(de) (negative control), evaluated on 200 held-out problems per language; the report
states whether each control held. Everything is built on the device (data generated, base
pretrained); nothing is downloaded. Sized to finish within 8 minutes on one H200 by estimate
(not yet measured on a device): pretraining ~1.5 min, GRPO ~1 s a step with transformers'
generate (128 completions of <= 64 tokens), evaluation and SFT under a minute together.

Writes the study under benchmarks/results/sandbox_gpu/ (report.md, report.html, metrics) and
benchmarks/results/sandbox_gpu.json (seconds, device, the headline numbers). Never a test
dependency.
Run:  python benchmarks/sandbox_gpu.py            (on a machine with a CUDA GPU)
      python benchmarks/sandbox_gpu.py --tiny OUT (CPU smoke test of the same code at toy sizes)
"""

import argparse
import copy
import json
import logging
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"

STUDY = {
    "name": "sandbox-gpu",
    "base_model": "sandbox",
    "sandbox": {"hidden_size": 256, "num_layers": 6, "intermediate_size": 768, "num_heads": 8,
                "num_kv_heads": 4, "pretrain_texts": 32000, "steps": 4000, "batch_size": 64,
                "learning_rate": 1.0e-3},
    "pool": {"name": "sandbox", "n": 2000, "design": "single"},
    "cells": [
        {"paradigm": "sft", "train_langs": ["de"]},
        {"paradigm": "grpo", "train_langs": ["de"]},
        {"paradigm": "sft", "train_langs": "all", "design": "mixed", "name": "SFT(all)"},
        {"paradigm": "sft", "train_langs": ["de"], "pool": "sandbox-basic", "name": "SFT-basic(de)"},
    ],
    "controls": {"positive": "SFT(all)", "transfer": "SFT(de)", "negative": "SFT-basic(de)"},
    "paradigm_config": {
        "sft": {"epochs": 2, "learning_rate": 3.0e-4, "batch_size": 32},
        "grpo": {"learning_rate": 5.0e-5, "num_generations": 16, "per_device_batch": 128,
                 "max_completion_length": 64, "temperature": 1.0, "beta": 0.0,
                 "trl": {"max_steps": 200, "logging_steps": 5}},
    },
    "eval": {"benchmarks": ["sandbox"], "langs": "all", "limit": 200, "max_new_tokens": 64,
             "batch_size": 512},
    "out": str(RESULTS / "sandbox_gpu"),
}
"""The study (an ordinary study mapping; ``parse_spec`` validates it)."""


def tiny_study(out: Path) -> dict:
    """The same study at toy sizes (a minute or two on a CPU): checks the code path, not results."""
    study = copy.deepcopy(STUDY)
    study.update(name="sandbox-gpu-tiny", out=str(out / "study"),
                 sandbox={"preset": "quick", "steps": 20, "pretrain_texts": 400},
                 pool={"name": "sandbox", "n": 32, "design": "single"},
                 eval={**study["eval"], "limit": 4, "batch_size": 64})
    study["paradigm_config"]["sft"]["epochs"] = 1
    study["paradigm_config"]["grpo"].update(num_generations=4, per_device_batch=16,
                                            trl={"max_steps": 2, "logging_steps": 1})
    return study


def main() -> None:
    import torch

    from xling.report.study import write_study_report
    from xling.study.runner import run_study
    from xling.study.spec import parse_spec

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", metavar="OUT", type=Path,
                        help="run the toy-sized study under OUT (CPU is fine)")
    args = parser.parse_args()
    if args.tiny is None and not torch.cuda.is_available():
        raise SystemExit("benchmarks/sandbox_gpu.py needs a CUDA GPU (or --tiny OUT on a CPU)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    start = time.perf_counter()
    data = tiny_study(args.tiny) if args.tiny else STUDY
    study = parse_spec(data, "benchmarks/sandbox_gpu.py")
    run_study(study)
    md, _ = write_study_report(study)
    timing = {"seconds": round(time.perf_counter() - start, 1),
              "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
              "report": str(md), "controls": _controls_line(md)}
    out = (args.tiny / "sandbox_gpu.json") if args.tiny else RESULTS / "sandbox_gpu.json"
    out.write_text(json.dumps(timing, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(timing, indent=2))


def _controls_line(report: Path) -> list[str]:
    """The controls table's rows of the report (what the README quotes)."""
    lines = report.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.startswith(("| positive", "| transfer", "| negative"))]


if __name__ == "__main__":
    main()
