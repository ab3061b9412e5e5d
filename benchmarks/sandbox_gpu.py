"""Study A's main grid (SFT and GRPO x en, zh, de) on a larger sandbox model, on a GPU.

Issue 4's GPU check: the same study as studies/study_a_main.yaml, with a bigger sandbox base
(more layers, longer pretraining) and larger training runs, which a GPU makes affordable.
Writes the study under benchmarks/results/sandbox_gpu/ (report.md, report.html, metrics) and
a timing file benchmarks/results/sandbox_gpu.json. Not run in CI (needs CUDA).
Run:  python benchmarks/sandbox_gpu.py   (on a machine with a CUDA GPU)
"""

import json
import logging
import time
from pathlib import Path

OUT = Path(__file__).parent / "results" / "sandbox_gpu"

STUDY = {
    "name": "sandbox-gpu-study-a",
    "base_model": "sandbox",
    "sandbox": {"hidden_size": 256, "num_layers": 6, "intermediate_size": 768, "num_heads": 8,
                "num_kv_heads": 4, "pretrain_texts": 40000, "steps": 6000, "batch_size": 64,
                "learning_rate": 1.0e-3},
    "pool": {"name": "sandbox", "n": 1024, "design": "single"},
    "grid": {"paradigms": ["sft", "grpo"], "train_langs": [["en"], ["zh"], ["de"]], "seeds": [0]},
    "paradigm_config": {
        "sft": {"epochs": 3, "learning_rate": 3.0e-4, "batch_size": 32},
        "grpo": {"learning_rate": 3.0e-5, "num_generations": 8, "per_device_batch": 64,
                 "max_completion_length": 96, "temperature": 1.0, "beta": 0.001,
                 "trl": {"max_steps": 200, "logging_steps": 5}},
    },
    "eval": {"benchmarks": ["sandbox"], "langs": "all", "limit": 200, "max_new_tokens": 96,
             "batch_size": 256},
    "probes": ["perplexity", "similarity", "drift", "composition"],
    "out": str(OUT),
}


def main() -> None:
    import torch

    from xling.report.study import write_study_report
    from xling.study.runner import run_study
    from xling.study.spec import parse_spec

    if not torch.cuda.is_available():
        raise SystemExit("benchmarks/sandbox_gpu.py needs a CUDA GPU")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    start = time.perf_counter()
    study = parse_spec(STUDY, "benchmarks/sandbox_gpu.py")
    run_study(study)
    md, html = write_study_report(study)
    timing = {"seconds": time.perf_counter() - start, "gpu": torch.cuda.get_device_name(0),
              "report": str(md)}
    (OUT.parent / "sandbox_gpu.json").write_text(json.dumps(timing, indent=2))
    print(json.dumps(timing, indent=2))


if __name__ == "__main__":
    main()
