"""MGSM (Shi et al., 2022, arXiv 2210.03057): 250 grade-school problems x 11 languages.

Stage: data. Gives Examples with parallel_id = problem index (line i is the same problem in every
language); scored by scoring.math. Source: a folder of ``mgsm_<lang>.tsv`` files (default: the
staged copy of google-research/url-nlp @ 452a21a, CC BY 4.0) or the hub dataset
``juletxara/mgsm`` (needs internet and the ``datasets`` package). Version 1.

Malformed rows are errors naming ``file:line`` (1-based; ``<hub id> <lang> test row N`` for hub
rows), never scored as ordinary wrong answers: an empty question, a gold answer that is empty
or not a number (``abc``), a wrong column count, invalid UTF-8. (Golds with a thousands comma,
4 per language, are numbers: ``114,200`` -> ``114200``.)
Try:  xling eval --model ./tiny --benchmark mgsm --langs de --limit 5
"""

from __future__ import annotations

from pathlib import Path

from xling.data.benchmarks import AUTHORS, Benchmark, Headline, Protocol, Source, authors
from xling.data.io import check_number_answer, check_text, read_tsv_numbered
from xling.languages import get_language
from xling.schema import Example, XlingError

SCORER = "math"
LANGS: tuple[str, ...] = ("en", "zh", "de", "es", "fr", "ja", "ru", "th", "sw", "bn", "te")
HUB_ID = "juletxara/mgsm"


def _from_dir(folder: Path, lang: str) -> list[tuple[str, str, str]]:
    """``(question, gold, where)`` per row; ``where`` is ``file:line`` (1-based)."""
    path = folder / f"mgsm_{lang}.tsv"
    return [(q, a, f"{path}:{line}") for line, (q, a) in read_tsv_numbered(path, n_columns=2)]


def _from_hub(hub_id: str, lang: str) -> list[tuple[str, str, str]]:
    from xling.hub import load_dataset  # one line, quickly, when the hub is out of reach

    ds = load_dataset(hub_id, lang, split="test")
    return [(row["question"], str(row["answer_number"]), f"{hub_id} {lang} test row {i + 1}")
            for i, row in enumerate(ds)]


def load(langs: list[str], source: str | None = None, limit: int | None = None) -> list[Example]:
    """Load MGSM test problems for ``langs`` (all must be in ``LANGS``).

    Args:
        source: a folder with ``mgsm_<lang>.tsv``, a hub id, or None (staged copy, else the hub,
            logged).
        limit: keep the first N problems per language (the same N problems in every language).
    """
    for lang in langs:
        get_language(lang)
        if lang not in LANGS:
            raise XlingError(f"MGSM has no language {lang!r}; it has: {', '.join(LANGS)}")
    from xling.data.sources import resolve_source

    # A staged copy, else the hub (logged); a local-looking source that does not exist is an
    # immediate error, never a slow hub retry.
    folder, hub = resolve_source(source, "mgsm", HUB_ID)
    if folder is not None and not folder.is_dir():
        raise XlingError(f"MGSM source {folder} is a file; pass the folder holding mgsm_<lang>.tsv")
    source = hub
    examples: list[Example] = []
    for lang in langs:
        rows = _from_dir(folder, lang) if folder is not None else _from_hub(str(source), lang)
        for i, (question, answer, where) in enumerate(rows[:limit]):
            check_text(question, "question", where)  # raises when empty; the text is kept as is
            # 4 golds carry a thousands comma in every language ('114,200'): the integer, and
            # the string as the dataset writes it (an oracle echoing it must score correct).
            gold = check_number_answer(answer, where)
            examples.append(Example(
                id=f"mgsm-{lang}-{i}", parallel_id=f"mgsm-{i}", lang=lang,
                question=question, answer=gold, source="mgsm",
                meta={"gold_as_written": answer.strip()} if answer.strip() != gold else {},
            ))
    return examples


MGSM = Benchmark(
    name="mgsm", load=load, scorer=SCORER, langs=LANGS,
    doc="MGSM: 250 grade-school problems, human-translated from GSM8K into 10 languages + te.",
    headline=Headline("runs", runs=6, name="accuracy, mean over 6 runs (study A)"),
    sources=(Source("staged mgsm/ (google-research/url-nlp @ 452a21a)", LANGS),
             Source(f"hub {HUB_ID}", LANGS)),
    protocols={AUTHORS: Protocol(
        prompt=authors.mgsm_native_cot, scorer="math-lenient",
        describe="lm-eval mgsm_native_cot, 0-shot: '<question word> <question>\\n<step-by-step "
                 "cue>' in the question's language (" + authors.source_of("mgsm") + ")",
        extraction="strict: the first 'The answer is N' of the language; flexible: the last "
                   "number; exact match with punctuation stripped",
        differences="xling reads the last answer phrase, else the last number (math-lenient), "
                    "with numbers read per language; lm-eval's punctuation-stripping exact match "
                    "accepts 1.5 for 15 and -18 for 18")},
)
"""The MGSM benchmark (registry name ``mgsm``)."""
