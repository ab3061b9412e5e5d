"""Training pools and the three language designs of the reference studies.

Stage: data. A pool is a list of ``Example``s with ``lang`` and ``parallel_id`` (translations of
one problem share it). ``load_pool`` reads a named pool (``POOLS``) or a jsonl file;
``select`` picks training examples by design:

- ``single``: one language (study A's RL(de), SFT(zh), ...);
- ``mixed``: each problem once, its language drawn per problem (study A's 3-language mix);
- ``parallel``: the same problems in each of N languages (study B's parallel scaling).

Sources go through ``data.resolve_source``: ``gsm8k`` (and ``mgsm8k``'s English side and gold
answers) is the staged GSM8K ``train.jsonl``, else the hub's ``openai/gsm8k`` (logged); the
MGSM8KInstruct questions have no hub copy in this layout, so a missing staged folder is an error.

Malformed data is an error naming ``file:line`` (1-based), never a silent skip and never a
training row with an empty question or gold: invalid UTF-8 or JSON, an empty question or gold,
and, for GSM8K-based pools, a gold that is not a number; translation files whose line counts
differ. The one counted skip is mgsm8k's known quirk: lines left untranslated (target ==
English) or whose English does not match a GSM8K question are dropped, and the count is logged.

Try:  xling train grpo --model ./tiny --pool sandbox --langs de --design single --n 64

>>> pool = [Example(f"{l}-{i}", str(i), l, "q", "1") for i in range(4) for l in ("en", "de")]
>>> [e.lang for e in select(pool, ["de"], "single")]
['de', 'de', 'de', 'de']
>>> len(select(pool, ["en", "de"], "parallel", n=2))
4
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from xling.languages import parse_langs
from xling.registry import is_dotted, resolve
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

Design = Literal["single", "mixed", "parallel"]
DESIGNS: tuple[str, ...] = ("single", "mixed", "parallel")
MGSM8K_LANGS: tuple[str, ...] = ("de", "es", "fr", "ja", "ru", "sw", "zh")
"""Languages of the staged MGSM8KInstruct question files (plus en, the GSM8K original)."""


def load_jsonl_pool(path: str | Path, langs: list[str]) -> list[Example]:
    """A jsonl pool: ``{"id", "lang", "question", "answer"}`` rows, optional ``solution`` and
    ``parallel_id`` (default: ``id``). Only rows in ``langs`` are kept.

    Raises:
        XlingError: malformed row (with file:line: invalid JSON or UTF-8, a missing key, an
            empty question or answer) or a requested language missing.
    """
    from xling.data.io import check_text, read_jsonl_numbered

    pool = []
    for line, r in read_jsonl_numbered(path, required=("id", "lang", "question", "answer")):
        where = f"{path}:{line}"
        check_text(r["question"], "question", where)  # the texts themselves are kept as they are
        check_text(r["answer"], "gold answer", where)
        pool.append(Example(
            id=str(r["id"]), parallel_id=str(r.get("parallel_id", r["id"])), lang=str(r["lang"]),
            question=str(r["question"]), answer=str(r["answer"]), solution=r.get("solution"),
            source=Path(path).stem,
        ))
    return _keep_langs(pool, langs, str(path))


def load_gsm8k(langs: list[str]) -> list[Example]:
    """GSM8K train (English): 7,473 problems with boxed step-by-step solutions."""
    _check_available(langs, ("en",), "gsm8k")
    return _gsm8k_train()


def load_mgsm8k(langs: list[str]) -> list[Example]:
    """GSM8K train questions in en + 7 MGSM8KInstruct translations, gold joined from GSM8K.

    Line *i* of ``<lang>-en/train.<lang>`` translates line *i* of ``train.en``; the gold answer is
    joined by (whitespace-normalised) English question text. Lines left untranslated (target ==
    English) are dropped. Only English rows carry a solution (there are no translated ones).
    parallel_id = the GSM8K train index, so the languages are parallel.
    """
    from xling.data.io import check_text, read_text
    from xling.data.sources import resolve_source

    _check_available(langs, ("en", *MGSM8K_LANGS), "mgsm8k")
    english = _gsm8k_train()
    by_question = {_norm(e.question): e for e in english}
    pool = [e for e in english if "en" in langs]
    if langs == ["en"]:
        return pool
    folder, _ = resolve_source(None, "mgsm8kinstruct-questions", None)
    assert folder is not None  # no hub id: resolve_source raises when nothing is staged
    for lang in langs:
        if lang == "en":
            continue
        src_path = folder / f"{lang}-en" / "train.en"
        tgt_path = folder / f"{lang}-en" / f"train.{lang}"
        src, tgt = _lines(read_text(src_path)), _lines(read_text(tgt_path))
        if len(src) != len(tgt):
            raise XlingError(f"{tgt_path}: {len(tgt)} lines, but {src_path} has {len(src)}; "
                             "line i must translate line i")
        dropped = 0
        for line, (en_q, q) in enumerate(zip(src, tgt, strict=True), start=1):
            check_text(en_q, "question", f"{src_path}:{line}")
            check_text(q, "question", f"{tgt_path}:{line}")
            gold = by_question.get(_norm(en_q))
            if gold is None or _norm(q) == _norm(en_q):
                dropped += 1
                continue
            pool.append(Example(
                id=f"mgsm8k-{lang}-{gold.parallel_id}", parallel_id=gold.parallel_id, lang=lang,
                question=q.strip(), answer=gold.answer, source="mgsm8k",
            ))
        log.info("mgsm8k %s: dropped %d untranslated or unmatched lines", lang, dropped)
    return pool


def load_sandbox(langs: list[str], n: int = 2000, config=None) -> list[Example]:
    """The sandbox world's post-training problems: ``n`` problems of its skill (``config``, a
    ``data.sandbox_world.SandboxConfig``; None = the default world's ``SKILL``) from the ``train``
    split, parallel across all languages by construction."""
    from xling.data.sandbox_world import SKILL, generate_problems

    return generate_problems(n, config or SKILL, "train", langs)


def load_sandbox_basic(langs: list[str], n: int = 2000, config=None) -> list[Example]:
    """Problems of the kind the sandbox base was pretrained on (``config``; None = the default
    world's ``BASIC``), ``train`` split: post-training data that carries no new skill (the
    negative control of ``studies/sandbox_controls.yaml``)."""
    from xling.data.sandbox_world import BASIC, generate_problems

    return generate_problems(n, config or BASIC, "train", langs)


PoolLoader = Callable[[list[str]], list[Example]]
"""What ``POOLS`` resolves to: ``load(langs) -> list[Example]``, only the languages asked for
(an error naming a language the pool lacks); an item scored by another kind than math carries
it in ``meta["scorer"]`` (a kind of ``scoring.SCORERS`` or a dotted path). A sandbox pool's
loader (``SANDBOX_POOLS``) also takes ``config=``, the world it draws from."""

POOLS: dict[str, str] = {
    "gsm8k": "xling.data.pools:load_gsm8k",
    "mgsm8k": "xling.data.pools:load_mgsm8k",
    "sandbox": "xling.data.pools:load_sandbox",
    "sandbox-basic": "xling.data.pools:load_sandbox_basic",
}
"""Pool name -> ``"module:loader"`` (a ``PoolLoader``). ``load_pool`` also reads a jsonl file, a
card, or a dotted path ``"my_pkg.module:load"`` to a user's own loader."""
SANDBOX_POOLS: tuple[str, ...] = ("sandbox", "sandbox-basic")
"""Pools drawn from a sandbox world: their loaders take the world's problem ``config``."""


