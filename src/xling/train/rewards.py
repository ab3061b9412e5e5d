"""Rewards for RL: correctness, language consistency, and their weighted sum (study A).

Stage: train (the RL reward is the evaluation scorer wearing an adapter; DESIGN.md, "score").
Each reward is a plain function over lists, in TRL's column convention
``reward(completions, answer, lang, **_) -> list[float]``, registered in ``REWARDS`` as a
``Reward`` row that carries what is special about it: the GRPO config fields it reads (its
adapter arguments: combined's weights, weighted's λ's, the consistency part), how GRPO hands it
to TRL (one function per term, each logged apart) and its verl hook. A study may name a user's
own ``Reward`` (or a plain function) by a dotted path ``"my_pkg.module:REWARD"``.
``to_trl`` adapts a function to ``GRPOTrainer`` (conversational completions unwrapped, a language-consistency metric logged);
``to_verl`` adapts it to verl's ``custom_reward_function``
(``compute_score(data_source, solution_str, ground_truth, extra_info)``), and the module-level
``compute_score*`` functions are those adapters, ready to name in a verl config.

Consistency of a mixed response: the reward is the *share* of the question's language in the
response's language composition (``scoring.language.language_share``, the one function
evaluation's consistency verdict also reads), in [0, 1]. A response
entirely in the question's language scores 1 and one entirely in another language 0, which is
study A's langid verdict on single-language responses; a half-English, half-German response to a
German question scores 0.5, so partial drift is penalised in proportion. A response with no
detectable language (only numbers and symbols) scores 0: consistency cannot be credited without
evidence, and the reward cannot be gamed by writing no words.

>>> accuracy_reward(["so \\\\boxed{4}"], answer=["4"], lang=["en"])
[1.0]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xling.registry import resolve
from xling.schema import XlingError

log = logging.getLogger(__name__)

RewardFn = Callable[..., list[float]]
"""A reward function: ``fn(completions, answer, lang, **columns) -> list[float]``."""
STUDY_A_WEIGHTS: tuple[float, float] = (0.5, 0.5)
"""(accuracy, consistency) weights of study A's combined reward."""


def accuracy_reward(completions: list[str], answer: list[str], lang: list[str],
                    scorer: list[str] | None = None, meta: list[str] | None = None,
                    choices: list[str] | None = None, finish_reason: list[str] | None = None,
                    **_) -> list[float]:
    """1.0 if the completion is correct under its item's scorer, else 0.0 (``is_correct``).

    Math items (the default): the final (boxed) answer equals the gold ``answer``. Items of a
    pool whose scorer is another kind (``scorer`` column: "choice", "ifeval", ...; ``meta`` and
    ``choices`` as JSON strings, as ``grpo.grpo_row`` and ``verl_export.verl_row`` write them)
    are scored with that scorer: an IFEval item is correct when every instruction is followed
    (strict). ``finish_reason`` ("stop" / "length" per completion, ``to_trl`` derives it from
    the completion ids) lets a thinking block cut by the length cap score 0, as in evaluation.
    """
    import json

    out = []
    for i, (c, a, lg) in enumerate(zip(completions, answer, lang, strict=True)):
        item_meta = json.loads(meta[i]) if meta and meta[i] else None
        options = tuple(json.loads(choices[i])) if choices and choices[i] else None
        out.append(float(is_correct(c, a, lg, scorer[i] if scorer else "math", options, item_meta,
                                    finish_reason[i] if finish_reason else "stop")))
    return out


def is_correct(completion: str, answer: str, lang: str, scorer: str = "math",
               choices: Sequence[str] | None = None, meta: dict[str, Any] | None = None,
               finish_reason: str = "stop") -> bool:
    """``xling.scoring.judge(...).correct``: evaluation's verdict of one completion under its
    item's scorer kind, the one place RL rewards and RFT's filter decide correctness (the
    thinking block read as evaluation reads it: an answer inside ``<think>`` followed by "I am
    not sure." after it is wrong here too).

    >>> is_correct("The answer is (B).", "B", "en", scorer="choice", choices=["x", "y"])
    True
    >>> is_correct("<think>so \\\\boxed{4}</think> I am not sure.", "4", "en")
    False
    """
    from xling.scoring import judge

    return judge(completion, answer, lang, scorer=scorer, choices=choices, meta=meta or {},
                 finish_reason=finish_reason, langid=False).correct


def scorer_columns(columns: dict[str, Any]) -> dict[str, Any]:
    """The scorer-kind columns (``scorer``, ``meta``, ``choices``) among a reward's kwargs."""
    return {k: columns[k] for k in SCORER_COLUMNS if k in columns}


