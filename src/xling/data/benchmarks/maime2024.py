"""MAIME2024: AIME 2024 (I and II, 30 problems) translated; MCLM's MT-AIME2024 (Son et al., 2025,
arXiv 2502.17407), 55 languages, of which xling uses the 10 study languages + te.

Stage: data. Gives Examples with parallel_id = ``maime2024-<row>`` (the row of the source: the
same problem in every language), integer golds 0-999 without zero padding; scored by
scoring.math. Study A reports it as pass@16 (``xling eval --n 16 --pass-k 16``; unbiased
estimator, ``xling.metrics.pass_at_k``).

Sources (``source=``):
- ``"amphora/MCLM"`` (hub; needs internet and ``datasets``): config ``MT-AIME2024``, split
  ``test``, file ``mt-aime2024.parquet``. Layout, as read from public code that loads it
  (evalhub, MCLM's own ``src/eval.py`` + ``src/prompts.py``): one row per problem, **one column
  per language named by its code** (``en``, ``de``, ``bn``, ``te``, ..., Chinese as ``zh-cn``;
  ``zh-tw`` is Traditional and not used) holding the question, plus ``answer`` (the gold; cast to
  str by its users, so int or str). No id column: the row index is the item id. Licence: MIT
  (dataset card). Version: the hub's main revision.
- a local ``.parquet`` file in that layout, or a folder holding ``mt-aime2024.parquet``.
- ``None`` (default, no internet needed): **MMATH's 30 AIME2024 rows** (staged RUCAIBox/MMATH,
  no licence declared), which cover only **en zh es fr ja th**; the other languages need the MCLM
  source. The same problems in the same order as ``aime2024-en`` (MANIFEST.md). A folder of MMATH
  ``<lang>.json`` files is read the same way.
Try:  xling eval --model ./tiny --benchmark maime2024 --langs en,zh --limit 5
      xling eval --model ./tiny --benchmark maime2024 --source amphora/MCLM --langs all --n 16 --pass-k 16
"""

from __future__ import annotations

import logging
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
from xling.data.benchmarks.mmath import LANGS as MMATH_LANGS
from xling.data.benchmarks.mmath import int_answer, load_rows
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

SCORER = "math"
LANGS: tuple[str, ...] = ("en", "zh", "de", "es", "fr", "ja", "ru", "th", "sw", "bn", "te")
HUB_ID = "amphora/MCLM"
CONFIG = "MT-AIME2024"
FILE = "mt-aime2024.parquet"
COLUMN = {"zh": "zh-cn"}
"""xling code -> MCLM column, where they differ (every other column is the ISO 639-1 code)."""
FALLBACK_LANGS: tuple[str, ...] = MMATH_LANGS


def _mclm_rows(source: str) -> tuple[list[dict[str, Any]], str]:
    """The MT-AIME2024 rows and a label for messages, from a parquet file, a folder holding
    ``mt-aime2024.parquet``, or a hub id."""
    path = Path(source).expanduser()
    if path.is_dir():
        path = path / FILE
    if path.exists():
        from xling.data.io import read_parquet

        return read_parquet(path), str(path)
    from xling.hub import load_dataset  # one line, quickly, when the hub is out of reach

    return [dict(row) for row in load_dataset(source, CONFIG, split="test")], f"{source} ({CONFIG})"


def _from_mclm(langs: list[str], source: str, limit: int | None) -> list[Example]:
    rows, label = _mclm_rows(source)
    if not rows:
        raise XlingError(f"{label}: no rows")
    columns = set(rows[0])
    if "answer" not in columns:
        raise XlingError(f"{label}: no 'answer' column (columns: {', '.join(sorted(columns))})")
    missing = [f"{lang} (column {COLUMN.get(lang, lang)!r})" for lang in langs
               if COLUMN.get(lang, lang) not in columns]
    if missing:
        raise XlingError(f"{label}: no column for {', '.join(missing)}; "
                         f"columns: {', '.join(sorted(columns))}")
    golds = [int_answer(row["answer"], f"{label} row {i}", 0, 999) for i, row in enumerate(rows)]
    examples: list[Example] = []
    for lang in langs:
        column = COLUMN.get(lang, lang)
        for i, row in enumerate(rows[:limit]):
            question = row[column]
            if not isinstance(question, str) or not question.strip():
                raise XlingError(f"{label} row {i}: column {column!r} is empty")
            examples.append(Example(
                id=f"maime2024-{lang}-{i}", parallel_id=f"maime2024-{i}", lang=lang,
                question=question, answer=golds[i], source="maime2024",
                meta={"source": label, "row": i},
            ))
    return examples


