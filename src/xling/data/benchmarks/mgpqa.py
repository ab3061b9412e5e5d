"""Multilingual GPQA (BenchMAX_Science; Huang et al., 2025, arXiv 2502.07346): GPQA main, 448 x 17 languages.

Stage: data. Gives Examples with parallel_id = ``mgpqa-<row index>`` (row i of every language's
file is the same question), 4 ``choices`` and a letter ``answer``; scored by scoring.choice.
GPQA rows hold the correct answer and three incorrect ones; xling orders them with a seeded
permutation *per item* (``permutation``: seeded by the parallel id, never by the language), so
an item has the same option order and the same gold letter in every language (BenchMAX itself
shuffles per language, so its letters are not parallel).
Source: a folder of ``gpqa_<lang>.jsonl`` files (the hub file layout: ``Question``,
``Correct Answer``, ``Incorrect Answer 1..3``, optional ``Record ID``) or the hub dataset
``LLaMAX/BenchMAX_Science`` (the default; needs internet and ``datasets``). Never staged.
Diamond (study A's MGPQA-Diamond, 198 items): ``load(..., diamond=PATH)`` keeps the items whose
``Record ID`` (or, without one, row index) is listed in the text file PATH (one per line), and
``diamond=True`` keeps rows with a true ``is_diamond`` column (the ``mgpqa-diamond`` benchmark,
``mgpqa_diamond.py``, reads ellamind/gpqa-multilingual's own layout).
Licence: CC BY 4.0 (dataset card). **GPQA's authors ask that its questions never be published in
plain text: never commit GPQA items (xling's tests use synthetic rows).** Version 1.
Try:  xling eval --model ./tiny --benchmark mgpqa --langs en,de --limit 5
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xling.data.benchmarks import (
    AUTHORS,
    Benchmark,
    Protocol,
    Source,
    authors,
    check_langs,
)
from xling.data.io import read_jsonl
from xling.languages import CHOICE_LETTERS, STUDY_LANGS
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

SCORER = "choice"
LANGS: tuple[str, ...] = (*STUDY_LANGS, "te")
"""BenchMAX_Science's languages that xling registers (it also has ar cs hu ko sr vi)."""
HUB_ID = "LLaMAX/BenchMAX_Science"
NAME = "mgpqa"
GPQA_FIELDS: tuple[str, ...] = ("Question", "Correct Answer", "Incorrect Answer 1",
                                "Incorrect Answer 2", "Incorrect Answer 3")


def permutation(parallel_id: str, n: int, seed: int = 0) -> list[int]:
    """The option order of one item: position k shows original option ``order[k]``.

    Seeded by ``(seed, parallel_id)`` only, so every language gets the same order, on every
    machine and run (``random.Random`` with a string seed does not depend on PYTHONHASHSEED).

    >>> permutation("mgpqa-0", 4) == permutation("mgpqa-0", 4)
    True
    >>> sorted(permutation("mgpqa-0", 4))
    [0, 1, 2, 3]
    """
    order = list(range(n))
    random.Random(f"xling-choice-order:{seed}:{parallel_id}").shuffle(order)
    return order


def shuffle_options(options: Sequence[str], gold_index: int, parallel_id: str,
                    seed: int = 0) -> tuple[tuple[str, ...], str]:
    """``(choices in the item's seeded order, gold letter)``; see ``permutation``.

    >>> shuffle_options(["right", "w1", "w2", "w3"], 0, "x-1")[0].index("right") == \\
    ...     "ABCD".index(shuffle_options(["right", "w1", "w2", "w3"], 0, "x-1")[1])
    True
    """
    order = permutation(parallel_id, len(options), seed)
    return tuple(options[i] for i in order), CHOICE_LETTERS[order.index(gold_index)]


def gpqa_options(row: dict[str, Any], where: str) -> tuple[str, list[str]]:
    """``(question, [correct, incorrect 1, 2, 3])`` from a row in GPQA's column layout.

    Raises:
        XlingError: a missing or empty field, or two identical options (naming ``where``).
    """
    values: list[str] = []
    for name in GPQA_FIELDS:
        value = row.get(name)
        if value is None or not str(value).strip():
            raise XlingError(f"{where}: field {name!r} is missing or empty")
        values.append(str(value).strip())
    if len(set(values[1:])) != 4:
        raise XlingError(f"{where}: two of the four options are identical; the letter would be ambiguous")
    return values[0], values[1:]


def read_diamond_ids(path: str | Path) -> set[str]:
    """Ids in a text file, one per line (blank lines and ``#`` comments skipped)."""
    path = Path(path)
    if not path.is_file():
        raise XlingError(f"diamond id list not found: {path}")
    ids = {line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()}
    ids.discard("")
    if not ids:
        raise XlingError(f"{path}: the diamond id list is empty")
    return ids


def langs_for(source: str | None) -> tuple[str, ...]:
    """The languages ``source`` holds: a folder's ``gpqa_<lang>.jsonl`` files, else (the hub)
    ``LANGS`` (``--langs all`` expands to these)."""
    if source is None or not Path(source).expanduser().is_dir():
        return LANGS
    folder = Path(source).expanduser()
    return tuple(lang for lang in LANGS if (folder / f"gpqa_{lang}.jsonl").is_file())


