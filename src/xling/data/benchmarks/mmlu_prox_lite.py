"""MMLU-ProX-Lite (Xuan et al., 2025, arXiv 2503.10497): 588 test questions x 29 languages, 4-10 options.

Stage: data. Gives Examples with parallel_id = row index (row i is the same question in every
language), ``choices`` = the option texts (A-J over the non-empty options), ``answer`` = the
letter, ``meta["category"]`` where known (14 MMLU-Pro subjects); scored by scoring.choice.
Sources, per language:
- the staged default ``mmlu-prox-lite/`` (chenyuanTKCY/UL-XCoT @ 98de3a8, a 2-column TSV
  conversion ``<lang>/{test,validation}.tsv``: ``question\\nA. opt\\nB. opt...<TAB>letter`` with
  literal backslash-n separators, CSV-quoted; options are split at the *last* run of
  ``\\nA. ``, ``\\nB. ``... markers, since a few questions hold such markers themselves, e.g.
  ``\\nI. P is invertible``), with the categories taken from the original-layout English rows
  ``en-arrow-jphme/`` (jphme/mmlu_prox_open @ 44c5a70) when present;
- a folder in the hub layout: ``<lang>/test-*.parquet`` (or ``<lang>/test.jsonl``) with columns
  ``question``, ``option_0`` .. ``option_9`` (null = absent), ``answer`` (letter),
  ``answer_index``, ``category``, ...;
- the hub dataset ``li-lab/MMLU-ProX-Lite`` (config = language; needs internet and ``datasets``).
Licence: MIT (dataset card); keep attribution to MMLU-ProX and MMLU-Pro. Version 1.
Load-time checks: every language has the same number of rows, and row i has the same gold letter
and option count in every language loaded (a mismatch names the file and row).
Study A reports accuracy and averages En, Zh and De.
Try:  xling eval --model ./tiny --benchmark mmlu-prox-lite --langs en,zh,de --limit 5
"""

from __future__ import annotations

import csv
import logging
import sys
from dataclasses import dataclass
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
from xling.data.io import read_jsonl, read_parquet
from xling.languages import CHOICE_LETTERS, STUDY_LANGS
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

SCORER = "choice"
LANGS: tuple[str, ...] = (*STUDY_LANGS, "te")
"""Languages xling registers (the hub has 29; the staged TSVs have the ten study languages)."""
"""The languages study A averages MMLU-ProX-Lite over (its tables' Avg column)."""
HUB_ID = "li-lab/MMLU-ProX-Lite"
STAGED = "mmlu-prox-lite"
ARROW_DIR = "en-arrow-jphme"
N_OPTION_COLUMNS = 10


@dataclass(frozen=True)
class _Row:
    question: str
    choices: tuple[str, ...]
    answer: str
    where: str
    """``file:line`` (or ``hub-id/lang row N``) for error messages."""
    meta: dict[str, Any]


def split_options(text: str, where: str) -> tuple[str, tuple[str, ...]]:
    """Split a TSV ``text`` cell into the question and its options (literal ``\\n`` -> newline).

    The option list starts at the last ``\\nA. `` marker; each next option at the next
    ``\\n<next letter>. `` marker, so markers of other letters inside the question or an option
    (``\\nI. P is invertible``) stay text.

    >>> split_options("Which?\\\\nI. one\\\\nA. yes\\\\nB. no", "x")
    ('Which?\\nI. one', ('yes', 'no'))

    Raises:
        XlingError: no ``\\nA. `` marker or fewer than two options (naming ``where``).
    """
    start = text.rfind("\\nA. ")
    if start < 0:
        raise XlingError(f"{where}: no option list (no '\\nA. ' marker) in the question text")
    block = text[start:]
    bounds = [0]
    for letter in CHOICE_LETTERS[1:]:
        nxt = block.find(f"\\n{letter}. ", bounds[-1] + 1)
        if nxt < 0:
            break
        bounds.append(nxt)
    bounds.append(len(block))
    options = tuple(block[a + 5:b].replace("\\n", "\n").strip()
                    for a, b in zip(bounds, bounds[1:], strict=False))
    if len(options) < 2:
        raise XlingError(f"{where}: expected at least 2 options (A., B., ...), found {len(options)}")
    return text[:start].replace("\\n", "\n").strip(), options


