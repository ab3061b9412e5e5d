"""What is translated: the items of the input (a benchmark, a pool, a card or a jsonl file), each
checked before any request, and the tagged request and reply of one item.

Stage: translate (see ``xling.translate``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from xling.languages import CHOICE_LETTERS
from xling.schema import Example, XlingError
from xling.translate.config import FIELDS

# ---- input ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """What is translated: the items in the source language and what the card needs."""

    name: str
    examples: list[Example]
    scorer: str = "math"
    paper_metric: str = "accuracy"


def load_source(spec: str, lang: str = "en", limit: int | None = None,
                source: str | None = None) -> Source:
    """Resolve ``--input``: a card.yaml, a .jsonl file, ``pool:NAME``, ``benchmark:NAME`` or a
    bare name of ``xling.data.BENCHMARKS`` / ``xling.data.pools.POOLS``; ``source`` is a
    benchmark's own source (a folder or hub id, e.g. the folder holding ``gpqa_diamond.csv``).

    A jsonl row is ``{"question", "answer"}`` with optional ``id`` (default: the row's index),
    ``solution`` and ``choices`` (then scored as multiple choice).

    Raises:
        XlingError: unknown input, a name that is both a benchmark and a pool (prefix it), a
            malformed row (file:line) or duplicate ids.
    """
    from xling.data import BENCHMARKS, find_card, load_benchmark
    from xling.data.pools import POOLS, load_pool

    path = Path(spec).expanduser()
    if (card := find_card(path)) is not None:
        from xling.data.benchmarks.card import card_benchmark

        bench = card_benchmark(card)
        examples = bench.load([lang], limit=limit)
        source = Source(bench.name, examples, bench.scorer, bench.headline.label)
    elif path.suffix == ".jsonl":
        source = _jsonl_source(path, lang, limit)
    else:
        kind, _, name = spec.partition(":") if ":" in spec else ("", "", spec)
        if kind not in ("", "pool", "benchmark"):
            raise XlingError(f"--input {spec!r}: the prefix must be 'pool:' or 'benchmark:'")
        if not kind and name in BENCHMARKS and name in POOLS:
            raise XlingError(f"--input {name!r} is both a benchmark and a training pool; write "
                             f"benchmark:{name} or pool:{name}")
        if kind == "pool" or (not kind and name in POOLS):
            if name not in POOLS:
                raise XlingError(f"unknown pool {name!r}; known: {', '.join(POOLS)}")
            examples = load_pool(name, [lang])[:limit]
            source = Source(name, examples)
        elif name in BENCHMARKS:
            from xling.data import get_benchmark

            bench = get_benchmark(name)
            examples = load_benchmark(name, [lang], source=source, limit=limit)
            source = Source(name, examples, bench.scorer, bench.headline.label)
        else:
            raise XlingError(f"unknown --input {spec!r}: not a card.yaml, a .jsonl file, a "
                             f"benchmark ({', '.join(BENCHMARKS)}) or a pool ({', '.join(POOLS)})")
    if not source.examples:
        raise XlingError(f"--input {spec!r}: no items in {lang}")
    from xling.data.benchmarks.card import gold_answer

    for ex in source.examples:  # before any request: the card written at the end must load
        gold_answer(ex.answer, source.scorer, ex.choices, f"--input {spec}: item {ex.parallel_id}")
    seen = Counter(ex.parallel_id for ex in source.examples)
    dupes = [pid for pid, n in seen.items() if n > 1]
    if dupes:
        raise XlingError(f"--input {spec!r}: duplicate item ids {', '.join(dupes[:5])}")
    return source


def _jsonl_source(path: Path, lang: str, limit: int | None) -> Source:
    """A jsonl input, every row checked as the card written from it will be (file:line)."""
    from xling.data.benchmarks.card import gold_answer, option_texts
    from xling.data.io import read_jsonl_numbered

    rows = read_jsonl_numbered(path, required=("question", "answer"))[:limit]
    scorer = "choice" if any(row.get("choices") is not None for _, row in rows) else "math"
    examples = []
    for i, (lineno, row) in enumerate(rows):
        where = f"{path}:{lineno}"
        if not isinstance(row["question"], str) or not row["question"].strip():
            raise XlingError(f"{where}: field 'question' is empty or not text")
        choices = option_texts(row.get("choices"), where, "choices") if scorer == "choice" else None
        solution = row.get("solution")
        if solution is not None and not isinstance(solution, str):
            raise XlingError(f"{where}: field 'solution' must be text")
        pid = str(row.get("id", i))
        examples.append(Example(
            id=f"{path.stem}-{lang}-{pid}", parallel_id=pid, lang=lang, question=row["question"],
            answer=gold_answer(row["answer"], scorer, choices, where), solution=solution,
            choices=choices, source=path.stem))
    return Source(path.stem, examples, scorer)


def source_fields(example: Example, fields: tuple[str, ...] = FIELDS) -> dict[str, str]:
    """The texts to translate: ``question``, ``solution``, ``option_A``.. (when present and asked)."""
    out = {"question": example.question}
    if "solution" in fields and example.solution:
        out["solution"] = example.solution
    if "choices" in fields and example.choices:
        out.update({f"option_{CHOICE_LETTERS[i]}": text for i, text in enumerate(example.choices)})
    return out


def to_tagged(fields: dict[str, str]) -> str:
    """``{"question": "q"}`` -> ``"<question>\\nq\\n</question>"`` (one block per field)."""
    return "\n".join(f"<{key}>\n{text.strip()}\n</{key}>" for key, text in fields.items())


def parse_tagged(text: str, keys: list[str]) -> tuple[dict[str, str] | None, str]:
    """Read the tagged reply back: (fields, "") or (None, what is missing)."""
    out, missing = {}, []
    for key in keys:
        found = re.findall(rf"<{key}>(.*?)</{key}>", text, re.DOTALL)
        if not found or not found[-1].strip():
            missing.append(f"<{key}>")
        else:
            out[key] = found[-1].strip()
    if missing:
        return None, f"the reply lacks {', '.join(missing)} (each part must stay in its tags)"
    return out, ""
