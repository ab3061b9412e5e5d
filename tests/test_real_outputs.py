"""Verdicts on real model outputs: ``scoring.judge`` against a careful grader, and the same verdict
for evaluation and every reward.

The outputs are ``shared/data/real-outputs/rows.jsonl`` (297 outputs of o3-mini-era models:
Qwen3-1.7B fine-tunes, s1.1-14B, Qwen2.5-32B-Instruct, GPT-4o-mini, Claude, ... in 11
languages, with the sources' own verdicts). The sources' verdicts are noisy, so every row was
graded by reading the response: ``tests/data/real_outputs_labels.jsonl`` holds the adjudicated
label, the final answer the grader read, whether the model finished on its own (a completion
that did not was cut by the length cap: ``finish_reason="length"``) and a one-line reason.
A row where xling's verdict still differs from the label carries ``xling_differs`` with why.

Run: pytest tests/test_real_outputs.py -v
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from xling.schema import Example, Generation
from xling.scoring import judge

LABELS = Path(__file__).parent / "data" / "real_outputs_labels.jsonl"
MIN_AGREEMENT = 0.98
"""Issue 19's bar: judge agrees with the adjudicated labels on >= 98% of each benchmark's rows."""


@pytest.fixture(scope="module")
def rows(shared_data) -> dict[str, dict]:
    path = shared_data / "real-outputs" / "rows.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} is not staged")
    with path.open(encoding="utf-8") as fh:
        return {r["id"]: r for r in map(json.loads, fh)}


@pytest.fixture(scope="module")
def labels() -> dict[str, dict]:
    with LABELS.open(encoding="utf-8") as fh:
        return {r["id"]: r for r in map(json.loads, fh)}


def choices_of(question: str) -> tuple[str, ...] | None:
    """The options the question showed as 'A. text' lines (MMMLU and Global-MMLU prompts)."""
    options = re.findall(r"^([A-D])\. (.*)$", question, re.MULTILINE)
    return tuple(text for _, text in options) if len(options) == 4 else None


def case(row: dict, label: dict) -> dict:
    """judge's arguments for one row: its scorer, gold, options and how generation ended."""
    if row["benchmark"] == "m-ifeval":  # the rule set the mifeval loader puts in meta
        return {"gold": "", "scorer": "ifeval", "meta": {**row["gold"], "ifeval_rules": "m-ifeval"}}
    finish = "stop" if label["finished"] else "length"
    if row["benchmark"] == "mgsm":
        return {"gold": row["gold"], "scorer": "math", "finish_reason": finish}
    return {"gold": row["gold"], "scorer": "choice", "choices": choices_of(row["question"]),
            "finish_reason": finish}


def verdict(row: dict, label: dict):
    args = case(row, label)
    return judge(row["response"], args.pop("gold"), row["lang"], **args)


@pytest.mark.full_data("the labels cover all 297 real outputs")
def test_labels_cover_every_row_once(rows, labels):
    assert set(labels) == set(rows)
    for label in labels.values():
        assert label["why"].strip() and "\n" not in label["why"]
        assert isinstance(label["label"], bool)


def test_judge_agrees_with_the_adjudicated_labels(rows, labels):
    agree: Counter[str] = Counter()
    total: Counter[str] = Counter()
    unlisted, stale = [], []
    for row_id, row in rows.items():
        label = labels[row_id]
        ok = verdict(row, label).correct is label["label"]
        total[row["benchmark"]] += 1
        agree[row["benchmark"]] += ok
        if not ok and "xling_differs" not in label:
            unlisted.append(row_id)
        if ok and "xling_differs" in label:
            stale.append(row_id)
    assert not unlisted, f"disagreements not listed (with their reason) in {LABELS.name}: {unlisted}"
    assert not stale, f"rows listed as disagreements that now agree: {stale}"
    for benchmark, n in total.items():
        assert agree[benchmark] / n >= MIN_AGREEMENT, (benchmark, agree[benchmark], n)


def test_the_adjudicated_labels_differ_from_the_noisy_source_verdicts_where_recorded(rows, labels):
    """The labels are not the sources' verdicts copied: each difference is recorded."""
    for row_id, row in rows.items():
        label = labels[row_id]
        differs = row["source_verdict"] is not None and row["source_verdict"] != label["label"]
        assert differs == bool(label.get("source_differs")), row_id


