"""The sandbox: multilingual arithmetic word problems, parallel across languages by construction.

Stage: data. Gives ``Example``s (source ``"sandbox"``) in the ten study languages, each with a
short step-by-step solution ending in ``\\boxed{answer}`` (steps in words of that language, or
as equations only: ``SandboxConfig.solution``), and the problem kinds of the default world:
``BASIC`` (one step: what the sandbox base is pretrained on) and ``SKILL`` (two-step chains:
what post-training teaches and the benchmark measures; README, "The sandbox").
A problem is drawn once (numbers, operations, story template) and then rendered in every
language from template ``k`` (``sandbox_templates.py``), so translations share everything but
the words. Equations use ASCII digits in every language, so arithmetic is shared.

Splits. ``"pretrain"``, ``"train"`` and ``"eval"`` share no problem, by construction: a problem's
canonical key is its arithmetic (``problem_key``: start value, then op:operand per step; the
story template is deliberately left out, so the same sum in other words is the same problem).
``blake2b(key) % 10`` assigns the key to exactly one split (0-5 pretrain, 6-7 train, 8-9 eval);
a split's draws whose key belongs elsewhere are rejected (``ANY`` draws every key: for a
pretraining kind that shares no problem with the skill by construction). Each split draws from
its own seeded stream ``(seed, split)``. Within one ``generate_problems`` call keys are unique
while the split still has unused keys; repeats are allowed, with a warning (once per config, split and n per
process; INFO after that), once it has none (the default
config has about 390 one-step keys in all, about 84 of them eval, and thousands of two-step
keys, so large eval sets lean towards two-step problems once the one-step ones run out; the
default world's ``SKILL`` has about 650 two-step keys in its train split, so a 2,000-problem
training pool repeats each about three times).

Try:  python -c "from xling.data import sandbox_world as s; e = s.generate_problems(1, \\
          s.SandboxConfig(), langs=['de'])[0]; print(e.question); print(e.solution)"
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

from xling.data.sandbox_templates import LANG_TEXTS, N_STORIES, STORIES
from xling.languages import STUDY_LANGS, parse_langs
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

OPS: tuple[str, ...] = ("add", "sub", "mul")
"""Operations the generator knows."""
SPLITS: dict[str, frozenset[int]] = {
    "pretrain": frozenset(range(6)),
    "train": frozenset({6, 7}),
    "eval": frozenset({8, 9}),
}
"""Split -> buckets of ``blake2b(problem_key) % 10`` it owns (disjoint, covering 0-9)."""
ANY = "any"
"""Not a split: draw from every key. For a pretraining kind that shares no problem with the
world's skill by construction (other step counts), so that pretraining covers every arithmetic
fact the skill's chains use (a world's ``basic_splits``)."""
DEFAULT_PRETRAIN_MIX: dict[str, float] = {
    "en": 0.50, "zh": 0.08, "de": 0.08, "es": 0.08, "fr": 0.07,
    "ja": 0.06, "ru": 0.06, "th": 0.03, "sw": 0.02, "bn": 0.02,
}
"""English-heavy language shares of the sandbox pretraining corpus (sum 1), ordered roughly by
how well-resourced each language is in real pretraining data."""
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*"}
SOLUTION_STYLES: tuple[str, ...] = ("worded", "equations")
"""How solution steps are written (SandboxConfig.solution)."""
_MAX_DRAWS = 10_000  # rejection-sampling budget for one problem before giving up
_UNIQUE_TRIES = 50  # redraws to find an unused key before accepting a repeat
_REPEATS_WARNED: set[tuple[SandboxConfig, str, int]] = set()  # (cfg, split, n) warned about


@dataclass(frozen=True)
class SandboxConfig:
    """What kind of problems to draw."""

    seed: int = 0
    """Seeds every random choice (with the split name)."""
    min_steps: int = 1
    """Fewest arithmetic operations per problem."""
    max_steps: int = 2
    """Most arithmetic operations per problem."""
    max_value: int = 15
    """Start value and add/sub operands are drawn from [1, max_value]."""
    ops: tuple[str, ...] = OPS
    """Allowed operations, a subset of OPS."""
    max_result: int = 60
    """Every intermediate and final result lies in [0, max_result] (0 only as the final one)."""
    max_factor: int = 4
    """Multipliers are drawn from [2, min(max_factor, max_value)]: a small times table keeps
    the problems learnable for the tiny sandbox model."""
    max_start: int | None = None
    """Start values are drawn from [1, max_start]; None = max_value. One-step problems with
    starts up to max_result carry every arithmetic fact that longer chains need."""
    step_weights: tuple[float, ...] | None = None
    """Relative frequency of each step count min_steps..max_steps; None = uniform."""
    solution: str = "worded"
    """How solution steps are written: 'worded' ("Wir addieren 4: 7 + 4 = 11.", the words in
    the question's language) or 'equations' ("7 + 4 = 11.": the steps in the notation every
    language shares; the last line stays in the question's language)."""

    def __post_init__(self) -> None:
        if isinstance(self.ops, str) or not isinstance(self.ops, Sequence):
            raise XlingError(f"ops must be a tuple of operation names, got {self.ops!r}")
        object.__setattr__(self, "ops", tuple(self.ops))
        for name in ("seed", "min_steps", "max_steps", "max_value", "max_result", "max_factor"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise XlingError(f"SandboxConfig.{name} must be an integer, got {value!r}")
        if not 1 <= self.min_steps <= self.max_steps <= 8:
            raise XlingError(
                f"need 1 <= min_steps <= max_steps <= 8, got {self.min_steps}, {self.max_steps}"
            )
        if not 1 <= self.max_value <= self.max_result <= 10_000:
            raise XlingError(
                f"need 1 <= max_value <= max_result <= 10000, got {self.max_value}, "
                f"{self.max_result}"
            )
        unknown = [op for op in self.ops if op not in OPS]
        if not self.ops or unknown or len(set(self.ops)) != len(self.ops):
            raise XlingError(
                f"ops must be distinct names from {', '.join(OPS)}; got {self.ops!r}"
            )
        if self.solution not in SOLUTION_STYLES:
            raise XlingError(f"solution must be one of {', '.join(SOLUTION_STYLES)}, "
                             f"got {self.solution!r}")
        if self.step_weights is not None:
            if isinstance(self.step_weights, str) or not isinstance(self.step_weights, Sequence):
                raise XlingError(f"step_weights must be a list of numbers, got {self.step_weights!r}")
            object.__setattr__(self, "step_weights", tuple(self.step_weights))
            weights = self.step_weights
            if (len(weights) != self.max_steps - self.min_steps + 1
                    or any(not isinstance(w, int | float) or isinstance(w, bool) or w < 0
                           for w in weights) or not sum(weights) > 0):
                raise XlingError(f"step_weights needs {self.max_steps - self.min_steps + 1} "
                                 f"non-negative numbers (steps {self.min_steps}..{self.max_steps}) "
                                 f"with a positive sum, got {weights!r}")
        if self.max_start is not None and not (
                isinstance(self.max_start, int) and 1 <= self.max_start <= self.max_result):
            raise XlingError(f"need 1 <= max_start <= max_result, got {self.max_start!r}")
        if "mul" in self.ops and min(self.max_value, self.max_factor) < 2:
            raise XlingError("ops with 'mul' need max_value >= 2 and max_factor >= 2 "
                             "(multipliers start at 2)")


BASIC_PROBLEMS: dict[str, object] = {"min_steps": 1, "max_steps": 1, "max_value": 10,
                                     "max_result": 30, "max_start": 30, "solution": "equations"}
"""The default world's pretraining problems (SandboxConfig overrides): one step, every start
value up to max_result, so the base learns every arithmetic fact a chain of steps needs (about
520 facts: with starts and results up to 60 the base got only 70-80% of one-step problems right,
too few for chains to come out right)."""
SKILL_PROBLEMS: dict[str, object] = {"min_steps": 2, "max_steps": 2, "max_value": 10,
                                     "max_result": 30, "solution": "equations"}
"""The default world's skill (SandboxConfig overrides): chaining two steps, the second starting
from the first's result, which the base never saw; the sandbox pool and benchmark draw these."""
BASIC = SandboxConfig(**BASIC_PROBLEMS)  # type: ignore[arg-type]
SKILL = SandboxConfig(**SKILL_PROBLEMS)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Problem:
    ops: tuple[str, ...]
    operands: tuple[int, ...]  # start value, then one operand per op
    story: int

    @property
    def key(self) -> str:
        return problem_key(self.ops, self.operands)


def problem_key(ops: Sequence[str], operands: Sequence[int]) -> str:
    """Canonical key of a problem's arithmetic (template-free), e.g. ``"3|add:4|sub:2"``.

    >>> problem_key(["add", "sub"], [3, 4, 2])
    '3|add:4|sub:2'
    """
    if len(operands) != len(ops) + 1:
        raise XlingError(f"need len(operands) == len(ops) + 1, got {operands!r}, {ops!r}")
    steps = (f"{op}:{b}" for op, b in zip(ops, operands[1:], strict=True))
    return "|".join([str(operands[0]), *steps])


def split_of(key: str) -> str:
    """The one split that owns a problem key (see the module docstring)."""
    bucket = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % 10
    return next(split for split, buckets in SPLITS.items() if bucket in buckets)


def evaluate(ops: Sequence[str], operands: Sequence[int]) -> list[int]:
    """Values after each step, left to right: ``evaluate(["add", "mul"], [3, 4, 2]) == [7, 14]``.

    >>> evaluate(["add", "mul"], [3, 4, 2])
    [7, 14]
    """
    x, out = operands[0], []
    for op, b in zip(ops, operands[1:], strict=True):
        x = x + b if op == "add" else x - b if op == "sub" else x * b
        out.append(x)
    return out


def _draw_once(rng: random.Random, cfg: SandboxConfig) -> _Problem | None:
    """One attempt: None when the chain runs out of feasible operations."""
    if cfg.step_weights is None:
        n_steps = rng.randint(cfg.min_steps, cfg.max_steps)
    else:
        n_steps = rng.choices(range(cfg.min_steps, cfg.max_steps + 1), cfg.step_weights)[0]
    story = rng.randrange(N_STORIES)
    x = rng.randint(1, cfg.max_value if cfg.max_start is None else cfg.max_start)
    ops, operands = [], [x]
    for i in range(n_steps):
        last = i == n_steps - 1
        feasible = [
            op for op in cfg.ops
            if (op == "add" and x + 1 <= cfg.max_result)
            or (op == "sub" and x >= (1 if last else 2))
            or (op == "mul" and 1 <= x <= cfg.max_result // 2)
        ]
        if not feasible:
            return None
        op = rng.choice(feasible)
        if op == "add":
            b = rng.randint(1, min(cfg.max_value, cfg.max_result - x))
            x += b
        elif op == "sub":
            b = rng.randint(1, min(cfg.max_value, x if last else x - 1))
            x -= b
        else:
            b = rng.randint(2, min(cfg.max_value, cfg.max_factor, cfg.max_result // x))
            x *= b
        ops.append(op)
        operands.append(b)
    return _Problem(tuple(ops), tuple(operands), story)


def _draw(rng: random.Random, cfg: SandboxConfig, split: str) -> _Problem:
    """Rejection-sample a problem whose key belongs to ``split`` (any key for ``ANY``)."""
    for _ in range(_MAX_DRAWS):
        problem = _draw_once(rng, cfg)
        if problem is not None and (split == ANY or split_of(problem.key) == split):
            return problem
    raise XlingError(f"could not draw a {split!r} problem with {cfg}; loosen the config")


def _render(problem: _Problem, lang: str, solution: str = "worded") -> tuple[str, str]:
    """(question, solution) of one problem in one language, steps written as ``solution``."""
    text, story = LANG_TEXTS[lang], STORIES[lang][problem.story]
    forms = story.get("noun", ())

    def noun(n: int, accusative: bool = False) -> str:
        if not forms:
            return ""
        form = text.plural(n, forms[:3] if len(forms) > 2 else forms)
        return forms[3] if accusative and len(forms) > 3 and form == forms[0] else form

    a = problem.operands[0]
    names = {"N": story["N"], "Ng": story.get("Ng", story["N"])}
    intro = story["intro"].format(a=a, An=noun(a), **names)
    sentences, lines, x = [intro], [intro], a
    for i, (op, b) in enumerate(zip(problem.ops, problem.operands[1:], strict=True)):
        y = evaluate([op], [x, b])[0]
        connector = text.connectors[min(i, len(text.connectors) - 1)]
        times = text.plural(b, text.times) if text.times else ""
        sentences.append(story[op].format(C=connector, b=b, Bn=noun(b, True), Tb=times, **names))
        line = text.steps[op].format(x=x, b=b, y=y)
        # 'equations': the line from its equation on, punctuation kept ("7 + 4 = 11." / "…。").
        equation = f"{x} {_SYMBOLS[op]} {b} = {y}"
        lines.append(line if solution == "worded" else line[line.index(equation):])
        x = y
    sentences.append(story["question"].format(**names))
    lines.append(text.answer.format(y=x))
    return text.joiner.join(sentences), text.joiner.join(lines)


def _check_split(split: str) -> None:
    if split not in SPLITS and split != ANY:
        raise XlingError(f"unknown sandbox split {split!r}; known: {', '.join(SPLITS)}, {ANY}")


def _check_langs(langs: Sequence[str] | str) -> list[str]:
    codes = parse_langs(langs)
    missing = [lang for lang in codes if lang not in STORIES]
    if missing:
        raise XlingError(
            f"the sandbox has no templates for {', '.join(missing)}; has: {', '.join(STORIES)} "
            "(a language of the sandbox is one LANG_TEXTS entry and its STORIES in "
            "data/sandbox_templates.py)"
        )
    return codes


def generate_problems(
    n: int, cfg: SandboxConfig, split: str = "train", langs: Sequence[str] = STUDY_LANGS
) -> list[Example]:
    """Draw ``n`` problems from ``split`` and render each in every language of ``langs``.

    Returns ``n * len(langs)`` Examples, problem-major (all languages of problem 0, then 1, ...),
    with ``id = f"sandbox-{split}-{i}-{lang}"``, ``parallel_id = f"sandbox-{split}-{i}"`` and
    ``meta = {"ops": [...], "operands": [start, *operands], "template": k, "key": ...}``.

    >>> ex = generate_problems(1, SandboxConfig(seed=1), "eval", langs=["en", "de"])
    >>> [e.id for e in ex], ex[0].answer == ex[1].answer
    (['sandbox-eval-0-en', 'sandbox-eval-0-de'], True)
    """
    if not isinstance(n, int) or n < 0:
        raise XlingError(f"n must be a non-negative integer, got {n!r}")
    _check_split(split)
    codes = _check_langs(langs)
    rng = random.Random(f"xling-sandbox:{cfg.seed}:{split}")
    seen: set[str] = set()
    examples: list[Example] = []
    repeats = 0
    for i in range(n):
        for _ in range(_UNIQUE_TRIES):
            problem = _draw(rng, cfg, split)
            if problem.key not in seen:
                break
        else:
            repeats += 1
        seen.add(problem.key)
        answer = str(evaluate(problem.ops, problem.operands)[-1])
        for lang in codes:
            question, solution = _render(problem, lang, cfg.solution)
            meta = {"ops": list(problem.ops), "operands": list(problem.operands),
                    "template": problem.story, "key": problem.key}
            examples.append(Example(
                id=f"sandbox-{split}-{i}-{lang}", parallel_id=f"sandbox-{split}-{i}", lang=lang,
                question=question, answer=answer, solution=solution, source="sandbox",
                meta=meta,
            ))
    if repeats:
        # Warn once per (config, split, n) per process: every rebuild of the same data (each
        # study cell, each rerun) would repeat it word for word; later ones go to INFO.
        first = (cfg, split, n) not in _REPEATS_WARNED
        _REPEATS_WARNED.add((cfg, split, n))
        log.log(logging.WARNING if first else logging.INFO,
                "sandbox %s split: %d of %d problems repeat an earlier one (config too small "
                "for unique problems)", split, repeats, n)
    return examples
