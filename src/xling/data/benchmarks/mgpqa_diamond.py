"""MGPQA-Diamond (study A): GPQA's Diamond subset (198 of 448) in several languages.

Stage: data. The default source is the gated hub dataset ``ellamind/gpqa-multilingual`` in its
own layout: one config per language named by ISO 639-3 code (``deu fra spa ita nld pol ces dan
fin``), split ``train``, stored as ``<config>/train-*.parquet``; fields ``question``,
``correct_answer``, ``incorrect_answers`` (a list of 3), ``is_diamond``, ``flag_for_review``
(and ``explanation``). Of the study languages it has **de, es, fr only** (no en zh ja ru th sw
bn te: study A's en/zh/de Avg cannot be formed from it); xling reads that layout from the hub or
from a local folder of ``<config>/`` subfolders. A folder of BenchMAX-layout ``gpqa_<lang>.jsonl``
files whose rows carry ``is_diamond`` works too (``mgpqa.load(..., diamond=True)``).

Items: the rows with ``is_diamond`` true; row i is the same question in every config, so
parallel_id = ``mgpqa-diamond-<row index>``. As the dataset's authors do (ellamind/base-eval:
tasks/<cfg>/gpqa), rows flagged ``flag_for_review`` are left out; an item flagged in any loaded
language is left out of all of them, so the languages stay parallel (counted in the log).
Options: xling's seeded order per item, the same in every language (``mgpqa.permutation``;
ellamind orders with ``Random(111 + row index after filtering)``, per language).
Licence: CC BY 4.0. **Never publish GPQA items; xling's tests use synthetic rows.**
Try:  xling eval --model ./tiny --benchmark mgpqa-diamond --langs de,fr --source DIR --limit 5
"""

from __future__ import annotations

import logging
from dataclasses import replace
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
from xling.data.benchmarks.mgpqa import LANGS as BENCHMAX_LANGS
from xling.data.benchmarks.mgpqa import shuffle_options
from xling.data.io import read_parquet
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

NAME = "mgpqa-diamond"
SCORER = "choice"
HUB_ID = "ellamind/gpqa-multilingual"
CONFIGS: dict[str, str] = {"de": "deu", "es": "spa", "fr": "fra"}
"""Study language -> the dataset's config. It also has ita nld pol ces dan fin, which xling's
registry does not (yet) hold."""
LANGS: tuple[str, ...] = tuple(CONFIGS)
AVG_LANGS: tuple[str, ...] = ("en", "zh", "de")
"""Study A reports MGPQA-Diamond as the Avg over these languages."""
FIELDS = ("question", "correct_answer", "incorrect_answers", "is_diamond")


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1")


def _config_files(folder: Path, config: str) -> list[Path]:
    return sorted((folder / config).glob("train-*.parquet"))


def _rows(folder: Path | None, hub_id: str, lang: str) -> tuple[str, list[dict[str, Any]]]:
    config = CONFIGS[lang]
    if folder is not None:
        files = _config_files(folder, config)
        if not files:
            raise XlingError(f"{folder / config}: no train-*.parquet files (the "
                             f"{HUB_ID} layout: one <config>/ folder per language)")
        return str(folder / config), [row for f in files for row in read_parquet(f)]
    from xling.hub import load_dataset  # one line, quickly, when the hub is out of reach

    ds = load_dataset(hub_id, config, split="train")
    return f"{hub_id}[{config}]", [dict(row) for row in ds]


def _options(row: dict[str, Any], where: str) -> tuple[str, list[str]]:
    """``(question, [correct, incorrect x 3])`` of one row, checked."""
    for name in FIELDS:
        if name not in row:
            raise XlingError(f"{where}: field {name!r} is missing (the {HUB_ID} layout has "
                             f"{', '.join(FIELDS)}, flag_for_review)")
    question, correct = str(row["question"] or "").strip(), str(row["correct_answer"] or "").strip()
    wrong = row["incorrect_answers"]
    if isinstance(wrong, str) or not hasattr(wrong, "__len__") or len(wrong) != 3:
        raise XlingError(f"{where}: field 'incorrect_answers' must be a list of 3 options")
    options = [correct, *(str(w or "").strip() for w in wrong)]
    if not question or not all(options):
        raise XlingError(f"{where}: an empty question or option")
    if len(set(options)) != 4:
        raise XlingError(f"{where}: two of the four options are identical; the letter would be "
                         "ambiguous")
    return question, options


