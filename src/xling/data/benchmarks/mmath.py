"""MMATH (Luo et al., 2025, arXiv 2505.19286): 374 competition problems x 10 languages.

Stage: data. Registers two benchmarks: ``mmath`` (all 374: AIME2024 30, AIME2025 15, CNMO 18,
MATH500 311) and ``mmath500`` (its 311 MATH500 rows, study A's "MMath500": the MATH-500 items
with an integer answer). parallel_id = ``<name>-<gid>`` (MMATH's global id, the same problem in
every language); ``meta = {"data_source", "data_source_id"}``; scored by scoring.math.
Source: a folder of MMATH ``<lang>.json`` arrays (default: the staged copy of RUCAIBox/MMATH @
8796b04, languages en zh es fr ja th; upstream also has ar ko pt vi, which xling does not
register). No hub copy of MMATH was found, so there is no hub id. Licence: **none declared**
upstream (the repo has no LICENSE; use for evaluation, do not redistribute). Version 1.
Answers: MATH500/AIME answers are integer strings (kept without zero padding); the 18 CNMO
answers are ``$..$`` LaTeX, unwrapped to the bare expression. Study A reports MMath500 in these
6 languages as accuracy, mean ± sd over 6 sampled runs (``xling eval --runs 6``).

This module also holds the gold-answer helpers the other math loaders share
(``int_answer``, ``latex_answer``).
Try:  xling eval --model ./tiny --benchmark mmath500 --langs en,th --limit 5
"""

from __future__ import annotations

import json
import logging
import re
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
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

SCORER = "math"
LANGS: tuple[str, ...] = ("en", "zh", "es", "fr", "ja", "th")
DATA_SOURCES: tuple[str, ...] = ("AIME2024", "AIME2025", "CNMO", "MATH500")
_FIELDS = ("question", "answer", "data_source", "data_source_id", "lang", "gid")
_INT = re.compile(r"[+-]?\d+")


# ---- gold answers (shared by the math loaders) ----------------------------------------------

def int_answer(raw: Any, where: str, lo: int | None = None, hi: int | None = None) -> str:
    """An integer gold as a canonical string: ``"025"`` -> ``"25"``, ``70`` -> ``"70"``.

    Args:
        raw: an int or a string of ASCII digits (optionally signed, spaces around).
        where: ``file:line`` / ``file row N`` for the error message.
        lo, hi: inclusive bounds (AIME answers are 0-999).

    Raises:
        XlingError: not an integer, or out of bounds (naming ``where`` and the field).

    >>> int_answer("025", "x"), int_answer(7, "x")
    ('25', '7')
    """
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise XlingError(f"{where}: field 'answer' must be an integer, got {type(raw).__name__} {raw!r}")
    text = str(raw).strip()
    if not _INT.fullmatch(text):
        raise XlingError(f"{where}: field 'answer' is not an integer: {raw!r}")
    value = int(text)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise XlingError(f"{where}: field 'answer' {value} is outside {lo}..{hi}")
    return str(value)


def _balanced_braces(text: str) -> bool:
    depth, i = 0, 0
    while i < len(text):
        if text[i] == "\\":  # \{ and \} are literal braces, not grouping
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth < 0:
            return False
        i += 1
    return depth == 0


def latex_answer(raw: str) -> tuple[str, bool]:
    """A LaTeX gold without its ``$..$`` / ``$$..$$`` wrapper, and whether it is malformed.

    Malformed = an unpaired ``$`` or unbalanced ``{}`` (``\\{``/``\\}`` excepted), e.g.
    PolyMath's ``$b \\geq $-\\frac{2}{3}$``. A malformed answer is returned stripped but
    otherwise unchanged; the caller flags the row rather than guess a repair.
    Answers with several ``$..$`` spans and prose between them stay as they are.

    >>> latex_answer("$\\\\frac{\\\\pi}{3}$")
    ('\\\\frac{\\\\pi}{3}', False)
    >>> latex_answer("$b \\\\geq $-\\\\frac{2}{3}$")[1]
    True
    """
    text = str(raw).strip()
    dollars = len(re.findall(r"(?<!\\)\$", text))
    malformed = dollars % 2 == 1 or not _balanced_braces(text)
    for fence in ("$$", "$"):
        inner = text[len(fence):-len(fence)] if len(text) > 2 * len(fence) else ""
        if text.startswith(fence) and text.endswith(fence) and "$" not in inner.replace("\\$", ""):
            return inner.strip(), malformed
    return text, malformed