def get_pool(name: str) -> PoolLoader:
    """The loader registered as ``name`` (a key of ``POOLS`` or a dotted path).

    Raises:
        XlingError: unknown name, or a dotted path that does not import or is not callable.
    """
    return resolve(POOLS, name, "pool", expect=Callable)


def load_pool(name_or_path: str | Path, langs: list[str] | str, *, sandbox=None) -> list[Example]:
    """Load a named pool (``POOLS``), a jsonl file, a benchmark card (a ``card.yaml``, or a
    folder holding one, such as ``xling translate``'s output), or a user's loader named by a
    dotted path, restricted to ``langs``.

    ``sandbox``: the ``SandboxConfig`` a sandbox pool (``SANDBOX_POOLS``) draws from — a study
    passes its base recipe's (``SandboxRecipe.pool_config``); None = the default world's.

    Raises:
        XlingError: unknown pool name (not a file either), or a language the pool lacks.
    """
    langs = parse_langs(langs)
    name = str(name_or_path)
    if name in POOLS:
        if name in SANDBOX_POOLS:
            return get_pool(name)(langs, config=sandbox)
        return get_pool(name)(langs)
    path = Path(name_or_path)
    from xling.data.benchmarks.card import card_benchmark, find_card

    card_path = find_card(path)
    if card_path is not None and card_path.is_file():
        path = card_path
        card = card_benchmark(path)
        _check_available(langs, card.langs, str(path))
        examples = card.load(langs)
        if card.scorer != "math":  # the scorer kind travels with the pool (RL rewards score it)
            examples = [dataclasses.replace(e, meta={**e.meta, "scorer": card.scorer})
                        for e in examples]
        return examples
    if path.is_file():
        return load_jsonl_pool(path, langs)
    if is_dotted(name):
        return get_pool(name)(langs)
    raise XlingError(
        f"unknown pool {name!r}; known: {', '.join(POOLS)} (or a path to a .jsonl file, a "
        "card.yaml, a folder holding one, or a dotted path 'my_pkg.module:load')"
    )


