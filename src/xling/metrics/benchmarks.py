"""Benchmarks' own published numbers: PolyMath's difficulty-weighted accuracy and IFEval's four
accuracies (the benchmark's ``summarize`` calls them).

Stage: metrics (see ``xling.metrics``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from xling.metrics.accuracy import accuracy
from xling.schema import XlingError

POLYMATH_WEIGHTS: dict[str, float] = {"low": 1.0, "medium": 2.0, "high": 4.0, "top": 8.0}
"""PolyMath's difficulty weights (Wang et al., 2025): each level counts twice the one below."""


def difficulty_weighted_accuracy(
    acc_by_level: Mapping[str, float], weights: Mapping[str, float] = POLYMATH_WEIGHTS
) -> float:
    """PolyMath's DW-ACC: ``sum_l w_l · acc_l / sum_l w_l`` over the difficulty levels.

    >>> difficulty_weighted_accuracy({"low": 1.0, "medium": 0.5, "high": 0.0, "top": 0.0})
    0.13333333333333333

    Raises:
        XlingError: a level without a weight, or a weighted level without an accuracy (a
            weighted mean over fewer levels would not be comparable).
    """
    unknown = sorted(set(acc_by_level) - set(weights))
    missing = sorted(set(weights) - set(acc_by_level))
    if unknown or missing:
        raise XlingError(f"difficulty-weighted accuracy needs exactly the levels {sorted(weights)}; "
                         f"unknown: {unknown or 'none'}, missing: {missing or 'none'}")
    total = sum(weights.values())
    return sum(weights[level] * acc for level, acc in acc_by_level.items()) / total


def ifeval_accuracy(details: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """IFEval's four accuracies (Zhou et al., 2023, arXiv 2311.07911, section 3) with Wilson CIs.

    Args:
        details: one mapping per prompt (``scoring.ifeval.score_ifeval``'s ``Verdict.details``):
            ``{"instructions": [{"id", "strict", "loose"}, ...], "unknown": [ids]}``.

    Returns:
        ``prompt_strict`` / ``prompt_loose`` (fraction of prompts whose every instruction is
        followed) and ``inst_strict`` / ``inst_loose`` (fraction of all instructions followed),
        each an ``Accuracy`` dict; ``n_prompts``; ``unknown`` (instruction id -> times xling had
        no checker for it, each counted as not followed); ``by_instruction`` (id -> n, strict
        and loose fractions). Instruction-level intervals treat instructions as independent,
        which they are not within a prompt: read them as a lower bound on the uncertainty.

    >>> m = ifeval_accuracy([{"instructions": [{"id": "a", "strict": True, "loose": True},
    ...                                         {"id": "b", "strict": False, "loose": True}]}])
    >>> m["prompt_strict"]["value"], m["prompt_loose"]["value"], m["inst_strict"]["value"]
    (0.0, 1.0, 0.5)
    """
    prompt_strict: list[bool] = []
    prompt_loose: list[bool] = []
    inst_strict: list[bool] = []
    inst_loose: list[bool] = []
    unknown: dict[str, int] = defaultdict(int)
    by_id: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for d in details:
        items = d["instructions"]
        prompt_strict.append(all(bool(i["strict"]) for i in items))
        prompt_loose.append(all(bool(i["loose"]) for i in items))
        for i in items:
            inst_strict.append(bool(i["strict"]))
            inst_loose.append(bool(i["loose"]))
            by_id[i["id"]].append((bool(i["strict"]), bool(i["loose"])))
        for instruction_id in d.get("unknown") or ():
            unknown[instruction_id] += 1
    return {
        "prompt_strict": accuracy(prompt_strict).to_dict(),
        "prompt_loose": accuracy(prompt_loose).to_dict(),
        "inst_strict": accuracy(inst_strict).to_dict(),
        "inst_loose": accuracy(inst_loose).to_dict(),
        "n_prompts": len(prompt_strict),
        "unknown": dict(sorted(unknown.items())),
        "by_instruction": {
            k: {"n": len(v), "strict": sum(s for s, _ in v) / len(v),
                "loose": sum(lo for _, lo in v) / len(v)}
            for k, v in sorted(by_id.items())
        },
    }
