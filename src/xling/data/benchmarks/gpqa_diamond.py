"""GPQA-Diamond (Rein et al., 2023, arXiv 2311.12022): 198 graduate-level science questions, English + translations.

Stage: data. Gives Examples with parallel_id = ``gpqa-diamond-<Record ID>``, 4 ``choices`` and a
letter ``answer``; scored by scoring.choice.
English: the gated hub dataset ``Idavidrein/gpqa`` (config ``gpqa_diamond``: ``Question``,
``Correct Answer``, ``Incorrect Answer 1..3``, ``Record ID``; accept its terms on the hub and log
in), or a folder holding that file as ``gpqa_diamond.csv``; the options are put in each item's
seeded order (``mgpqa.permutation``, the same rule as ``mgpqa``).
Other languages (study B evaluates 11; none are published): ``<lang>.jsonl`` in the folder, as
xling's translation writes them (``xling translate --input gpqa-diamond``): ``{"id", "question",
"answer", "choices"}``. Those rows were translated from xling's English Examples, so their
options are already in the item's order and are used as given; rows align by ``id`` (the
parallel id, with or without the ``gpqa-diamond-`` prefix). An ``en.jsonl`` in that layout may
replace the CSV. Items missing from a language are left out of every language (a warning says
how many), and each item's gold letter and option count must agree across languages.
Licence: CC BY 4.0. **GPQA's authors ask that its questions never be published in plain text:
never commit GPQA items or translations of them (xling's tests use synthetic rows).** Version 1.
Try:  xling eval --model ./tiny --benchmark gpqa-diamond --langs en --limit 5
"""

from __future__ import annotations

import csv
import logging
import sys
from pathlib import Path
from typing import Any

from xling.data.benchmarks import Benchmark, Source, check_langs
from xling.data.benchmarks.mgpqa import GPQA_FIELDS, gpqa_options, shuffle_options
from xling.data.io import read_jsonl
from xling.languages import CHOICE_LETTERS, LANGUAGES
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

SCORER = "choice"
LANGS: tuple[str, ...] = tuple(LANGUAGES)
"""English from the hub; any registered language from a translation (``<lang>.jsonl``)."""
HUB_ID = "Idavidrein/gpqa"
HUB_CONFIG = "gpqa_diamond"
NAME = "gpqa-diamond"

_Item = tuple[str, tuple[str, ...], str, str]  # question, choices, answer letter, where


def _pid(raw: Any) -> str:
    text = str(raw).strip()
    return text if text.startswith(f"{NAME}-") else f"{NAME}-{text}"


def _english_rows(rows: list[dict[str, Any]], label: str, seed: int) -> dict[str, _Item]:
    items: dict[str, _Item] = {}
    for i, row in enumerate(rows):
        where = f"{label} row {i + 1}"
        question, options = gpqa_options(row, where)
        record = row.get("Record ID")
        pid = _pid(record if record not in (None, "") else i)
        if pid in items:
            raise XlingError(f"{where}: duplicate Record ID {record!r}")
        choices, answer = shuffle_options(options, 0, pid, seed)
        items[pid] = (question, choices, answer, where)
    return items


