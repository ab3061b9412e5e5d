"""mLogiQA (P-MMEval; Zhang et al., 2024, arXiv 2411.09116): 80 logical-reasoning questions x 10 languages.

Stage: data. Gives Examples with parallel_id = ``mlogiqa-<row index>`` (row i is the same item
in every language), question = the passage then the question, 4 ``choices`` and a letter
``answer``; scored by scoring.choice. xling registers the six study languages the set has
(en zh es fr ja th; it also has ar ko pt vi).
Sources:
- the hub dataset ``Qwen/P-MMEval``, file ``mlogiqa/test/<lang>.jsonl`` (rows ``context``,
  ``question``, ``option_1``..``option_4``, ``answer`` = the 0-based index of the right option;
  a letter is accepted too), or a local folder in that layout;
- the staged default ``mlogiqa/`` (joeyliang1024/BenchWeaver @ 09ae6c5, en and zh only):
  ``<lang>/mlogiqa.zip`` holding one parquet with ``question``, ``context``, ``A``..``D``,
  ``answer`` (letter). With no source, the staged copy is used when it has every requested
  language, else the hub for all of them (two repackagings are never mixed).
Licence: Apache-2.0 (P-MMEval); the BenchWeaver repo is CC0-1.0. Version 1.
Load-time check: every language has the same number of rows and row i the same gold letter.
Try:  xling eval --model ./tiny --benchmark mlogiqa --langs en,zh --limit 5
"""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path
from typing import Any

from xling.data.benchmarks import AUTHORS, Benchmark, Protocol, Source, authors, check_langs
from xling.data.io import read_jsonl
from xling.languages import CHOICE_LETTERS
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

SCORER = "choice"
LANGS: tuple[str, ...] = ("en", "zh", "es", "fr", "ja", "th")
HUB_ID = "Qwen/P-MMEval"
NAME = "mlogiqa"
LETTERS = CHOICE_LETTERS[:4]  # mLogiQA has four options

_Item = tuple[str, tuple[str, ...], str, dict[str, str]]
"""question (passage + question), choices, answer letter, {"context", "question"} apart."""