SCORER_COLUMNS: tuple[str, ...] = ("scorer", "meta", "choices", "finish_reason")
"""Columns that carry an item's scorer kind from the pool to the reward (``accuracy_reward``),
and how each completion ended (``to_trl`` adds ``finish_reason``)."""


def consistency_reward(completions: list[str], lang: list[str], **_) -> list[float]:
    """Share of the question's language in each completion (see the module docstring)."""
    from xling.scoring.language import language_share

    return [language_share(c, lg) for c, lg in zip(completions, lang, strict=True)]


CONSISTENCY_PARTS: tuple[str, ...] = ("all", "thinking", "answer")
"""Which part of a completion the consistency term reads: the whole text, the ``<think>``
block only, or the part after it (``scoring.thinking``; study B's interventional reward)."""


def _part(text: str, part: str) -> str:
    if part == "all":
        return text
    from xling.scoring.thinking import split_thinking

    split = split_thinking(text)
    return split.thinking if part == "thinking" else split.answer


def part_consistency_reward(
    completions: list[str], lang: list[str], part: str = "all", **_
) -> list[float]:
    """Share of the question's language in one part of each completion (``CONSISTENCY_PARTS``);
    a part that is empty or has no detectable language scores 0."""
    from xling.scoring.language import language_share

    if part not in CONSISTENCY_PARTS:
        raise XlingError(f"unknown consistency part {part!r}; known: {', '.join(CONSISTENCY_PARTS)}")
    return [language_share(_part(c, part), lg) for c, lg in zip(completions, lang, strict=True)]


def format_reward(completions: list[str], **_) -> list[float]:
    """1.0 when a completion has the answer format the prompt asks for, else 0.0: a thinking
    block, if one was opened, is closed, and the answer part holds a ``\\boxed{}``."""
    from xling.scoring.math import last_boxed
    from xling.scoring.thinking import split_thinking

    out = []
    for text in completions:
        split = split_thinking(text)
        ok = split.state != "unclosed" and last_boxed(split.answer)[0] is not None
        out.append(float(ok))
    return out


STUDY_B_TERMS: tuple[str, ...] = ("accuracy", "consistency", "format")
"""Terms of study B's interventional reward ``λ_acc · acc + λ_cons · cons + λ_fmt · format``."""


def weighted_reward(
    completions: list[str], answer: list[str], lang: list[str],
    weights: dict[str, float] | None = None, part: str = "answer", **columns,
) -> list[float]:
    """``sum_t λ_t · r_t`` over ``STUDY_B_TERMS`` (λ's: ``weights``, default accuracy only);
    the consistency term reads ``part`` of each completion."""
    lam = check_term_weights(weights or {"accuracy": 1.0})
    terms = {
        "accuracy": lambda: accuracy_reward(completions, answer, lang, **scorer_columns(columns)),
        "consistency": lambda: part_consistency_reward(completions, lang, part),
        "format": lambda: format_reward(completions),
    }
    total = [0.0] * len(completions)
    for name, w in lam.items():
        if w:
            total = [t + w * r for t, r in zip(total, terms[name](), strict=True)]
    return total


def check_term_weights(weights: dict[str, float]) -> dict[str, float]:
    """Validate study B's λ's: known terms, non-negative, not all zero (they need not sum to 1).

    Raises:
        XlingError: an unknown term, a negative or non-numeric λ, or all λ's zero.
    """
    if not isinstance(weights, dict):
        raise XlingError(f"reward_lambdas must be a mapping of term -> λ "
                         f"({', '.join(STUDY_B_TERMS)}), got {weights!r}")
    unknown = sorted(set(weights) - set(STUDY_B_TERMS))
    if unknown:
        raise XlingError(f"unknown reward terms {unknown}; known: {', '.join(STUDY_B_TERMS)}")
    for term, value in weights.items():
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or value < 0):
            raise XlingError(f"reward_lambdas.{term}: λ must be a finite number >= 0, got {value!r}")
    lam = {k: float(v) for k, v in weights.items()}
    if not any(lam.values()):
        raise XlingError(f"reward λ's must be non-negative and not all 0, got {weights}")
    return lam


def combined_reward(
    completions: list[str], answer: list[str], lang: list[str],
    weights: Sequence[float] = STUDY_A_WEIGHTS, **columns,
) -> list[float]:
    """``w_acc * accuracy + w_cons * consistency``; study A uses ``0.5 * acc + 0.5 * cons``.
    Accuracy scores each item by its scorer kind (``SCORER_COLUMNS`` in ``columns``)."""
    w_acc, w_cons = check_weights(weights)
    acc = accuracy_reward(completions, answer, lang, **scorer_columns(columns))
    cons = consistency_reward(completions, lang)
    return [w_acc * a + w_cons * c for a, c in zip(acc, cons, strict=True)]