def read_tsv_rows(path: Path) -> list[_Row]:
    """Rows of one staged TSV (``text<TAB>letter``, CSV quoting with doubled quotes).

    Raises:
        XlingError: missing file, a row without exactly 2 columns, a bad letter, or a letter
            beyond the row's options (naming ``file:line``).
    """
    if not path.is_file():
        raise XlingError(f"file not found: {path}")
    csv.field_size_limit(sys.maxsize)
    rows: list[_Row] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        line = 1
        try:
            for record in reader:
                where = f"{path}:{line}"
                line = reader.line_num + 1
                if not record:
                    continue
                if len(record) != 2:
                    raise XlingError(f"{where}: expected 2 tab-separated columns (text, answer), "
                                     f"got {len(record)}")
                question, choices = split_options(record[0], where)
                rows.append(_Row(question, choices, _letter(record[1], choices, where), where, {}))
        except csv.Error as exc:
            raise XlingError(f"{path}:{line}: unreadable TSV row ({exc})") from None
    return rows


def _letter(raw: Any, choices: tuple[str, ...], where: str) -> str:
    letter = str(raw).strip()
    if len(letter) != 1 or letter not in CHOICE_LETTERS[:len(choices)]:
        raise XlingError(f"{where}: field 'answer' must be a letter A-{CHOICE_LETTERS[len(choices) - 1]} "
                         f"(the row has {len(choices)} options), got {raw!r}")
    return letter


def parse_hub_row(row: dict[str, Any], where: str) -> _Row:
    """One row in the hub layout (``question``, ``option_0..9``, ``answer``, ``answer_index``).

    Null options are dropped and the rest relettered A, B, ... (as the TSV conversion does);
    ``answer_index`` (an index into ``option_0..9``), else ``answer`` (a letter), names the gold.

    Raises:
        XlingError: a missing or empty field, a gold that points at an absent option, or
            ``answer`` and ``answer_index`` that disagree (naming ``where`` and the field).
    """
    question = row.get("question")
    if not isinstance(question, str) or not question.strip():
        raise XlingError(f"{where}: field 'question' is missing or empty")
    present = [i for i in range(N_OPTION_COLUMNS) if row.get(f"option_{i}") is not None]
    if len(present) < 2:
        raise XlingError(f"{where}: fields option_0..option_9 hold {len(present)} options; need >= 2")
    index, letter = row.get("answer_index"), row.get("answer")
    if index is None and letter is None:
        raise XlingError(f"{where}: field 'answer' (or 'answer_index') is missing")
    if index is not None:
        if isinstance(index, bool) or not isinstance(index, int) or index not in present:
            raise XlingError(f"{where}: field 'answer_index' = {index!r} is not a present option")
        if letter is not None and str(letter).strip() != CHOICE_LETTERS[index]:
            raise XlingError(f"{where}: field 'answer' = {letter!r} disagrees with "
                             f"answer_index {index} ({CHOICE_LETTERS[index]})")
    else:
        text = str(letter).strip()
        if len(text) != 1 or text not in CHOICE_LETTERS or CHOICE_LETTERS.index(text) not in present:
            raise XlingError(f"{where}: field 'answer' = {letter!r} is not a present option's letter")
        index = CHOICE_LETTERS.index(text)
    meta = {k: row[k] for k in ("category", "question_id", "src") if row.get(k) not in (None, "")}
    return _Row(question.strip(), tuple(str(row[f"option_{i}"]).strip() for i in present),
                CHOICE_LETTERS[present.index(index)], where, meta)


def _hub_layout_file(folder: Path, lang: str, split: str) -> Path | None:
    parquet = sorted((folder / lang).glob(f"{split}-*.parquet"))
    for path in (*parquet, folder / lang / f"{split}.parquet", folder / lang / f"{split}.jsonl"):
        if path.is_file():
            return path
    return None


def _from_folder(folder: Path, lang: str, split: str) -> tuple[str, list[_Row]]:
    tsv = folder / lang / f"{split}.tsv"
    if tsv.is_file():
        return str(tsv), read_tsv_rows(tsv)
    path = _hub_layout_file(folder, lang, split)
    if path is None:
        raise XlingError(f"file not found: {tsv} (the staged TSV layout) or "
                         f"{folder / lang / f'{split}-*.parquet'} (the hub layout)")
    rows = read_jsonl(path) if path.suffix == ".jsonl" else read_parquet(path)
    label = "line" if path.suffix == ".jsonl" else "row"
    return str(path), [parse_hub_row(row, f"{path} {label} {i + 1}") for i, row in enumerate(rows)]


def _from_hub(hub_id: str, lang: str, split: str) -> tuple[str, list[_Row]]:
    from xling.hub import load_dataset  # one line, quickly, when the hub is out of reach

    ds = load_dataset(hub_id, lang, split=split)
    label = f"{hub_id} {lang}/{split}"
    return label, [parse_hub_row(dict(row), f"{label} row {i + 1}") for i, row in enumerate(ds)]