def test_evaluation_and_every_reward_give_the_same_verdict(rows, labels):
    """Evaluation's recorded verdict, the TRL reward (finish reason read from the completion
    ids, as TRL reads truncation), RFT's filter and the verl reward agree on every row."""
    from xling.evaluation.rows import verdict_fields
    from xling.train.rewards import accuracy_reward, is_correct, to_trl, to_verl

    eos = 0
    trl_reward = to_trl(accuracy_reward, log_language=False, stop_ids=[eos])
    verl_reward = to_verl(accuracy_reward)
    for row_id, row in rows.items():
        label = labels[row_id]
        args = case(row, label)
        finish = args.get("finish_reason", "stop")
        example = Example(id=row_id, parallel_id=row_id, lang=row["lang"], question="q",
                          answer=args["gold"], choices=args.get("choices"),
                          meta=args.get("meta") or {})
        gen = Generation(row["response"], 1, 1, finish)  # type: ignore[arg-type]
        evaluated = verdict_fields(example, gen, args["scorer"], "auto")["correct"]
        columns = {"scorer": [args["scorer"]],
                   "choices": [json.dumps(list(example.choices)) if example.choices else ""],
                   "meta": [json.dumps(example.meta) if example.meta else ""]}
        ids = [[5, 6] if finish == "length" else [5, eos]]
        trl = trl_reward(completions=[row["response"]], completion_ids=ids,
                         answer=[args["gold"]], lang=[row["lang"]], **columns)[0]
        rft = is_correct(row["response"], args["gold"], row["lang"], args["scorer"],
                         example.choices, example.meta, finish)
        assert evaluated == bool(trl) == rft, row_id
        if finish == "stop":  # verl hands the reward no finish reason (docs/verl.md)
            info = {"lang": row["lang"], **{k: v[0] for k, v in columns.items() if v[0]}}
            assert bool(verl_reward("real", row["response"], args["gold"], info)) == evaluated, row_id


# One real row for each reading issue 19 names (each fails on the scorer before it): the row,
# the verdict fields judge must give, and why.
FORMS = [
    ("mgsm-ja-017", {"think_state": "unclosed-finished", "extracted": "860", "correct": True},
     "Qwen3 never closes <think> but stops on its own with \\boxed{860} inside"),
    ("mgsm-bn-003", {"think_state": "unclosed-finished", "extracted": "2600", "correct": True},
     "unclosed block ending '✅ **উত্তর: 2600 গ্রাম**'; the unit is not part of the answer"),
    ("mgsm-bn-027", {"extracted": "14", "correct": True},
     "'14টি': a Bengali classifier after the number is not recorded as '14ট'"),
    ("mgsm-sw-016", {"extracted": "12", "correct": True},
     "'**Jibu:** Kalamu 8 ... **$12.00**': the emphasised number, not the restated 8"),
    ("mgsm-sw-032", {"extracted": "175", "correct": True},
     "s1 budget forcing: thinking cut, then 'Final Answer: ... \\boxed{175}' with no answer tag"),
    ("mgsm-bn-030", {"think_state": "unclosed-finished", "extracted": "14", "correct": True},
     "s1 opened <|im_start|>think and never wrote <|im_start|>answer: the forced final answer"),
    ("mgsm-de-000", {"think_state": "closed", "extracted": "6", "correct": True},
     "s1's <|im_start|>think / <|im_start|>answer sections"),
    ("mmmlu-ja-013", {"extracted": "B", "correct": True},
     "'answer\": \"B\"': the JSON form, an English cue in a Japanese response"),
    ("mmmlu-sw-003", {"extracted": "A"},
     "'**jibu**: A. eneo ...': a cue in markdown before its colon"),
    ("mmmlu-bn-002", {"extracted": "B"},
     "'**বি. ভুল, ভুল নয়**': the Latin letter B spelled in Bengali script"),
    ("mmmlu-bn-004", {"extracted": "A"},
     "'উত্তর হলো: **ক. বিনোদনের ক্ষেত্র।**': a native Bengali letter after the cue"),
    ("global-mmlu-fr-000", {"extracted": "D", "correct": True},
     "a reply that opens with the option line 'D. Imagerie de marque.' (prompt ended 'Answer:')"),
    ("global-mmlu-fr-002", {"extracted": "C", "correct": True},
     "the last line is the option, introduced by a line ending in ':'"),
    ("global-mmlu-zh-001", {"extracted": "B", "correct": True},
     "'正确的答案是 B.': the cue with 的"),
]