def langs_for(source: str | None) -> tuple[str, ...]:
    """The study languages ``source`` holds: the hub's de es fr, a local folder's configs, or
    a BenchMAX-layout folder's ``gpqa_<lang>.jsonl`` files."""
    if source is None or not Path(source).expanduser().is_dir():
        return LANGS
    folder = Path(source).expanduser()
    if any(folder.glob("gpqa_*.jsonl")):
        return tuple(lang for lang in BENCHMAX_LANGS if (folder / f"gpqa_{lang}.jsonl").is_file())
    return tuple(lang for lang, config in CONFIGS.items() if _config_files(folder, config))


def load(langs: list[str], source: str | None = None, limit: int | None = None) -> list[Example]:
    """The Diamond items in ``langs``, flagged rows left out (see the module docstring).

    Args:
        source: a folder in the ellamind layout (``<config>/train-*.parquet``), a folder of
            BenchMAX ``gpqa_<lang>.jsonl`` files with ``is_diamond``, a hub id, or None (the gated
            hub copy).
        limit: keep the first N items (the same in every language).

    Raises:
        XlingError: a language the source lacks (naming what it has), a missing field, or
            languages whose Diamond rows differ.
    """
    from xling.data.sources import resolve_source

    folder, hub_id = resolve_source(source, NAME, HUB_ID) if source else (None, HUB_ID)
    if folder is not None and any(folder.glob("gpqa_*.jsonl")):
        from xling.data.benchmarks import mgpqa

        return [replace(ex, id=ex.id.replace(mgpqa.NAME, NAME, 1), source=NAME,
                        parallel_id=ex.parallel_id.replace(mgpqa.NAME, NAME, 1))
                for ex in mgpqa.load(langs, str(folder), limit, diamond=True)]
    check_langs(NAME, langs, LANGS, f" ({HUB_ID}'s configs {', '.join(CONFIGS.values())}; "
                                    "English and Chinese are not in it)")
    per_lang = {lang: _rows(folder, str(hub_id), lang) for lang in langs}
    reference = None
    flagged: set[int] = set()
    for where, rows in per_lang.values():
        diamond = [i for i, row in enumerate(rows) if _truthy(row.get("is_diamond"))]
        if reference is None:
            reference = (where, diamond)
        elif diamond != reference[1]:
            raise XlingError(f"{where}: {len(diamond)} Diamond rows, but {reference[0]} has "
                             f"{len(reference[1])} (or others); the languages must be parallel")
        flagged |= {i for i in diamond if _truthy(rows[i].get("flag_for_review"))}
    keep = [i for i in (reference[1] if reference else []) if i not in flagged]
    if flagged:
        log.info("%s: %d Diamond item(s) flagged for review left out (as the dataset's authors "
                 "do), %d kept", NAME, len(flagged), len(keep))
    examples: list[Example] = []
    for lang, (where, rows) in per_lang.items():
        for i in keep[:limit]:
            question, options = _options(rows[i], f"{where} row {i}")
            pid = f"{NAME}-{i}"
            choices, answer = shuffle_options(options, 0, pid)
            examples.append(Example(id=f"{NAME}-{lang}-{i}", parallel_id=pid, lang=lang,
                                    question=question, answer=answer, choices=choices,
                                    source=NAME))
    return examples


MGPQA_DIAMOND = Benchmark(
    name=NAME, load=load, scorer=SCORER, langs=LANGS, langs_for=langs_for,
    headline=Headline(name="accuracy (study A: Avg over en, zh, de)", avg_langs=AVG_LANGS),
    doc="MGPQA-Diamond (study A): GPQA Diamond (198 items) in other languages; options in one "
        "seeded order per item, the same in every language.",
    sources=(Source(f"hub {HUB_ID} (gated; configs {' '.join(CONFIGS.values())} ...)", LANGS,
                    "no en zh ja ru th sw bn te"),
             Source("a local folder in that layout (<config>/train-*.parquet)", LANGS),
             Source("a folder of BenchMAX gpqa_<lang>.jsonl files with is_diamond",
                    BENCHMAX_LANGS)),
    protocols={AUTHORS: Protocol(
        prompt=authors.ellamind_gpqa, scorer=SCORER,
        describe="ellamind's English instruction ('The last line of your response should be ... "
                 "The correct answer is: ($LETTER)'), the question and ' (A) text' options ("
                 + authors.source_of("mgpqa-diamond") + ")",
        extraction="the last '(X)'; fallbacks: the last option text, the last ': X'",
        differences="0-shot (ellamind sends 5 translated exemplars, GPQA text xling does not "
                    "ship); options ordered by a seed per item, the same in every language "
                    "(ellamind: Random(111 + row index after filtering))")},
)
"""The MGPQA-Diamond benchmark (registry name ``mgpqa-diamond``)."""