def _from_mmath(langs: list[str], folder: Path, limit: int | None) -> list[Example]:
    check_langs("maime2024 (MMATH AIME2024 fallback)", langs, FALLBACK_LANGS,
                f"; pass --source {HUB_ID} (or a local {FILE}) for the other languages")
    log.info("maime2024: using MMATH's AIME2024 rows from %s (languages %s only)",
             folder, " ".join(FALLBACK_LANGS))
    examples: list[Example] = []
    for lang, rows in load_rows(langs, folder, ("AIME2024",), limit).items():
        for row in rows:
            k = row["data_source_id"]
            examples.append(Example(
                id=f"maime2024-{lang}-{k}", parallel_id=f"maime2024-{k}", lang=lang,
                question=row["question"],
                answer=int_answer(row["answer"], f"{folder / f'{lang}.json'} gid {row['gid']}", 0, 999),
                source="maime2024",
                meta={"source": f"mmath:{folder}", "gid": row["gid"], "data_source_id": k},
            ))
    return examples


def langs_for(source: str | None) -> tuple[str, ...]:
    """The staged MMATH fallback has six languages; MCLM (hub or a local parquet) has all."""
    if source is None:
        from xling.data.sources import resolve_source

        try:
            folder, _ = resolve_source(None, "mmath", HUB_ID)
        except XlingError:
            return LANGS
        return FALLBACK_LANGS if folder is not None else LANGS
    path = Path(source).expanduser()
    if path.is_dir() and not (path / FILE).is_file() and any(path.glob("*.json")):
        return FALLBACK_LANGS
    return LANGS


def load(langs: list[str], source: str | None = None, limit: int | None = None) -> list[Example]:
    """Load MT-AIME2024 problems for ``langs`` (all must be in ``LANGS``).

    Args:
        source: ``"amphora/MCLM"``, a local MT-AIME2024 parquet (or a folder holding it), a folder
            of MMATH ``<lang>.json`` files, or None (the staged MMATH AIME2024 rows: en zh es fr
            ja th only; falls back to the hub when nothing is staged).
        limit: keep the first N problems per language (the same N in every language).

    Raises:
        XlingError: a language the benchmark or the chosen source lacks (naming what it has),
            a missing column, or a gold that is not an integer in 0..999 (row named).
    """
    check_langs("maime2024", langs, LANGS)
    from xling.data.sources import resolve_source

    folder, hub = resolve_source(source, "mmath", HUB_ID)
    if hub is not None:
        return _from_mclm(langs, hub, limit)
    assert folder is not None
    if folder.is_file() or (folder / FILE).is_file():
        return _from_mclm(langs, str(folder), limit)
    if any(folder.glob("*.json")):
        return _from_mmath(langs, folder, limit)
    raise XlingError(f"{folder}: neither {FILE} (MCLM layout) nor MMATH <lang>.json files")


MAIME2024 = Benchmark(
    name="maime2024", load=load, scorer=SCORER, langs=LANGS, langs_for=langs_for,
    doc="MAIME2024: AIME 2024 in the study languages (MCLM's MT-AIME2024; offline: MMATH's "
        "AIME2024 rows).",
    headline=Headline("pass@k", k=16, name="pass@16 (study A)"),
    sources=(Source(f"hub {HUB_ID} (MT-AIME2024) or a local {FILE}", LANGS),
             Source("staged mmath/ AIME2024 rows (the offline default)", FALLBACK_LANGS)),
    protocols={AUTHORS: Protocol(
        prompt=authors.mclm, scorer="math",
        describe="MCLM: the question, then 'Return your response in \\\\boxed{} format.' (its "
                 "system prompt, joined as for models without one; "
                 + authors.source_of("maime2024") + ")",
        extraction="Math-Verify parse of the whole response; correct if it verifies or a parsed "
                   "value is a substring of the gold or the gold of it",
        differences="xling does not accept substrings either way: that rule accepts 2 for 204")},
)
"""The MAIME2024 benchmark (registry name ``maime2024``)."""