def read_gpqa_csv(path: Path) -> list[dict[str, Any]]:
    """Rows of GPQA's CSV (multi-line quoted fields); a missing column names the file."""
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [f for f in GPQA_FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise XlingError(f"{path}:1: missing column(s) {', '.join(map(repr, missing))}")
        try:
            return list(reader)
        except csv.Error as exc:
            raise XlingError(f"{path}:{reader.line_num}: unreadable CSV row ({exc})") from None


def read_translated(path: Path) -> dict[str, _Item]:
    """``<lang>.jsonl`` rows ``{"id", "question", "answer", "choices"}``, options used as given.

    Raises:
        XlingError: a missing key, fewer than 2 choices, a letter beyond them, or a duplicate id
            (naming ``file:line``).
    """
    items: dict[str, _Item] = {}
    for i, row in enumerate(read_jsonl(path, required=("id", "question", "answer", "choices"))):
        where = f"{path}:{i + 1}"
        choices = row["choices"]
        if not isinstance(choices, list) or len(choices) < 2 or len(choices) > len(CHOICE_LETTERS):
            raise XlingError(f"{where}: field 'choices' must be a list of 2-10 option texts")
        answer = str(row["answer"]).strip().upper()
        if answer not in CHOICE_LETTERS[:len(choices)] or len(answer) != 1:
            raise XlingError(f"{where}: field 'answer' must be a letter of the {len(choices)} "
                             f"choices, got {row['answer']!r}")
        if not str(row["question"]).strip():
            raise XlingError(f"{where}: field 'question' is empty")
        pid = _pid(row["id"])
        if pid in items:
            raise XlingError(f"{where}: duplicate id {row['id']!r}")
        items[pid] = (str(row["question"]).strip(), tuple(str(c).strip() for c in choices),
                      answer, where)
    return items


def _load_lang(folder: Path | None, hub_id: str, lang: str, seed: int) -> dict[str, _Item]:
    if folder is not None:
        if (folder / f"{lang}.jsonl").is_file():
            return read_translated(folder / f"{lang}.jsonl")
        if lang == "en" and (folder / f"{HUB_CONFIG}.csv").is_file():
            path = folder / f"{HUB_CONFIG}.csv"
            return _english_rows(read_gpqa_csv(path), str(path), seed)
        if lang != "en":
            raise XlingError(f"file not found: {folder / f'{lang}.jsonl'} (GPQA-Diamond in {lang} "
                             "comes from a translation: xling translate --input gpqa-diamond)")
        log.info("%s has no en.jsonl or %s.csv; English comes from the hub (%s)",
                 folder, HUB_CONFIG, hub_id)
    elif lang != "en":
        raise XlingError(f"the hub has GPQA-Diamond in English only; pass --source FOLDER holding "
                         f"{lang}.jsonl (xling translate --input gpqa-diamond --to {lang})")
    from xling.hub import load_dataset  # one line, quickly, when the hub is out of reach

    ds = load_dataset(hub_id, HUB_CONFIG, split="train")
    return _english_rows([dict(row) for row in ds], f"{hub_id}/{HUB_CONFIG}", seed)


def langs_for(source: str | None) -> tuple[str, ...]:
    """English, plus each ``<lang>.jsonl`` of a folder ``source`` (the hub has English only;
    ``--langs all`` expands to these)."""
    if source is None or not Path(source).expanduser().is_dir():
        return ("en",)
    folder = Path(source).expanduser()
    return ("en", *(lang for lang in LANGS if lang != "en" and (folder / f"{lang}.jsonl").is_file()))


def load(langs: list[str], source: str | None = None, limit: int | None = None, *,
         seed: int = 0) -> list[Example]:
    """Load GPQA-Diamond for ``langs``: English from the hub or a folder, others from a folder.

    Args:
        source: a folder (``gpqa_diamond.csv`` and/or ``<lang>.jsonl``), a hub id for the English
            set, or None (``Idavidrein/gpqa``; English only).
        limit: keep the first N items (in the first language's order; the same in every language).
        seed: mixed into every English item's option permutation (0 = xling's published order;
            translations keep the order they were made from).

    Raises:
        XlingError: unknown language, missing file or field, malformed row, or a gold letter or
            option count that differs between languages for one id.
    """
    from xling.data.sources import resolve_source

    check_langs("GPQA-Diamond", langs, LANGS)
    folder, hub_id = resolve_source(source, NAME, HUB_ID)  # nothing staged: the hub, logged
    per_lang = {lang: _load_lang(folder, hub_id or HUB_ID, lang, seed) for lang in langs}
    if not per_lang:
        return []
    first = next(iter(per_lang.values()))
    common = [pid for pid in first if all(pid in items for items in per_lang.values())]
    if len(common) < max(len(items) for items in per_lang.values()):
        counts = ", ".join(f"{lang} {len(items)}" for lang, items in per_lang.items())
        log.warning("GPQA-Diamond: %d items are in every language (%s); the rest are left out",
                    len(common), counts)
    reference = per_lang["en"] if "en" in per_lang else first
    for items in per_lang.values():
        for pid in common:
            _, choices, answer, where = items[pid]
            _, ref_choices, ref_answer, ref_where = reference[pid]
            if (answer, len(choices)) != (ref_answer, len(ref_choices)):
                raise XlingError(f"{where}: answer {answer} of {len(choices)} options, but "
                                 f"{ref_where} has {ref_answer} of {len(ref_choices)}; the "
                                 "options must be in the same order in every language")
    examples: list[Example] = []
    for lang, items in per_lang.items():
        for pid in common[:limit]:
            question, choices, answer, _ = items[pid]
            examples.append(Example(id=f"{NAME}-{lang}-{pid.removeprefix(NAME + '-')}",
                                    parallel_id=pid, lang=lang, question=question, answer=answer,
                                    choices=choices, source=NAME))
    return examples


GPQA_DIAMOND = Benchmark(
    name=NAME, load=load, scorer=SCORER, langs=LANGS, langs_for=langs_for,
    doc="GPQA-Diamond (English, 198 items; other languages from translated <lang>.jsonl files).",
    sources=(Source(f"hub {HUB_ID} (gated, config gpqa_diamond)", ("en",)),
             Source("--source DIR: gpqa_diamond.csv and/or translated <lang>.jsonl files", LANGS)),
)
"""The GPQA-Diamond benchmark (registry name ``gpqa-diamond``)."""