@pytest.mark.full_data("the real outputs on MGSM, MMMLU and Global-MMLU declare no licence; tests/data/staged has only M-IFEval's")
@pytest.mark.parametrize("row_id, want, why", FORMS, ids=[f[0] for f in FORMS])
def test_real_answer_forms_are_read(rows, labels, row_id, want, why):
    got = verdict(rows[row_id], labels[row_id])
    assert {k: getattr(got, k) for k in want} == want, why


@pytest.mark.full_data("the real outputs on MGSM, MMMLU and Global-MMLU declare no licence; tests/data/staged has only M-IFEval's")
def test_a_thinking_block_cut_by_the_length_cap_is_never_scored_from_its_tail(rows, labels):
    cut = [i for i, lab in labels.items() if lab.get("finished") is False]
    assert len(cut) >= 40  # the Swahili and Bengali repetition loops
    for row_id in cut:
        got = verdict(rows[row_id], labels[row_id])
        assert (got.correct, got.extracted) == (False, None), row_id
        assert got.reason in ("truncated-thinking", "no-answer"), row_id


# M-IFEval's official checker (its evaluation_main.py, per-instruction results in source_extra)
# and xling differ only where xling differs on purpose (docs/ifeval.md): row -> (instruction,
# the named deliberate difference).
MIFEVAL_DELIBERATE = {
    "m-ifeval-ja-003": ("ja:keywords:frequency", "ja-keyword-tokens"),  # 大聖堂 = 大 + 聖堂 in Janome
}


def test_m_ifeval_instructions_agree_with_the_labels_and_the_official_checker(rows, labels):
    """Every instruction of every real M-IFEval row: xling's strict and loose results equal the
    adjudicated ones and M-IFEval's own, except the deliberate difference listed above."""
    checked = 0
    for row_id, row in rows.items():
        if row["benchmark"] != "m-ifeval":
            continue
        got = verdict(row, labels[row_id]).details
        assert got["rules"] == "m-ifeval"
        strict = [i["strict"] for i in got["instructions"]]
        assert strict == labels[row_id]["instructions"], row_id
        official = {"strict": row["source_extra"]["strict_follow_instruction_list"],
                    "loose": row["source_extra"]["loose_follow_instruction_list"]}
        for kind, want in official.items():
            for inst, ok in zip(got["instructions"], want, strict=True):
                checked += 1
                if inst[kind] != ok:
                    assert MIFEVAL_DELIBERATE.get(row_id, ("",))[0] == inst["id"], (row_id, kind, inst)
    ifeval = [row for row in rows.values() if row["benchmark"] == "m-ifeval"]
    assert checked == 2 * sum(len(row["gold"]["instruction_id_list"]) for row in ifeval)
    assert ifeval  # all 64 rows hold 93 instructions (test_labels_cover_every_row_once)


# One real row for each per-language M-IFEval rule the merged checker read wrong: the instruction
# and its adjudicated result.
MIFEVAL_RULES = [
    ("m-ifeval-fr-007", "fr:detectable_format:title", True, "French titles are ##accentuation##"),
    ("m-ifeval-fr-011", "fr:detectable_format:title", True, "'## Monde alternatif ##'"),
    ("m-ifeval-ja-003", "ja:keywords:frequency", True,
     "大聖堂 five times: counted over whole Janome tokens (ja-keyword-tokens)"),
]


@pytest.mark.parametrize("row_id, instruction, want, why", MIFEVAL_RULES,
                         ids=[r[0] for r in MIFEVAL_RULES])
def test_real_m_ifeval_rows_follow_the_language_rule(rows, labels, row_id, instruction, want, why):
    got = {i["id"]: i["strict"] for i in verdict(rows[row_id], labels[row_id]).details["instructions"]}
    assert got[instruction] is want, why