def select(
    examples: list[Example], langs: list[str], design: Design = "single",
    n: int | None = None, seed: int = 0,
) -> list[Example]:
    """Pick training examples by language design (seeded).

    Args:
        examples: the pool (any languages).
        langs: the training languages; ``single`` needs exactly one.
        design: ``single`` | ``mixed`` | ``parallel`` (see the module docstring).
        n: number of *problems* (parallel_ids) to use; None = every problem available in all
            ``langs``. ``parallel`` returns ``n * len(langs)`` examples, the others ``n``.
        seed: seeds the problem sample and the per-problem language draw.

    Raises:
        XlingError: unknown design, wrong number of languages, a language the pool lacks, or
            ``n`` larger than the number of shared problems.
    """
    if design not in DESIGNS:
        raise XlingError(f"unknown design {design!r}; known: {', '.join(DESIGNS)}")
    langs = parse_langs(langs)
    if design == "single" and len(langs) != 1:
        raise XlingError(f"design 'single' takes one language, got {', '.join(langs)}")
    _check_available(langs, sorted({e.lang for e in examples}), "the pool")
    by_lang: dict[str, dict[str, Example]] = {lang: {} for lang in langs}
    for e in examples:
        if e.lang in by_lang:
            by_lang[e.lang].setdefault(e.parallel_id, e)
    # Problems present in every requested language, in pool order (so mixed/parallel are fair).
    ids = [pid for pid in by_lang[langs[0]] if all(pid in by_lang[lang] for lang in langs)]
    rng = random.Random(seed)
    if n is not None:
        if n < 1 or n > len(ids):
            raise XlingError(f"n={n} problems asked; {len(ids)} available in {', '.join(langs)}")
        ids = sorted(rng.sample(ids, n), key=ids.index)
    if design == "parallel":
        return [by_lang[lang][pid] for pid in ids for lang in langs]
    if design == "mixed":
        return [by_lang[rng.choice(langs)][pid] for pid in ids]
    return [by_lang[langs[0]][pid] for pid in ids]


def _keep_langs(pool: list[Example], langs: list[str], name: str) -> list[Example]:
    _check_available(langs, sorted({e.lang for e in pool}), name)
    return [e for e in pool if e.lang in langs]


def _check_available(langs: list[str], available, name: str) -> None:
    missing = [lang for lang in langs if lang not in available]
    if missing:
        raise XlingError(
            f"{name} has no {', '.join(missing)} examples; it has: {', '.join(available) or 'none'}"
        )


def _gsm8k_train() -> list[Example]:
    """GSM8K train through ``data.resolve_source``: the staged copy, else the hub (logged)."""
    from xling.data.benchmarks.gsm8k import load_split

    return load_split("train")


def _lines(text: str) -> list[str]:
    """Lines split on newlines only (line i of the file is element i - 1), no final empty one."""
    lines = text.replace("\r\n", "\n").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _norm(text: str) -> str:
    return " ".join(text.split())


SOLUTION_FORMATS: tuple[str, ...] = ("plain", "think")
"""How training solutions are written: as they are, or as a reasoning model writes them."""


def with_thinking(example: Example) -> Example:
    r"""The example with its solution in a reasoning model's format: the steps inside
    ``<think>...</think>``, then the final sentence (the one holding the ``\boxed{}``).

    The sandbox stand-in for a long chain-of-thought model (study B's observational stage): a
    model trained on these writes a thinking block and an answer part, both measured apart.

    >>> e = Example("x", "x", "en", "q", "4", solution="Add 2: 2 + 2 = 4. The answer is \\boxed{4}")
    >>> with_thinking(e).solution
    '<think>Add 2: 2 + 2 = 4.</think> The answer is \\boxed{4}'
    """
    solution = example.solution or ""
    box = solution.rfind("\\boxed")
    if box < 0:
        raise XlingError(f"{example.id}: a solution without \\boxed{{}} has no answer part")
    cut = max(solution.rfind(mark, 0, box) for mark in (". ", "\n", "。", "। ", "! ", "? "))
    steps, final = (solution[:cut + 1].strip(), solution[cut + 1:].strip()) if cut >= 0 else ("", solution)
    return dataclasses.replace(example, solution=f"<think>{steps}</think> {final}")