def math_answer(raw: Any, where: str) -> tuple[str, bool]:
    """Integer golds canonicalised (no zero padding), LaTeX golds unwrapped; (gold, malformed)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw), False
    if not isinstance(raw, str) or not raw.strip():
        raise XlingError(f"{where}: field 'answer' is empty or not a string: {raw!r}")
    if _INT.fullmatch(raw.strip()):
        return int_answer(raw, where), False
    gold, malformed = latex_answer(raw)
    if _INT.fullmatch(gold):
        return int_answer(gold, where), malformed
    return gold, malformed


# ---- MMATH -----------------------------------------------------------------------------------

def mmath_folder(source: str | None) -> Path:
    """The folder holding MMATH ``<lang>.json`` files: ``source``, else the staged ``mmath/``."""
    from xling.data.sources import resolve_source

    folder, hub = resolve_source(source, "mmath", None)
    if folder is None:
        raise XlingError(f"MMATH has no hub copy; {hub!r} is not a local folder. Pass the folder "
                         "holding MMATH's <lang>.json files (RUCAIBox/MMATH, mmath/)")
    if not folder.is_dir():
        raise XlingError(f"MMATH source {str(folder)!r} is not a folder of <lang>.json files")
    return folder


def read_mmath(folder: Path, lang: str) -> list[dict[str, Any]]:
    """The rows of ``<folder>/<lang>.json`` (a JSON array), validated, sorted by ``gid``.

    Raises:
        XlingError: missing file, invalid JSON, a non-object item, a missing field, a wrong
            ``lang``, an unknown ``data_source`` or a duplicate ``gid`` (file, item and field named).
    """
    path = folder / f"{lang}.json"
    if not path.is_file():
        have = sorted(p.stem for p in folder.glob("*.json"))
        raise XlingError(f"{path}: not found (the folder has: {', '.join(have) or 'no .json files'})")
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise XlingError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if not isinstance(items, list):
        raise XlingError(f"{path}: expected a JSON array of problems, got {type(items).__name__}")
    seen: set[int] = set()
    for i, item in enumerate(items):
        where = f"{path} item {i}"
        if not isinstance(item, dict):
            raise XlingError(f"{where}: expected an object, got {type(item).__name__}")
        missing = [k for k in _FIELDS if k not in item]
        if missing:
            raise XlingError(f"{where}: missing field(s) {', '.join(missing)}")
        if item["lang"] != lang:
            raise XlingError(f"{where}: field 'lang' is {item['lang']!r}, expected {lang!r}")
        if item["data_source"] not in DATA_SOURCES:
            raise XlingError(f"{where}: field 'data_source' {item['data_source']!r} is not one of "
                             f"{', '.join(DATA_SOURCES)}")
        if not isinstance(item["question"], str) or not item["question"].strip():
            raise XlingError(f"{where}: field 'question' is empty")
        if not isinstance(item["gid"], int) or item["gid"] in seen:
            raise XlingError(f"{where}: field 'gid' {item['gid']!r} is not a new integer id")
        seen.add(item["gid"])
    return sorted(items, key=lambda item: item["gid"])


def load_rows(
    langs: list[str], folder: Path, sources: tuple[str, ...], limit: int | None
) -> dict[str, list[dict[str, Any]]]:
    """lang -> the rows of ``sources`` (first ``limit`` by gid), checked to be the same gids in
    every language (MMATH is fully parallel; a folder that is not raises, naming the file)."""
    by_lang: dict[str, list[dict[str, Any]]] = {}
    reference: list[int] | None = None
    for lang in langs:
        rows = [r for r in read_mmath(folder, lang) if r["data_source"] in sources]
        gids = [r["gid"] for r in rows]
        if reference is None:
            reference = gids
        elif gids != reference:
            raise XlingError(f"{folder / f'{lang}.json'}: its {'/'.join(sources)} gids differ from "
                             f"{langs[0]}.json; MMATH files must be parallel")
        by_lang[lang] = rows[:limit]
    return by_lang


def _loader(name: str, sources: tuple[str, ...]):
    def load(langs: list[str], source: str | None = None, limit: int | None = None) -> list[Example]:
        """Load ``langs`` (all in ``LANGS``); ``source`` = a folder of MMATH ``<lang>.json``
        files or None (staged copy); ``limit`` = first N problems (by gid) per language."""
        check_langs(name, langs, LANGS)
        folder = mmath_folder(source)
        examples: list[Example] = []
        for lang, rows in load_rows(langs, folder, sources, limit).items():
            for row in rows:
                where = f"{folder / f'{lang}.json'} gid {row['gid']}"
                gold, malformed = math_answer(row["answer"], where)
                meta: dict[str, Any] = {"data_source": row["data_source"],
                                        "data_source_id": row["data_source_id"]}
                if malformed:
                    log.warning("%s: malformed LaTeX answer %r kept, flagged", where, row["answer"])
                    meta["flag"] = "malformed-answer"
                examples.append(Example(
                    id=f"{name}-{lang}-{row['gid']}", parallel_id=f"{name}-{row['gid']}",
                    lang=lang, question=row["question"], answer=gold, source=name,
                    meta=meta,
                ))
        return examples

    load.__name__ = f"load_{name}"
    return load


load_mmath = _loader("mmath", DATA_SOURCES)
load_mmath500 = _loader("mmath500", ("MATH500",))

_SOURCES = (Source("staged mmath/ (RUCAIBox/MMATH @ 8796b04; no hub copy)", LANGS),
            Source("a folder of MMATH <lang>.json arrays", LANGS, "upstream also has ar ko pt vi"))
_AUTHORS = {AUTHORS: Protocol(
    prompt=authors.mmath, scorer="math-lenient",
    describe="MMATH's own template per language: the question, then its step-by-step boxed "
             "instruction; chat template with enable_thinking=True (" + authors.source_of("mmath")
             + ")",
    extraction="the last \\boxed{} of the whole output (thinking included), else English "
               "'answer' prefixes, else the last number; Math-Verify 0.7.0",
    differences="xling scores the part after a closed thinking block (--think off scores the "
                "whole output as MMATH does); phrases of the question's language as well as "
                "English; Math-Verify 0.9.0 behind a per-language number reader; MMATH samples "
                "n=4 at T=0.6, top-p 0.95 (pass --n 4 --temperature 0.6 --top-p 0.95)")}

MMATH500 = Benchmark(
    name="mmath500", load=load_mmath500, scorer=SCORER, langs=LANGS,
    headline=Headline("runs", runs=6, name="accuracy, mean ± sd over 6 runs (study A)"),
    doc="MMATH's 311 MATH500 problems (integer answers) in en zh es fr ja th.",
    sources=_SOURCES, protocols=_AUTHORS,
)
MMATH = Benchmark(
    name="mmath", load=load_mmath, scorer=SCORER, langs=LANGS,
    doc="MMATH, all 374 problems (AIME2024, AIME2025 I, CNMO, MATH500) in en zh es fr ja th.",
    sources=_SOURCES, protocols=_AUTHORS,
)
