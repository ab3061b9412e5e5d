"""MATH-500, AIME 2024 and AIME 2025: English originals, other languages from translated files.

Stage: data. Registers ``math500`` (Lightman et al., 2023, arXiv 2305.20050: 500 MATH test
problems, LaTeX answers), ``aime2024`` and ``aime2025`` (AIME I+II, 30 problems each, integer
answers 0-999); study B evaluates them in 11 languages after translating them (its sets were never
published). Scored by scoring.math; study B reports accuracy and pass@k.

Sources. English always comes from the staged originals (inclusionAI/AReaL @ f55fe68,
Apache-2.0; MATH is MIT; AIME problems are MAA's): ``math500-en/``, ``aime2024-en/``,
``aime2025-en/`` (``test.jsonl``). ``source=DIR`` adds other languages: ``DIR/<lang>.jsonl`` in
the translated layout ``{"id": <English item id>, "question": str, "answer": str, ...}`` (what
``xling`` translation writes, next to ``DIR/card.yaml``); ``DIR/en.jsonl``, if present, replaces
the English questions. A DIR holding ``test.jsonl`` is read as the English original instead of the
staged one. The "English item id" may be the item key (``algebra/1`` for MATH-500, ``2024-I-1`` for
AIME), the source's own id (MATH-500 ``test/algebra/1.json``, AIME 2024 ``60``..``89``, AIME 2025
``"0"``..``"29"``),
or the English Example's ``id`` / ``parallel_id``. Items are aligned by it, so parallel_id is
shared with the English item; a translated file may lack items (logged), never add unknown ones.

Quirks handled (MANIFEST.md): AIME 2024 answers are zero-padded strings (``"025"`` -> ``"25"``) and
its rows are sorted by URL, so the problem number is read from ``url`` and items are put in
contest order (I/1..I/15, II/1..II/15); AIME 2025 answers are ints and ids strings, and 3 rows
(ids 18, 19, 27) lost a backslash (``\\f`` became a form feed, ``\\t`` a TAB): repaired by
putting the backslash back, recorded as ``meta["repaired"] = True``.
Try:  xling eval --model ./tiny --benchmark math500 --langs en --limit 5
      xling eval --model ./tiny --benchmark aime2024 --source runs/translate/aime2024 --langs en,de
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xling.data.benchmarks import Benchmark, Source
from xling.data.benchmarks.mmath import int_answer, math_answer
from xling.data.io import read_jsonl
from xling.languages import get_language
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

SCORER = "math"
LANGS: tuple[str, ...] = ("en",)
"""Without a translated source; with ``source=DIR`` also every ``DIR/<lang>.jsonl``."""
_AIME_URL = re.compile(r"(\d{4})_AIME_(I{1,2})_Problems/Problem_(\d+)")
_BROKEN_TAB = re.compile(r"\t(?=[A-Za-z])")


def _english_math500(path: Path) -> list[tuple[Example, list[str]]]:
    items = []
    for i, row in enumerate(read_jsonl(path, required=("problem", "answer", "unique_id")), 1):
        unique_id = str(row["unique_id"])  # test/precalculus/807.json -> precalculus/807
        key = unique_id.removeprefix("test/").removesuffix(".json")
        gold, malformed = math_answer(row["answer"], f"{path}:{i}")
        meta = {"subject": row.get("subject"), "level": row.get("level"), "source_id": unique_id}
        if malformed:
            meta["flag"] = "malformed-answer"
        items.append((Example(
            id=f"math500-en-{key}", parallel_id=f"math500-{key}", lang="en",
            question=row["problem"], answer=gold, solution=row.get("solution"), source="math500",
            meta=meta,
        ), [key, unique_id]))
    return items


def _english_aime2024(path: Path) -> list[tuple[Example, list[str]]]:
    items = []
    for i, row in enumerate(read_jsonl(path, required=("id", "problem", "answer", "url")), 1):
        match = _AIME_URL.search(str(row["url"]))
        if match is None:
            raise XlingError(f"{path}:{i}: field 'url' {row['url']!r} names no AIME problem")
        year, contest, number = match.group(1), match.group(2), int(match.group(3))
        key = f"{year}-{contest}-{number}"
        items.append(((contest, number), Example(
            id=f"aime2024-en-{key}", parallel_id=f"aime2024-{key}", lang="en",
            question=row["problem"], answer=int_answer(row["answer"], f"{path}:{i}", 0, 999),
            solution=row.get("solution"), source="aime2024",
            meta={"contest": f"{year}-{contest}", "problem": number, "source_id": row["id"]},
        ), [key, str(row["id"])]))
    items.sort(key=lambda t: t[0])  # the file is sorted by URL (I/1, I/10, ...): contest order
    return [(ex, aliases) for _, ex, aliases in items]


def repair_latex(text: str) -> str:
    """Put back backslashes that JSON decoding turned into control characters:
    form feed -> ``\\f`` (``\\frac``), TAB before a letter -> ``\\t`` (``\\triangle``).

    >>> repair_latex("\\x0crac{1}{2} and \\triangle")
    '\\\\frac{1}{2} and \\\\triangle'
    """
    return _BROKEN_TAB.sub(r"\\t", text.replace("\f", "\\f"))


def _english_aime2025(path: Path) -> list[tuple[Example, list[str]]]:
    rows = read_jsonl(path, required=("id", "problem", "answer"))
    items = []
    for i, row in enumerate(rows, 1):
        source_id = str(row["id"])
        if not source_id.isdigit() or not 0 <= int(source_id) < len(rows):
            raise XlingError(f"{path}:{i}: field 'id' {row['id']!r} is not 0..{len(rows) - 1}")
        half = len(rows) // 2  # rows 0-14 are AIME I, 15-29 AIME II
        contest, number = ("I", int(source_id) + 1) if int(source_id) < half else ("II", int(source_id) - half + 1)
        key = f"2025-{contest}-{number}"
        question = repair_latex(row["problem"])
        meta: dict[str, Any] = {"contest": f"2025-{contest}", "problem": number, "source_id": source_id}
        if question != row["problem"]:
            meta["repaired"] = True
        items.append((Example(
            id=f"aime2025-en-{key}", parallel_id=f"aime2025-{key}", lang="en", question=question,
            answer=int_answer(row["answer"], f"{path}:{i}", 0, 999), source="aime2025", meta=meta,
        ), [key, source_id]))
    repaired = [ex.meta["source_id"] for ex, _ in items if ex.meta.get("repaired")]
    if repaired:
        log.info("aime2025: repaired LaTeX control characters in %d row(s): ids %s",
                 len(repaired), ", ".join(repaired))
    return items


def _translated(path: Path, lang: str, name: str, english: dict[str, Example],
                aliases: dict[str, str]) -> dict[str, Example]:
    """parallel_id -> Example for one ``<lang>.jsonl`` in the translated layout."""
    out: dict[str, Example] = {}
    differs = 0
    for i, row in enumerate(read_jsonl(path, required=("id", "question", "answer")), 1):
        where = f"{path}:{i}"
        pid = aliases.get(str(row["id"]))
        if pid is None:
            raise XlingError(f"{where}: field 'id' {row['id']!r} is not an English {name} item id")
        if pid in out:
            raise XlingError(f"{where}: duplicate id {row['id']!r}")
        if not isinstance(row["question"], str) or not row["question"].strip():
            raise XlingError(f"{where}: field 'question' is empty")
        gold, malformed = math_answer(row["answer"], where)
        en = english[pid]
        differs += gold != en.answer
        meta = {**en.meta, **({"flag": "malformed-answer"} if malformed else {})}
        out[pid] = Example(id=f"{name}-{lang}-{pid.removeprefix(name + '-')}", parallel_id=pid,
                           lang=lang, question=row["question"], answer=gold, source=name, meta=meta)
    if differs:
        log.warning("%s: %d answer(s) differ from the English gold; the file's answers are used",
                    path, differs)
    return out


def _loader(name: str, staged: str, read_english: Callable[[Path], list[tuple[Example, list[str]]]]):
    def load(langs: list[str], source: str | None = None, limit: int | None = None) -> list[Example]:
        """Load ``langs``: ``en`` from the staged original, others from ``source/<lang>.jsonl``.

        Args:
            source: a folder with ``<lang>.jsonl`` files in the translated layout (and/or
                ``test.jsonl``, the English original), or None (English only).
            limit: keep the first N English items (contest / file order); every language gets
                those of them it has.

        Raises:
            XlingError: a language with no file (naming the folder and what it has), a malformed
                row, an unknown or duplicate id (file:line and field named).
        """
        from xling.data.sources import resolve_source

        for lang in langs:
            get_language(lang)
        folder: Path | None = None
        if source is not None:
            folder, hub = resolve_source(source, staged, None)
            if folder is None or not folder.is_dir():
                raise XlingError(f"{name}: source {source!r} is not a folder of <lang>.jsonl files "
                                 f"(there is no hub copy; English comes from the staged {staged}/)")
        have = sorted(p.stem for p in folder.glob("*.jsonl") if p.stem != "test") if folder else []
        for lang in langs:
            if lang != "en" and lang not in have:
                where = (f"{folder} has no {lang}.jsonl (it has: {', '.join(have) or 'none'})"
                         if folder else "without --source it has only en")
                raise XlingError(f"{name}: no language {lang!r}; {where}")
        if folder is not None and (folder / "test.jsonl").is_file():
            original = folder / "test.jsonl"
        else:
            staged_folder, _ = resolve_source(None, staged, None)
            assert staged_folder is not None  # resolve_source raises when nothing is staged
            original = staged_folder / "test.jsonl"
        english_items = read_english(original)
        english = {ex.parallel_id: ex for ex, _ in english_items}
        aliases: dict[str, str] = {}
        for ex, keys in english_items:
            for key in (*keys, ex.id, ex.parallel_id):
                aliases[key] = ex.parallel_id
        order = [ex.parallel_id for ex, _ in english_items][:limit]
        examples: list[Example] = []
        for lang in langs:
            if lang == "en" and not (folder is not None and (folder / "en.jsonl").is_file()):
                by_pid = english
            else:
                assert folder is not None
                by_pid = _translated(folder / f"{lang}.jsonl", lang, name, english, aliases)
            missing = [pid for pid in order if pid not in by_pid]
            if missing:
                log.warning("%s/%s: %d of %d items have no translation (e.g. %s)",
                            name, lang, len(missing), len(order), missing[0])
            examples += [by_pid[pid] for pid in order if pid in by_pid]
        return examples

    load.__name__ = f"load_{name}"
    return load


def langs_for(source: str | None) -> tuple[str, ...]:
    """English, plus each ``<lang>.jsonl`` of a translated folder ``source``."""
    if source is None or not Path(source).expanduser().is_dir():
        return LANGS
    have = {p.stem for p in Path(source).expanduser().glob("*.jsonl")} - {"test"}
    from xling.languages import LANGUAGES

    return ("en", *(lang for lang in LANGUAGES if lang in have and lang != "en"))


def _english(name: str, staged: str, read: Callable[[Path], list[tuple[Example, list[str]]]],
             doc: str) -> Benchmark:
    return Benchmark(
        name=name, load=_loader(name, staged, read), scorer=SCORER, langs=LANGS,
        langs_for=langs_for, doc=doc,
        sources=(Source(f"staged {staged}/ (inclusionAI/AReaL @ f55fe68)", LANGS),
                 Source("--source DIR: the English set plus translated <lang>.jsonl files",
                        LANGS, "any registered language `xling translate` wrote")),
    )


MATH500 = _english("math500", "math500-en", _english_math500,
                   "MATH-500 (English; other languages from translated <lang>.jsonl files).")
AIME2024 = _english("aime2024", "aime2024-en", _english_aime2024,
                    "AIME 2024 I+II (English; other languages from translated <lang>.jsonl files).")
AIME2025 = _english("aime2025", "aime2025-en", _english_aime2025,
                    "AIME 2025 I+II (English; other languages from translated <lang>.jsonl files).")