def consistency_of(part: str) -> RewardFn:
    """``part_consistency_reward`` on ``part``, named as TRL logs it: ``consistency_reward``
    (the whole text) or ``consistency_<part>_reward``."""
    def consistency(completions: list[str], lang: list[str], **_) -> list[float]:
        return part_consistency_reward(completions, lang, part)

    consistency.__name__ = "consistency_reward" if part == "all" else f"consistency_{part}_reward"
    return consistency


def _consistency_parts(part: str = "all") -> list[tuple[RewardFn, float]]:
    return [(consistency_of(part), 1.0)]


def _combined_parts(weights: Sequence[float] = STUDY_A_WEIGHTS) -> list[tuple[RewardFn, float]]:
    # Two functions with TRL reward_weights: TRL logs each part and sums them as study A does.
    w_acc, w_cons = check_weights(weights)
    return [(accuracy_reward, w_acc), (consistency_reward, w_cons)]


def _weighted_parts(weights: dict[str, float] | None = None,
                    part: str = "answer") -> list[tuple[RewardFn, float]]:
    # Study B: one function per term with a positive λ, so TRL logs each and sums them.
    lam = check_term_weights(weights or {"accuracy": 1.0})
    terms = {"accuracy": accuracy_reward, "consistency": consistency_of(part),
             "format": format_reward}
    return [(terms[t], lam[t]) for t in terms if lam.get(t, 0.0) > 0]


@dataclass(frozen=True)
class Reward:
    """A reward: what ``REWARDS`` resolves to, with what is special about it."""

    fn: RewardFn
    """The whole reward, ``fn(completions, answer, lang, **columns, **args) -> list[float]``
    (TRL's column convention; ``SCORER_COLUMNS`` among the columns)."""
    args: Mapping[str, str] = field(default_factory=dict)
    """Its adapter arguments: GRPO config field -> the keyword of ``fn`` and ``parts`` that
    receives it (combined: ``{"reward_weights": "weights"}``); a field left None keeps the
    function's default. A config field of another reward that is set is refused."""
    parts: Callable[..., list[tuple[RewardFn, float]]] | None = None
    """Given the arguments, the (function, weight) pairs GRPO hands TRL: TRL logs each function
    (``rewards/<name>/mean``) and sums them with the weights, which is ``fn``; None = ``fn``
    alone with weight 1."""
    verl: str | None = None
    """``"module:function"`` of its verl hook (``to_verl`` of ``fn`` at its default arguments),
    which the verl export's reward file imports; None = TRL only."""

    def trl_parts(self, **args: Any) -> list[tuple[RewardFn, float]]:
        """The (function, weight) pairs for TRL with ``args`` bound (see ``parts``)."""
        if self.parts is not None:
            return self.parts(**args)
        if not args:
            return [(self.fn, 1.0)]
        fn = self.fn

        def bound(completions, **columns):
            return fn(completions, **columns, **args)

        bound.__name__ = getattr(fn, "__name__", "reward")
        return [(bound, 1.0)]


ACCURACY = Reward(accuracy_reward, verl="xling.train.rewards:compute_score")
"""Study A's correctness reward: 1 when the completion is right under its item's scorer."""
CONSISTENCY = Reward(part_consistency_reward, args={"consistency_part": "part"},
                     parts=_consistency_parts, verl="xling.train.rewards:compute_score_consistency")
"""The share of the question's language in the completion (or in one part of it)."""
COMBINED = Reward(combined_reward, args={"reward_weights": "weights"}, parts=_combined_parts,
                  verl="xling.train.rewards:compute_score_combined")
"""Study A's ``0.5 * accuracy + 0.5 * consistency`` (other weights: ``reward_weights``)."""
FORMAT = Reward(format_reward)
"""1 when the answer format is kept (a closed thinking block, a box)."""
WEIGHTED = Reward(weighted_reward, args={"reward_lambdas": "weights", "consistency_part": "part"},
                  parts=_weighted_parts)
"""Study B's ``λ_acc · acc + λ_cons · cons + λ_fmt · format``."""

REWARDS: dict[str, str] = {
    "accuracy": "xling.train.rewards:ACCURACY",
    "consistency": "xling.train.rewards:CONSISTENCY",
    "combined": "xling.train.rewards:COMBINED",
    "format": "xling.train.rewards:FORMAT",
    "weighted": "xling.train.rewards:WEIGHTED",
}
"""Reward name -> ``"module:Reward"``; a dotted path names a user's own ``Reward`` or a plain
reward function (read as ``Reward(fn)``)."""