def read_arrow_categories(folder: Path) -> list[tuple[str, str]] | None:
    """``(category, answer letter)`` per row of the staged English arrow file, or None if absent.

    The file is a ``datasets`` ``save_to_disk`` Arrow IPC stream in the hub column layout.
    """
    files = sorted((folder / ARROW_DIR).glob("*.arrow"))
    if not files:
        return None
    import pyarrow as pa

    with pa.memory_map(str(files[0])) as src:
        table = pa.ipc.open_stream(src).read_all()
    return [(str(c), str(a)) for c, a in zip(table.column("category").to_pylist(),
                                             table.column("answer").to_pylist(), strict=True)]


def _check_parallel(per_lang: dict[str, tuple[str, list[_Row]]]) -> None:
    """Same row count, gold letter and option count in every language (row i = one question)."""
    (first_file, first), *others = per_lang.values()
    for file, rows in others:
        if len(rows) != len(first):
            raise XlingError(f"{file}: {len(rows)} rows, but {first_file} has {len(first)}; "
                             "the languages must be parallel")
        for a, b in zip(first, rows, strict=True):
            if (a.answer, len(a.choices)) != (b.answer, len(b.choices)):
                raise XlingError(f"{b.where}: answer {b.answer} with {len(b.choices)} options, but "
                                 f"{a.where} has {a.answer} with {len(a.choices)}; not parallel")


def _categories(folder: Path | None, split: str, file: str, rows: list[_Row]) -> list[str] | None:
    if folder is None or split != "test" or any("category" in r.meta for r in rows):
        return None
    arrow = read_arrow_categories(folder)
    if arrow is None:
        return None
    if len(arrow) != len(rows) or any(a != r.answer for (_, a), r in zip(arrow, rows, strict=False)):
        raise XlingError(f"{folder / ARROW_DIR}: its {len(arrow)} rows do not line up with "
                         f"{file} ({len(rows)} rows, answers compared)")
    return [c for c, _ in arrow]


def load(langs: list[str], source: str | None = None, limit: int | None = None,
         split: str = "test") -> list[Example]:
    """Load MMLU-ProX-Lite for ``langs`` (all in ``LANGS``).

    Args:
        source: a folder (staged TSV layout or hub layout), a hub id, or None (staged copy,
            else the hub).
        limit: keep the first N questions per language (the same N in every language).
        split: "test" (588 per language) or "validation" (70, the few-shot pool).

    Raises:
        XlingError: unknown language, missing file, malformed row, or languages not parallel.
    """
    from xling.data.sources import resolve_source

    check_langs("MMLU-ProX-Lite", langs, LANGS)
    if split not in ("test", "validation"):
        raise XlingError(f"MMLU-ProX-Lite split must be 'test' or 'validation', got {split!r}")
    folder, hub_id = resolve_source(source, STAGED, HUB_ID)
    per_lang = {lang: _from_folder(folder, lang, split) if folder is not None
                else _from_hub(str(hub_id), lang, split) for lang in langs}
    if not per_lang:
        return []
    _check_parallel(per_lang)
    categories = _categories(folder, split, *next(iter(per_lang.values())))
    examples: list[Example] = []
    for lang, (_, rows) in per_lang.items():
        for i, row in enumerate(rows[:limit]):
            meta = dict(row.meta)
            if categories is not None:
                meta["category"] = categories[i]
            examples.append(Example(
                id=f"{STAGED}-{lang}-{i}", parallel_id=f"{STAGED}-{i}", lang=lang,
                question=row.question, answer=row.answer, choices=row.choices, source=STAGED,
                meta=meta,
            ))
    return examples


MMLU_PROX_LITE = Benchmark(
    name="mmlu-prox-lite", load=load, scorer=SCORER, langs=LANGS,
    doc="MMLU-ProX-Lite: 658 ten-option questions (588 test + 70 validation) in 29 languages.",
    headline=Headline(name="accuracy (study A: Avg over en, zh, de)", avg_langs=("en", "zh", "de")),
    sources=(Source("staged mmlu-prox-lite/ (chenyuanTKCY/UL-XCoT TSV conversion + jphme English "
                    "rows for the categories)", STUDY_LANGS),
             Source(f"hub {HUB_ID}", LANGS)),
    protocols={AUTHORS: Protocol(
        prompt=authors.mmlu_prox, scorer="choice",
        describe="the authors' lm-eval task: description with the item's subject, 'Question:', "
                 "options, 'Answer: Let's think step by step.' in the language, 0-shot ("
                 + authors.source_of("mmlu-prox-lite") + ")",
        extraction="the FIRST match of the language's 'the answer is (X)' regex; no match is "
                   "invalid",
        differences="0-shot (the authors use 5 CoT exemplars from the validation split, which "
                    "the staged TSV lacks the rationales for); xling reads the LAST answer cue "
                    "(any language's or English), a box, or an option line")},
)
"""The MMLU-ProX-Lite benchmark (registry name ``mmlu-prox-lite``)."""
