"""How fast is xling's math check? Fast path vs Math-Verify on the same inputs, one process.

Inputs: up to 600 characters of MGSM exemplar answers (step-by-step reasoning) in each of the ten
languages, ending in a box holding a number as CLDR writes it in that language (``1.237``,
``12 370``, ``১২,৩৭০``...), once the gold and once gold + 1: 2 x 8 x 10 x 10 = 1,600
completions. Measures completions/s of ``check_answer`` (numeric fast path, in-process) and of
``math_verify.verify(parse(gold), parse(completion))`` called directly in the main thread, and
the latency of the symbolic path through the worker pool (``x = <n>`` answers).
Writes benchmarks/results/scoring_speed.json. Run: python benchmarks/scoring_speed.py (< 1 min).
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

from babel.numbers import format_decimal

from xling.languages import STUDY_LANGS
from xling.scoring import check_answer
from xling.scoring import math as math_scoring

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mgsm" / "exemplars.json"
NATIVE = {"bn": "০১২৩৪৫৬৭৮৯", "th": "๐๑๒๓๔๕๖๗๘๙"}
OUT = Path(__file__).resolve().parent / "results" / "scoring_speed.json"


def inputs() -> list[tuple[str, str, str]]:
    exemplars = json.loads(DATA.read_text())["MGSM_EXEMPLARS"]
    rows = []
    for lang in STUDY_LANGS:
        answers = [item["a"] for item in exemplars[lang].values()]
        for i in range(len(answers)):
            reasoning = "\n".join(answers[i:] + answers[:i])[:600]
            for scale in range(10):
                gold = str((i + 1) * 1237 * (scale + 1))
                for value in (gold, str(int(gold) + 1)):
                    written = format_decimal(value, locale=lang)
                    if lang in ("bn", "th") and scale % 2:  # native digits in half the rows
                        written = written.translate(str.maketrans("0123456789", NATIVE[lang]))
                    rows.append((f"{reasoning}\n\\boxed{{{written}}}", gold, lang))
    return rows


def rate(fn, rows) -> tuple[float, list[bool]]:
    start = time.perf_counter()
    results = [fn(*row) for row in rows]
    return len(rows) / (time.perf_counter() - start), results


def main() -> None:
    from math_verify import parse, verify

    rows = inputs()
    truth = [int(i % 2 == 0) for i in range(len(rows))]
    check_answer(*rows[0])
    fast_rate, fast = rate(check_answer, rows)
    mv_rate, mv = rate(lambda c, g, _lang: verify(parse(g), parse(c)), rows)
    math_scoring.warm_up()
    symbolic = [(f"\\boxed{{x = {n}}}", str(n), "en") for n in range(50)]
    start = time.perf_counter()
    assert all(check_answer(*row) for row in symbolic)
    symbolic_ms = 1000 * (time.perf_counter() - start) / len(symbolic)
    result = {
        "n": len(rows),
        "mean_chars": sum(len(c) for c, _, _ in rows) / len(rows),
        "fast_path_per_s": round(fast_rate),
        "math_verify_per_s": round(mv_rate),
        "ratio": round(fast_rate / mv_rate, 1),
        "fast_path_agrees_with_truth": sum(int(r) == t for r, t in zip(fast, truth, strict=True)),
        "math_verify_agrees_with_truth": sum(int(r) == t for r, t in zip(mv, truth, strict=True)),
        "symbolic_pool_ms_per_check": round(symbolic_ms, 2),
        "stats": math_scoring.stats(),
        "machine": f"{platform.processor() or platform.machine()}, python {platform.python_version()}",
    }
    print(json.dumps(result, indent=1))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