def get_reward(name: str) -> Reward:
    """The reward registered as ``name`` (a key of ``REWARDS`` or a dotted path).

    Raises:
        XlingError: unknown name (the message lists the known ones), a dotted path that does
            not import, or an object that is neither a ``Reward`` nor a function.
    """
    row = resolve(REWARDS, name, "reward", expect=(Reward, Callable), sort_known=False)
    return row if isinstance(row, Reward) else Reward(row)


def check_weights(weights: Sequence[float]) -> tuple[float, float]:
    """Validate (accuracy, consistency) weights: two non-negative numbers summing to 1.

    Raises:
        XlingError: wrong length, a negative weight, or a sum other than 1.
    """
    w = tuple(float(x) for x in weights)
    if len(w) != 2:
        raise XlingError(f"reward weights are (accuracy, consistency): two numbers, got {list(w)}")
    if min(w) < 0:
        raise XlingError(f"reward weights must be non-negative, got {list(w)}")
    if abs(sum(w) - 1.0) > 1e-6:
        raise XlingError(f"reward weights must sum to 1, got {list(w)} (sum {sum(w):g})")
    return w  # type: ignore[return-value]


def to_text(completion: Any) -> str:
    """A TRL completion as text: a string, or conversational messages (their contents joined)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(str(m.get("content", "")) for m in completion if isinstance(m, dict))
    raise XlingError(f"cannot read a completion of type {type(completion).__name__}")


def to_trl(reward: RewardFn, log_language: bool = True,
           stop_ids: Sequence[int] | None = None) -> RewardFn:
    """Adapt a reward to TRL's ``GRPOTrainer`` signature.

    TRL calls ``f(prompts=..., completions=..., completion_ids=..., <dataset columns>=...,
    log_metric=...)``; completions may be strings or lists of messages. The adapter passes the
    completions as text with the columns (``answer``, ``lang``) and, when TRL offers
    ``log_metric``, logs ``lang/consistent``: the fraction of completions whose dominant language
    is the question's (``scoring.language.is_consistent``, evaluation's verdict; detection is
    cached there, so a consistency reward does not detect twice).
    ``log_language=False`` turns the metric off (when another reward function already logs it).

    ``stop_ids`` (the trainer's EOS and pad ids; ``grpo.run_grpo`` sets them once the trainer
    exists, a list the adapter reads at call time): a completion whose last id is not among
    them was cut by the length cap (TRL's own ``clipped_ratio`` rule), and the reward gets
    ``finish_reason`` = "length" for it, else "stop".
    """

    def trl_reward(prompts=None, completions=(), **kwargs) -> list[float]:
        texts = [to_text(c) for c in completions]
        columns = {k: v for k, v in kwargs.items()
                   if k not in ("log_metric", "completion_ids", "trainer_state", "log_extra")}
        ids = kwargs.get("completion_ids")
        if stop_ids and ids is not None:
            columns["finish_reason"] = ["stop" if len(c) and c[-1] in stop_ids else "length"
                                        for c in ids]
        scores = reward(texts, **columns)
        log_metric = kwargs.get("log_metric")
        if log_language and log_metric is not None and "lang" in kwargs:
            from xling.scoring.language import is_consistent

            hits = [is_consistent(t, lg) for t, lg in zip(texts, kwargs["lang"], strict=True)]
            log_metric("lang/consistent", sum(hits) / max(len(hits), 1))
        return scores

    trl_reward.__name__ = getattr(reward, "__name__", "reward")
    return trl_reward


def to_verl(reward: RewardFn) -> Callable[..., float]:
    """Adapt a reward to verl's ``custom_reward_function`` signature.

    verl calls ``compute_score(data_source, solution_str, ground_truth, extra_info)`` once per
    response; ``extra_info`` is the row's (written by ``verl_export.verl_row``): ``lang``, the
    question's language, and the item's scorer kind (``scorer``, with ``choices`` and ``meta``
    as JSON strings), so a choice or IFEval row is scored by its own scorer, not as math. A row
    without ``scorer`` is math.
    """

    def compute_score(data_source, solution_str, ground_truth, extra_info=None, **_) -> float:
        info = extra_info or {}
        lang = info.get("lang")
        if lang is None:
            raise XlingError("verl row has no extra_info['lang']; export it with xling export verl")
        columns = {k: [info[k]] for k in SCORER_COLUMNS if info.get(k) is not None}
        return float(reward([solution_str], answer=[str(ground_truth)], lang=[lang], **columns)[0])

    return compute_score


compute_score = to_verl(accuracy_reward)
"""verl hook: study A's correctness reward (``custom_reward_function.name: compute_score``)."""
compute_score_consistency = to_verl(consistency_reward)
"""verl hook: the language-consistency reward alone."""
compute_score_combined = to_verl(combined_reward)
"""verl hook: study A's ``0.5 * accuracy + 0.5 * consistency``."""
