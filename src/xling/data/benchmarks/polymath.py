"""PolyMath (Wang et al., 2025, arXiv 2504.18428): 125 problems x 4 difficulty levels x 18 languages.

Stage: data. Gives Examples in level order low, medium, high, top (500 per language) with
parallel_id = ``polymath-<level>-<n>`` (``n`` = the numeric suffix of the source id, which aligns
problems across languages); ``meta = {"level": ...}``; scored by scoring.math. xling uses the 10
study languages + te (upstream also has ar id it ko ms pt vi).
Source: a folder ``<lang>/<level>.parquet`` (columns ``id`` e.g. ``low-en-0``, ``question``,
``answer``; default: the staged hub snapshot vendored in XZhang00/M-Thinker @ 01f9beb) or the hub
dataset ``Qwen/PolyMath`` (config = language, split = level). Licence: Apache-2.0 (declared by
QwenLM/PolyMath). Version 1.
Answers: 210 of 500 are LaTeX, mostly ``$..$``-wrapped (unwrapped here); a few are malformed
(an unpaired ``$`` or unbalanced braces, e.g. ``$b \\geq $-\\frac{2}{3}$``): those rows are kept
with ``meta["flag"] = "malformed-answer"`` and counted in the log (their verdicts are unreliable:
one of them cannot even be parsed). ``low`` is MGSM (GSM8K test) material: don't report PolyMath-low
and MGSM as independent.
Metric: the paper's difficulty-weighted accuracy DW-ACC = (1·low + 2·medium + 4·high + 8·top) / 15
over the per-level accuracies (``summarize``).
Try:  xling eval --model ./tiny --benchmark polymath --langs en,te --limit 5
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from xling.data.benchmarks import (
    AUTHORS,
    Benchmark,
    Headline,
    Protocol,
    Source,
    authors,
    check_langs,
)
from xling.data.benchmarks.mmath import math_answer
from xling.metrics import POLYMATH_WEIGHTS, difficulty_weighted_accuracy
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

SCORER = "math"
LANGS: tuple[str, ...] = ("en", "zh", "de", "es", "fr", "ja", "ru", "th", "sw", "bn", "te")
HUB_ID = "Qwen/PolyMath"
LEVELS: tuple[str, ...] = tuple(POLYMATH_WEIGHTS)
"""low, medium, high, top: the difficulty levels, in order (weights in ``metrics``)."""


def _level_rows(folder: Path | None, hub: str | None, lang: str, level: str) -> tuple[list[dict[str, Any]], str]:
    if folder is not None:
        path = folder / lang / f"{level}.parquet"
        if not path.is_file():
            have = sorted(p.name for p in folder.iterdir() if p.is_dir())
            raise XlingError(f"{path}: not found (languages in {folder}: {', '.join(have) or 'none'})")
        from xling.data.io import read_parquet

        return read_parquet(path), str(path)
    from xling.hub import load_dataset  # one line, quickly, when the hub is out of reach

    return [dict(r) for r in load_dataset(hub, lang, split=level)], f"{hub} ({lang}/{level})"


def load(langs: list[str], source: str | None = None, limit: int | None = None) -> list[Example]:
    """Load PolyMath for ``langs`` (all must be in ``LANGS``), levels low..top in order.

    Args:
        source: a folder ``<lang>/<level>.parquet``, a hub id, or None (staged copy, else hub).
        limit: keep the first N problems per language (in level order: N <= 125 are all ``low``).

    Raises:
        XlingError: unknown language, missing file, a row without id/question/answer, an id that
            is not ``<level>-<lang>-<n>``, a duplicate id, or languages that are not parallel.
    """
    check_langs("polymath", langs, LANGS)
    from xling.data.sources import resolve_source

    folder, hub = resolve_source(source, "polymath", HUB_ID)
    if folder is not None and not folder.is_dir():
        raise XlingError(f"polymath source {str(folder)!r} is not a folder of <lang>/<level>.parquet")
    examples: list[Example] = []
    reference: list[str] | None = None
    for lang in langs:
        keyed: dict[tuple[int, int], Example] = {}  # (level index, n) -> Example
        for li, level in enumerate(LEVELS):
            rows, label = _level_rows(folder, hub, lang, level)
            pattern = re.compile(rf"{level}-{re.escape(lang)}-(\d+)")
            for i, row in enumerate(rows):
                where = f"{label} row {i}"
                for key in ("id", "question", "answer"):
                    if not isinstance(row.get(key), str) or not row[key].strip():
                        raise XlingError(f"{where}: field {key!r} is missing or empty")
                match = pattern.fullmatch(row["id"].strip())
                if match is None:
                    raise XlingError(f"{where}: field 'id' {row['id']!r} is not '{level}-{lang}-<n>'")
                n = int(match.group(1))
                if (li, n) in keyed:
                    raise XlingError(f"{where}: duplicate id {row['id']!r}")
                gold, bad = math_answer(row["answer"], where)
                meta: dict[str, Any] = {"level": level}
                if bad:
                    meta["flag"] = "malformed-answer"
                keyed[li, n] = Example(
                    id=f"polymath-{lang}-{level}-{n}", parallel_id=f"polymath-{level}-{n}",
                    lang=lang, question=row["question"], answer=gold, source="polymath", meta=meta,
                )
        lang_examples = [keyed[k] for k in sorted(keyed)]  # level order, then problem number
        pids = [ex.parallel_id for ex in lang_examples]
        if reference is None:
            reference = pids
        elif pids != reference:
            raise XlingError(f"polymath: {lang} items differ from {langs[0]} "
                             f"({len(set(pids) ^ set(reference))} ids not shared); not parallel")
        examples += lang_examples[:limit]
    malformed = {ex.parallel_id for ex in examples if "flag" in ex.meta}
    if malformed:
        log.warning("polymath: %d problem(s) with a malformed LaTeX gold kept and flagged "
                    "meta['flag']='malformed-answer': %s", len(malformed), ", ".join(sorted(malformed)))
    return examples


def _level(row: Mapping[str, Any]) -> str | None:
    meta = row.get("meta")
    if isinstance(meta, str):
        meta = json.loads(meta)
    if isinstance(meta, Mapping) and meta.get("level") in LEVELS:
        return str(meta["level"])
    pid = str(row.get("parallel_id", ""))  # polymath-<level>-<n>
    level = pid.split("-")[1] if pid.count("-") == 2 else None
    return level if level in LEVELS else None


def summarize(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Per language: accuracy per level (fraction, n) and DW-ACC (PolyMath's benchmark score).

    DW-ACC = sum_l w_l * acc_l / sum_l w_l with w = 1, 2, 4, 8 for low, medium, high, top
    (``metrics.difficulty_weighted_accuracy``, the one home of the formula); it is
    None (with ``missing_levels``) unless all four levels were evaluated (e.g. after ``--limit``),
    never a reweighted number over fewer levels.

    >>> rows = [{"lang": "en", "correct": c, "meta": {"level": lv}}
    ...         for lv, c in [("low", True), ("medium", True), ("high", False), ("top", False)]]
    >>> summarize(rows)["en"]["dw_acc"]  # (1 + 2) / 15
    0.2
    """
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for row in rows:
        level = _level(row)
        if level is None:
            raise XlingError(f"polymath row {row.get('id')!r} has no level in meta or parallel_id")
        cell = counts[str(row["lang"])][level]
        cell[0] += bool(row["correct"])
        cell[1] += 1
    out: dict[str, Any] = {}
    for lang, by_level in counts.items():
        levels = {lv: {"acc": c / n, "n": n} for lv, (c, n) in by_level.items()}
        missing = [lv for lv in LEVELS if lv not in levels]
        dw = (None if missing else
              difficulty_weighted_accuracy({lv: levels[lv]["acc"] for lv in LEVELS}))
        out[lang] = {"levels": {lv: levels[lv] for lv in LEVELS if lv in levels}, "dw_acc": dw,
                     **({"missing_levels": missing} if missing else {})}
    if out and all(v["dw_acc"] is not None for v in out.values()):
        # The report's primary metric for PolyMath, as its paper tables show it.
        out["primary"] = {"name": "difficulty-weighted accuracy",
                          "values": {lang: v["dw_acc"] for lang, v in list(out.items())}}
    return out


POLYMATH = Benchmark(
    name="polymath", load=load, scorer=SCORER, langs=LANGS, summarize=summarize,
    doc="PolyMath: 125 problems x 4 difficulty levels in 18 languages (11 registered here).",
    headline=Headline("summary", name="difficulty-weighted accuracy (weights 1, 2, 4, 8)"),
    sources=(Source("staged polymath/ (Qwen/PolyMath hub snapshot via XZhang00/M-Thinker)", LANGS),
             Source(f"hub {HUB_ID}", LANGS)),
    protocols={AUTHORS: Protocol(
        prompt=authors.polymath, scorer="math-first-box",
        describe="PolyMath's query_dic instruction of the language after the question ("
                 + authors.source_of("polymath") + ")",
        extraction="the FIRST closed \\boxed{} of the answer part, spaces removed; Qwen's "
                   "math_equal against the raw gold (also accepting gold x 100 and gold / 100)",
        differences="xling never accepts gold x 100 or gold / 100 (18 for 0.18), reads numbers "
                    "per language, and checks symbolically with Math-Verify; DW-ACC from "
                    "unrounded level accuracies (PolyMath rounds each to 0.1 %)")},
)
"""The PolyMath benchmark (registry name ``polymath``)."""
