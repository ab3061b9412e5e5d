"""GSM8K (Cobbe et al., 2021, arXiv 2110.14168): grade-school math, English only.

Stage: data. The test split as a benchmark (1,319 problems), each with its worked solution turned
into a ``\\boxed{}`` solution; scored by scoring.math. Source (``data.resolve_source``): a folder
with ``test.jsonl`` or that file itself (default: the staged copy of openai/grade-school-math @
3101c7d, MIT), or the hub id ``openai/gsm8k`` (used when nothing is staged, and logged). A
local-looking source that does not exist is an immediate error. Training pools use
``parse_row`` on ``train.jsonl`` (see data/pools.py).

Malformed rows are errors naming ``file:line`` (1-based; ``<hub id> <split> row N`` for hub
rows), never scored as ordinary wrong answers: an empty question, an answer without a
``#### <final answer>`` line, a final answer that is not a number (``abc``), invalid UTF-8.
Try:  xling eval --model ./tiny --benchmark gsm8k --langs en --limit 5
"""

from __future__ import annotations

import re

from xling.data.benchmarks import Benchmark, Source
from xling.data.io import check_number_answer, check_text, read_jsonl_numbered
from xling.schema import Example, XlingError

SCORER = "math"
LANGS: tuple[str, ...] = ("en",)
HUB_ID = "openai/gsm8k"
_CALC = re.compile(r"<<[^>]*>>")


def parse_row(row: dict, index: int, split: str, where: str = "") -> Example:
    """One GSM8K row ``{"question", "answer": "...#### 42"}`` -> Example with a boxed solution.

    ``index`` is the 0-based problem index (the id); ``where`` names the row for errors
    (``file:line``).

    >>> parse_row({"question": "1+1?", "answer": "1+1=<<1+1=2>>2\\n#### 2"}, 0, "test").answer
    '2'

    Raises:
        XlingError: an empty question, no ``####`` final-answer line, or a final answer that is
            not a number.
    """
    where = where or f"GSM8K {split} row {index + 1}"
    question = check_text(row.get("question"), "question", where)
    worked, sep, final = str(row.get("answer") or "").rpartition("####")
    if not sep or not final.strip():
        raise XlingError(f"{where}: answer has no '#### <final answer>' line")
    gold = check_number_answer(final, where)
    steps = _CALC.sub("", worked).strip()
    return Example(
        id=f"gsm8k-{split}-{index}", parallel_id=f"gsm8k-{split}-{index}", lang="en",
        question=question, answer=gold,
        solution=f"{steps}\nThe answer is \\boxed{{{gold}}}.", source="gsm8k",
        meta={"gold_as_written": final.strip()} if final.strip() != gold else {},
    )


def load_split(split: str, source: str | None = None, limit: int | None = None) -> list[Example]:
    """Load a GSM8K split (``test`` or ``train``) from ``source`` (see the module docstring)."""
    from xling.data.sources import resolve_source

    local, hub = resolve_source(source, "gsm8k", HUB_ID)
    if local is not None:
        path = local / f"{split}.jsonl" if local.is_dir() else local
        numbered = read_jsonl_numbered(path, required=("question", "answer"))[:limit]
        return [parse_row(r, i, split, f"{path}:{line}") for i, (line, r) in enumerate(numbered)]
    from xling.hub import load_dataset  # one line, quickly, when the hub is out of reach

    rows = load_dataset(str(hub), "main", split=split)
    if limit is not None:
        rows = rows.select(range(min(limit, len(rows))))
    return [parse_row(r, i, split, f"{hub} {split} row {i + 1}") for i, r in enumerate(rows)]


def load(langs: list[str], source: str | None = None, limit: int | None = None) -> list[Example]:
    """Load the GSM8K test split (English only)."""
    if list(langs) != ["en"]:
        raise XlingError(f"GSM8K is English only; asked for {', '.join(langs)}")
    return load_split("test", source, limit)


GSM8K = Benchmark(
    name="gsm8k", load=load, scorer=SCORER, langs=LANGS,
    doc="GSM8K test (English, 1,319 problems).",
    sources=(Source("staged gsm8k/ (openai/grade-school-math @ 3101c7d)", LANGS),
             Source("hub openai/gsm8k", LANGS)),
)
"""The GSM8K benchmark (registry name ``gsm8k``)."""