def _rows(folder: Path | None, hub_id: str | None, lang: str) -> tuple[str, list[dict[str, Any]]]:
    if folder is not None:
        path = folder / f"gpqa_{lang}.jsonl"
        return str(path), read_jsonl(path)
    from xling.hub import load_dataset  # one line, quickly, when the hub is out of reach

    ds = load_dataset(str(hub_id), data_files=f"gpqa_{lang}.jsonl", split="train")
    return f"{hub_id}/gpqa_{lang}.jsonl", [dict(row) for row in ds]


def _keep(rows: list[dict[str, Any]], file: str, diamond: str | Path | bool | None,
          ids: set[str] | None) -> list[int]:
    """Row indices of the items to evaluate (all, or the Diamond subset)."""
    if diamond is None or diamond is False:
        return list(range(len(rows)))
    if diamond is True:
        missing = [i + 1 for i, row in enumerate(rows) if "is_diamond" not in row]
        if missing:
            raise XlingError(f"{file} line {missing[0]}: field 'is_diamond' is missing; pass "
                             "diamond=<id list file> instead")
        return [i for i, row in enumerate(rows) if row["is_diamond"] in (True, "true", "True")]
    if ids is None:
        raise XlingError(f"diamond must be None, True or an id list file, got {diamond!r}")
    keys = [str(row.get("Record ID", i)).strip() for i, row in enumerate(rows)]
    unknown = ids - set(keys)
    if unknown:
        raise XlingError(f"{diamond}: {len(unknown)} listed id(s) not in {file}, e.g. "
                         f"{sorted(unknown)[0]!r} (ids are 'Record ID' values, else row indices)")
    return [i for i, key in enumerate(keys) if key in ids]


def load(langs: list[str], source: str | None = None, limit: int | None = None, *,
         diamond: str | Path | bool | None = None, seed: int = 0) -> list[Example]:
    """Load multilingual GPQA for ``langs`` (all in ``LANGS``), options in each item's seeded order.

    Args:
        source: a folder of ``gpqa_<lang>.jsonl``, a hub id, or None (``LLaMAX/BenchMAX_Science``).
        limit: keep the first N items per language (after the Diamond filter; the same items in
            every language).
        diamond: None = all 448; a path = keep the ids listed there; True = rows with
            ``is_diamond`` true.
        seed: mixed into every item's option permutation (0 = xling's published order).

    Raises:
        XlingError: unknown language, missing file or field, languages not parallel (row counts,
            ``Record ID``s, Diamond selections), or an unknown id in the Diamond list.
    """
    from xling.data.sources import resolve_source

    check_langs("MGPQA", langs, LANGS)
    if source is None:
        folder, hub_id = None, HUB_ID  # never staged: GPQA items must not be redistributed
    else:
        folder, hub_id = resolve_source(source, NAME, HUB_ID)
    ids = read_diamond_ids(diamond) if isinstance(diamond, str | Path) else None
    examples: list[Example] = []
    reference: tuple[str, list[int], list[Any]] | None = None
    for lang in langs:
        file, rows = _rows(folder, hub_id, lang)
        keep = _keep(rows, file, diamond, ids)
        record_ids = [row.get("Record ID") for row in rows]
        if reference is None:
            reference = (file, keep, record_ids)
        elif (len(rows), keep, record_ids) != (len(reference[2]), reference[1], reference[2]):
            raise XlingError(f"{file}: {len(rows)} rows / {len(keep)} selected, but {reference[0]} "
                             f"has {len(reference[2])} / {len(reference[1])} (or other Record IDs); "
                             "the languages must be parallel")
        for i in keep[:limit]:
            question, options = gpqa_options(rows[i], f"{file} line {i + 1}")
            pid = f"{NAME}-{i}"
            choices, answer = shuffle_options(options, 0, pid, seed)
            meta = {k: rows[i][k] for k in ("Record ID", "High-level domain", "Subdomain")
                    if rows[i].get(k) not in (None, "")}
            examples.append(Example(id=f"{NAME}-{lang}-{i}", parallel_id=pid, lang=lang,
                                    question=question, answer=answer, choices=choices,
                                    source=NAME, meta=meta))
    return examples


MGPQA = Benchmark(
    name=NAME, load=load, scorer=SCORER, langs=LANGS, langs_for=langs_for,
    doc="BenchMAX_Science: GPQA (main, 448 items) translated into 17 languages.",
    sources=(Source(f"hub {HUB_ID} (gpqa_<lang>.jsonl)", LANGS),
             Source("a local folder of gpqa_<lang>.jsonl files", LANGS)),
    protocols={AUTHORS: Protocol(
        prompt=authors.benchmax_science, scorer="choice",
        describe="BenchMAX's native 0-shot CoT prompt: the question, '(A) text' options, 'Let's "
                 "think step by step:' in the language (" + authors.source_of("mgpqa") + ")",
        extraction="the last '(X)' (flexible-extract; strict: 'The answer is'), exact match",
        differences="options ordered by a seed per item, the same in every language (BenchMAX "
                    "shuffles per language with the global RNG)")},
)
"""The MGPQA benchmark (registry name ``mgpqa``): GPQA main in the study languages."""