def _text(row: dict[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if value is None or not str(value).strip():
        raise XlingError(f"{where}: field {key!r} is missing or empty")
    return str(value).strip()


def parse_row(row: dict[str, Any], where: str) -> _Item:
    """One row, in the hub layout (``option_1..4``, index answer) or the staged one (``A..D``).

    Raises:
        XlingError: a missing or empty field, or an answer that is not 0-3 / A-D (naming ``where``).
    """
    keys = [f"option_{k}" for k in range(1, 5)] if "option_1" in row or "A" not in row else list(LETTERS)
    choices = tuple(_text(row, key, where) for key in keys)
    raw = row.get("answer")
    text = str(raw).strip().upper() if raw is not None and not isinstance(raw, bool) else ""
    if text in ("0", "1", "2", "3"):
        answer = LETTERS[int(text)]
    elif len(text) == 1 and text in LETTERS:
        answer = text
    else:
        raise XlingError(f"{where}: field 'answer' must be an option index 0-3 or a letter A-D, "
                         f"got {raw!r}")
    parts = {"context": _text(row, "context", where), "question": _text(row, "question", where)}
    return f"{parts['context']}\n{parts['question']}", choices, answer, parts


def read_zip(path: Path) -> list[dict[str, Any]]:
    """Rows of the one parquet file inside a staged ``mlogiqa.zip``."""
    import pyarrow.parquet as pq

    if not path.is_file():
        raise XlingError(f"file not found: {path}")
    try:
        with zipfile.ZipFile(path) as zf:
            members = [n for n in zf.namelist() if n.endswith(".parquet")]
            if len(members) != 1:
                raise XlingError(f"{path}: expected one .parquet file inside, found {len(members)}")
            return pq.read_table(io.BytesIO(zf.read(members[0]))).to_pylist()
    except zipfile.BadZipFile as exc:
        raise XlingError(f"{path}: not a zip file ({exc})") from None


def _from_folder(folder: Path, lang: str) -> tuple[str, list[_Item]]:
    jsonl = folder / NAME / "test" / f"{lang}.jsonl"
    if jsonl.is_file():
        return str(jsonl), [parse_row(r, f"{jsonl}:{i + 1}") for i, r in enumerate(read_jsonl(jsonl))]
    zipped = folder / lang / "mlogiqa.zip"
    if zipped.is_file():
        return str(zipped), [parse_row(r, f"{zipped} row {i + 1}") for i, r in enumerate(read_zip(zipped))]
    raise XlingError(f"file not found: {jsonl} (the hub layout) or {zipped} (the staged repack)")


def _from_hub(hub_id: str, lang: str) -> tuple[str, list[_Item]]:
    from xling.hub import download_file  # one line, quickly, when the hub is out of reach

    path = download_file(hub_id, f"{NAME}/test/{lang}.jsonl")
    return f"{hub_id}/{NAME}/test/{lang}.jsonl", [
        parse_row(r, f"{hub_id}/{NAME}/test/{lang}.jsonl:{i + 1}") for i, r in enumerate(read_jsonl(path))]


def _staged_has_all(langs: list[str]) -> Path | None:
    from xling.data.sources import find_shared_data

    try:
        staged = find_shared_data() / NAME
    except XlingError:
        return None
    if all((staged / lang / "mlogiqa.zip").is_file() for lang in langs):
        return staged
    log.info("staged %s lacks some of %s; loading every language from the hub %s",
             staged, ", ".join(langs), HUB_ID)
    return None


def langs_for(source: str | None) -> tuple[str, ...]:
    """``--langs all``: the staged repack has en and zh only (the hub has all six)."""
    if source is None:
        from xling.data.sources import find_shared_data

        try:
            if (find_shared_data() / "mlogiqa").is_dir():
                return ("en", "zh")
        except XlingError:
            pass
    return LANGS


def load(langs: list[str], source: str | None = None, limit: int | None = None) -> list[Example]:
    """Load mLogiQA for ``langs`` (all in ``LANGS``).

    Args:
        source: a folder (hub layout ``mlogiqa/test/<lang>.jsonl`` or staged ``<lang>/mlogiqa.zip``),
            a hub id, or None (the staged copy if it has every language in ``langs``, else the hub).
        limit: keep the first N items per language (the same N in every language).

    Raises:
        XlingError: unknown language, missing file, malformed row, or languages not parallel.
    """
    from xling.data.sources import resolve_source

    check_langs("mLogiQA", langs, LANGS)
    if source is None:
        folder, hub_id = _staged_has_all(langs), HUB_ID
    else:
        folder, hub_id = resolve_source(source, NAME, HUB_ID)
    per_lang = {lang: _from_folder(folder, lang) if folder is not None
                else _from_hub(str(hub_id), lang) for lang in langs}
    if per_lang:
        (first_file, first), *others = per_lang.values()
        for file, items in others:
            if len(items) != len(first):
                raise XlingError(f"{file}: {len(items)} rows, but {first_file} has {len(first)}; "
                                 "the languages must be parallel")
            bad = [i for i, (a, b) in enumerate(zip(first, items, strict=True)) if a[2] != b[2]]
            if bad:
                raise XlingError(f"{file} row {bad[0] + 1}: answer {items[bad[0]][2]}, but {first_file} "
                                 f"has {first[bad[0]][2]}; the languages must be parallel")
    examples: list[Example] = []
    for lang, (_, items) in per_lang.items():
        for i, (question, choices, answer, parts) in enumerate(items[:limit]):
            examples.append(Example(id=f"{NAME}-{lang}-{i}", parallel_id=f"{NAME}-{i}", lang=lang,
                                    question=question, answer=answer, choices=choices, source=NAME,
                                    meta=parts))
    return examples


MLOGIQA = Benchmark(
    name=NAME, load=load, scorer=SCORER, langs=LANGS, langs_for=langs_for,
    doc="mLogiQA (P-MMEval): 80 logical-reasoning items with a passage, in 10 languages "
        "(6 of the study's).",
    sources=(Source("staged mlogiqa/ (BenchWeaver repack of P-MMEval)", ("en", "zh")),
             Source(f"hub {HUB_ID} (mlogiqa/test/<lang>.jsonl)", LANGS)),
    protocols={AUTHORS: Protocol(
        prompt=authors.mlogiqa, scorer="choice",
        describe="P-MMEval's English template in every language: 'Passage: ... Question: ... "
                 "Choices: A.x ...', answer as JSON {'answer': '[choice]'} ("
                 + authors.source_of("mlogiqa") + ")",
        extraction="four JSON 'answer' regexes (last match), else the character after the "
                   "language's 'the answer is'",
        differences="xling's choice reader also takes boxes, any language's cues and option "
                    "lines; it reads the same JSON forms")},
)
"""The mLogiQA benchmark (registry name ``mlogiqa``)."""
