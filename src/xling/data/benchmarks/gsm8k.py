"""GSM8K (Cobbe et al., 2021, arXiv 2110.14168): grade-school math, English only.

Stage: data. The test split as a benchmark (1,319 problems), each with its worked solution turned
into a ``\\boxed{}`` solution; scored by scoring.math. Source: a folder with ``test.jsonl``
(default: the staged copy of openai/grade-school-math @ 3101c7d, MIT) or the hub id
``openai/gsm8k``. Training pools use ``parse_row`` on ``train.jsonl`` (see data/pools.py).
Try:  xling eval --model ./tiny --benchmark gsm8k --langs en --limit 5
"""

from __future__ import annotations

import re
from pathlib import Path

from xling.data.io import read_jsonl
from xling.schema import Example, XlingError

SCORER = "math"
LANGS: tuple[str, ...] = ("en",)
HUB_ID = "openai/gsm8k"
_CALC = re.compile(r"<<[^>]*>>")


def parse_row(row: dict, index: int, split: str, where: str = "") -> Example:
    """One GSM8K row ``{"question", "answer": "...#### 42"}`` -> Example with a boxed solution.

    Raises:
        XlingError: the answer has no ``####`` final-answer line.
    """
    worked, sep, final = str(row["answer"]).rpartition("####")
    if not sep or not final.strip():
        raise XlingError(f"{where}GSM8K row {index}: answer has no '#### <final answer>' line")
    gold = final.strip().replace(",", "")
    steps = _CALC.sub("", worked).strip()
    return Example(
        id=f"gsm8k-{split}-{index}", parallel_id=f"gsm8k-{split}-{index}", lang="en",
        question=str(row["question"]).strip(), answer=gold,
        solution=f"{steps}\nThe answer is \\boxed{{{gold}}}.", source="gsm8k",
    )


def load(langs: list[str], source: str | None = None, limit: int | None = None) -> list[Example]:
    """Load the GSM8K test split (English only)."""
    if list(langs) != ["en"]:
        raise XlingError(f"GSM8K is English only; asked for {', '.join(langs)}")
    if source is None:
        from xling.data import find_shared_data

        source = str(find_shared_data() / "gsm8k")
    if Path(source).is_dir():
        path = Path(source) / "test.jsonl"
        rows = read_jsonl(path, required=("question", "answer"))
        where = f"{path}: "
    else:
        from datasets import load_dataset

        rows, where = list(load_dataset(source, "main", split="test")), f"{source}: "
    return [parse_row(r, i, "test", where) for i, r in enumerate(rows[:limit])]
