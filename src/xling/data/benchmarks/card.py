"""A benchmark described by a YAML card: one data file per language, no code.

Stage: data. ``xling eval --benchmark path/to/card.yaml`` evaluates it like a registered
benchmark; results are stored under the card's ``name`` (``eval/<name>.parquet``). The card names
one file per language (jsonl, json, csv, tsv or parquet; paths relative to the card), which
columns hold the question, the answer and optionally an id, options, a solution and extra fields,
the scorer (``xling.scoring.SCORERS``) and optionally a prompt template. Items are aligned across
languages by the id field (``align: id``) or by position (``align: line``). Everything is checked
when the card is loaded, before a model is: an unknown key or scorer, a missing file, a row
without a field, a duplicate id, an empty question, an answer its scorer cannot read, languages
whose ids differ; each is one ``XlingError`` naming the card key, or the data file, line and field.
The translation pipeline (``xling.translate``) writes its output as a card (``write_card``).
Version 1.
Try:  xling eval --model ./tiny --benchmark my-bench/card.yaml --langs en,de --limit 5

>>> import tempfile, pathlib, json
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> for lang, q in {"en": "1+1?", "de": "1+1=?"}.items():
...     _ = (d / f"{lang}.jsonl").write_text(json.dumps({"q": q, "a": 2}) + "\\n")
>>> card = write_card(d / "card.yaml", name="tiny-sums", files={"en": "en.jsonl", "de": "de.jsonl"},
...                   fields={"question": "q", "answer": "a"}, align="line")
>>> [(e.lang, e.answer, e.parallel_id) for e in card_benchmark(card).load(["de"])]
[('de', '2', 'tiny-sums-0')]
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xling.data.benchmarks import Benchmark, Headline, Source
from xling.languages import CHOICE_LETTERS, ENGLISH_INSTRUCTION, get_language
from xling.registry import is_dotted
from xling.schema import Example, XlingError

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("jsonl", "json", "csv", "tsv", "parquet")
"""Data file formats; ``json`` and ``jsonl`` files may hold a JSON array or JSON lines."""
SUFFIX_FORMATS = {".jsonl": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv",
                  ".parquet": "parquet"}
REQUIRED_KEYS: tuple[str, ...] = ("name", "files", "fields")
OPTIONAL_KEYS: tuple[str, ...] = ("format", "scorer", "align", "prompt", "paper_metric", "parallel")
INFO_KEYS: tuple[str, ...] = ("description", "license", "citation", "version", "provenance")
"""Free-form keys kept in ``Card.info`` (provenance: any mapping, e.g. the translation run)."""
ALLOWED_KEYS: tuple[str, ...] = REQUIRED_KEYS + OPTIONAL_KEYS + INFO_KEYS
ROLES: tuple[str, ...] = ("question", "answer", "id", "choices", "solution")
"""Field roles with a meaning; any other role is copied into ``Example.meta`` under its name."""
ALIGNS: tuple[str, ...] = ("id", "line")
PLACEHOLDERS: tuple[str, ...] = ("question", "choices", "instruction")
"""Prompt template slots (besides the meta roles); ``{instruction}`` follows ``--prompt-style``."""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Card:
    """A validated benchmark card (see the module docstring and the README for every key)."""

    name: str
    """Results name: ``eval/<name>.parquet``, ``metrics.json`` key, Example id prefix."""
    path: Path
    """The card file (absolute)."""
    format: str
    """One of ``FORMATS`` (all files share it)."""
    files: dict[str, Path]
    """ISO 639-1 code -> absolute data file, in the card's order."""
    fields: dict[str, str]
    """Role -> column: question, answer (required); id, choices, solution, meta roles (optional)."""
    scorer: str
    """One of ``xling.scoring.SCORERS``."""
    align: str
    """``id`` (items matched by the id field) or ``line`` (by position in each file)."""
    prompt: str | None
    """Template with ``{question}`` (and ``{choices}``, ``{instruction}``, meta roles), or None
    for xling's default prompt."""
    paper_metric: str
    """What the paper reports (the report names it in the table header)."""
    parallel: bool = True
    """The languages hold the same items (translations): an item whose gold answer differs
    between languages gets a warning naming it. False = the languages may hold different items."""
    info: dict[str, Any] = field(default_factory=dict, compare=False)
    """The free-form keys (``INFO_KEYS``) as written."""


# ---- the card file ----------------------------------------------------------------------------

def _fail(card_path: Path, key: str, message: str) -> XlingError:
    return XlingError(f"{card_path}: key '{key}': {message}")


def _str_key(raw: dict[str, Any], key: str, card_path: Path, default: str | None = None) -> str | None:
    value = raw.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(card_path, key, f"must be a non-empty string, got {value!r}")
    return value.strip()


def _card_from_mapping(raw: Any, card_path: Path, check_files: bool = True) -> Card:
    """Validate the card's keys (not the rows); ``check_files`` also requires each file to exist."""
    from xling.scoring import get_scorer

    if not isinstance(raw, dict):
        raise XlingError(f"{card_path}: a card must be a YAML mapping of keys, got {type(raw).__name__}")
    unknown = [str(k) for k in raw if k not in ALLOWED_KEYS]
    if unknown:
        raise _fail(card_path, unknown[0], f"unknown key; allowed: {', '.join(ALLOWED_KEYS)}")
    for key in REQUIRED_KEYS:
        if key not in raw:
            raise _fail(card_path, key, "missing (required: name, files, fields)")

    name = _str_key(raw, "name", card_path)
    if not _NAME.fullmatch(name):
        raise _fail(card_path, "name", f"{name!r} must be letters, digits, '.', '_' or '-' "
                    "(it names the results file)")
    from xling.data.benchmarks import BENCHMARKS

    if name in BENCHMARKS:
        raise _fail(card_path, "name", f"{name!r} is a built-in benchmark; choose another name "
                    "so the two never share a results file")

    files_raw = raw["files"]
    if not isinstance(files_raw, dict) or not files_raw:
        raise _fail(card_path, "files", "must be a mapping of language code -> file path")
    files: dict[str, Path] = {}
    for lang, rel in files_raw.items():
        try:
            get_language(str(lang))
        except XlingError as exc:
            raise _fail(card_path, f"files.{lang}", str(exc)) from None
        if not isinstance(rel, str) or not rel.strip():
            raise _fail(card_path, f"files.{lang}", f"must be a file path, got {rel!r}")
        path = Path(rel).expanduser()
        path = (path if path.is_absolute() else card_path.parent / path).resolve()
        if check_files and not path.is_file():
            raise _fail(card_path, f"files.{lang}", f"file not found: {path}")
        files[str(lang)] = path

    fmt = _str_key(raw, "format", card_path)
    if fmt is not None and fmt not in FORMATS:
        raise _fail(card_path, "format", f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    by_suffix = {lang: SUFFIX_FORMATS.get(p.suffix.lower()) for lang, p in files.items()}
    family = {"json": "jsonl"}  # one reader takes both (a JSON array or JSON lines)
    if fmt is None:
        unknown = [lang for lang, kind in by_suffix.items() if kind is None]
        if unknown:
            raise _fail(card_path, "format", f"missing, and the suffix of {files[unknown[0]].name} "
                        f"(files.{unknown[0]}) does not say it; set one of: {', '.join(FORMATS)}")
        fmt = next(iter(by_suffix.values()))
    kinds = {family.get(k, k) for k in (*by_suffix.values(), fmt) if k is not None}
    if len(kinds) > 1:
        listed = ", ".join(f"{files[lang].name} is {kind}" for lang, kind in by_suffix.items()
                           if kind is not None)
        raise _fail(card_path, "files", f"the files are of different formats ({listed}"
                    + (f"; format: {fmt}" if raw.get("format") else "") + "): every file of a "
                    "card has the card's one format; convert them, or write a card per format")

    fields_raw = raw["fields"]
    if not isinstance(fields_raw, dict):
        raise _fail(card_path, "fields", "must be a mapping of role -> column name")
    fields: dict[str, str] = {}
    for role, column in fields_raw.items():
        if not isinstance(column, str) or not column:
            raise _fail(card_path, f"fields.{role}", f"must be a column name, got {column!r}")
        if not re.fullmatch(r"\w+", str(role)):
            raise _fail(card_path, f"fields.{role}", "a role is a word (letters, digits, '_')")
        fields[str(role)] = column

    scorer = _str_key(raw, "scorer", card_path, "math")
    try:
        get_scorer(scorer)  # a kind of scoring.SCORERS, or a dotted path to the user's own
    except XlingError as exc:
        raise _fail(card_path, "scorer", str(exc)) from None
    needed = ("question",) if scorer == "ifeval" else ("question", "answer")
    for role in needed:
        if role not in fields:
            raise _fail(card_path, "fields", f"missing the {role!r} role (known roles: "
                        f"{', '.join(ROLES)}; others are kept as meta)")

    align = _str_key(raw, "align", card_path, "id" if "id" in fields else "line")
    if align not in ALIGNS:
        raise _fail(card_path, "align", f"unknown align {align!r}; known: {', '.join(ALIGNS)}")
    if align == "id" and "id" not in fields:
        raise _fail(card_path, "align", "'id' needs an id role in fields (or use align: line)")

    prompt = raw.get("prompt")
    if prompt is not None:
        if not isinstance(prompt, str) or "{question}" not in prompt:
            raise _fail(card_path, "prompt", "must be a template string containing {question}")
        meta_roles = [r for r in fields if r not in ROLES]
        for slot in _SLOT.findall(prompt):
            if slot in ("answer", "solution"):
                raise _fail(card_path, "prompt", f"{{{slot}}} would put the gold {slot} in the prompt")
            if slot not in PLACEHOLDERS and slot not in meta_roles:
                raise _fail(card_path, "prompt", f"unknown placeholder {{{slot}}}; known: "
                            + ", ".join(f"{{{s}}}" for s in (*PLACEHOLDERS, *meta_roles)))
        if "choices" in fields and "{choices}" not in prompt:
            raise _fail(card_path, "prompt", "the card has a choices field but the template has no "
                        "{choices}: the model would never see the options")

    paper_metric = _str_key(raw, "paper_metric", card_path, "accuracy")
    parallel = raw.get("parallel", True)
    if not isinstance(parallel, bool):
        raise _fail(card_path, "parallel", f"must be true or false, got {parallel!r}")
    info = {k: raw[k] for k in INFO_KEYS if k in raw}
    return Card(name=name, path=card_path, format=fmt, files=files, fields=fields, scorer=scorer,
                align=align, prompt=prompt, paper_metric=paper_metric, parallel=parallel, info=info)


def _read_card_file(path: str | Path) -> Card:
    from xling.data.io import read_yaml

    card_path = Path(path).expanduser().resolve()
    if not card_path.is_file():
        raise XlingError(f"card file not found: {path}")
    return _card_from_mapping(read_yaml(card_path), card_path)  # a key twice: file:line


# ---- the data files ---------------------------------------------------------------------------

def _json_rows(path: Path) -> Iterator[tuple[str, Any]]:
    """(location, row) of a JSON array (``file item N``) or a JSON-lines file (``file:line``)."""
    from xling.data.io import read_text

    text = read_text(path)  # bytes that are not UTF-8: file:line
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise XlingError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
        for i, row in enumerate(items, start=1):
            yield f"{path} item {i}", row
        return
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise XlingError(f"{path}:{lineno}: invalid JSON ({exc.msg}); a json/jsonl file holds "
                             "one object per line or one array of objects") from None
        yield f"{path}:{lineno}", row


def _table_rows(path: Path, fmt: str) -> Iterator[tuple[str, Any]]:
    """(location, row) of a csv/tsv file with a header line, or of a parquet file."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises several types for a non-parquet file
            raise XlingError(f"{path}: not a readable parquet file ({exc})") from None
        for i, row in enumerate(table.to_pylist(), start=1):
            yield f"{path} row {i}", row
        return
    from xling.data.io import read_text

    with io.StringIO(read_text(path), newline="") as fh:  # bytes that are not UTF-8: file:line
        reader = csv.DictReader(fh, delimiter="\t" if fmt == "tsv" else ",")
        if reader.fieldnames is None:
            return
        header = reader.fieldnames
        for row in reader:
            where = f"{path}:{reader.line_num}"
            extra = row.pop(None, None)  # DictReader: surplus cells under None, missing ones None
            if extra or None in row.values():
                got = len(header) + len(extra) if extra else sum(v is not None for v in row.values())
                raise XlingError(f"{where}: expected {len(header)} {fmt} columns "
                                 f"({', '.join(header)}), got {got}")
            yield where, row


def _rows(path: Path, fmt: str) -> Iterator[tuple[str, Any]]:
    from xling.data.sources import note_read

    note_read(path)  # provenance, whatever the file's name (a card may name any file)
    rows = _json_rows(path) if fmt in ("json", "jsonl") else _table_rows(path, fmt)
    for where, row in rows:
        if not isinstance(row, dict):
            raise XlingError(f"{where}: expected an object with named fields, got {type(row).__name__}")
        yield where, row


def _scalar(value: Any, where: str, column: str, role: str) -> str:
    """A str/int/float field as a stripped string (ints normalised: ``7`` -> ``"7"``)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise XlingError(f"{where}: field '{column}' (fields.{role}) must be text or a number, "
                         f"got {type(value).__name__}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def option_texts(value: Any, where: str, column: str) -> tuple[str, ...]:
    """A row's options (a list, or a JSON-encoded list in csv/tsv) as 2-10 non-empty strings.

    Raises:
        XlingError: naming ``where`` (file:line) and ``column``.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise XlingError(f"{where}: field '{column}' (fields.choices) must be a list or a "
                             f"JSON-encoded list of option texts, got {value[:60]!r}") from None
    if not isinstance(value, list | tuple) or not 2 <= len(value) <= len(CHOICE_LETTERS):
        raise XlingError(f"{where}: field '{column}' (fields.choices) must be a list of 2 to "
                         f"{len(CHOICE_LETTERS)} options, got {value!r:.80}")
    options = tuple(_scalar(v, where, column, "choices") for v in value)
    if not all(options):
        raise XlingError(f"{where}: field '{column}' (fields.choices) has an empty option")
    return options


def gold_answer(raw: Any, scorer: str, choices: tuple[str, ...] | None, where: str,
                column: str = "answer") -> str:
    """The gold answer as ``scorer`` will read it (a card's rule; ``xling translate`` checks its
    input rows with it before any request).

    Raises:
        XlingError: empty, not an option letter (choice), or not a parsable math answer, naming
            ``where`` (file:line) and ``column``.
    """
    if scorer == "ifeval":
        return "" if raw is None else _scalar(raw, where, column, "answer")
    gold = _scalar(raw, where, column, "answer")
    bad = f"{where}: field '{column}' (fields.answer)"
    if not gold:
        raise XlingError(f"{bad} is empty")
    if scorer == "choice":
        valid = CHOICE_LETTERS[:len(choices)] if choices else CHOICE_LETTERS
        if gold.upper() not in valid or len(gold) != 1:
            raise XlingError(f"{bad}: {gold!r} is not an option letter {valid[0]}-{valid[-1]}")
        return gold.upper()
    if is_dotted(scorer):  # a user's scorer (a dotted path) reads its own gold answers
        return gold
    from xling.data.benchmarks.mmath import latex_answer
    from xling.scoring.math import extract_span
    from xling.scoring.numbers import normalize

    _, malformed = latex_answer(gold)
    span, _ = extract_span("\\boxed{" + gold + "}", "en")
    if malformed or span is None or not normalize(span, "en")[0]:
        raise XlingError(f"{bad}: {gold[:80]!r} does not parse as a math answer "
                         "(unbalanced braces or $, or nothing left after normalisation)")
    return gold


def _read_language(card: Card, lang: str) -> list[tuple[str, Example]]:
    """(location, Example) for every row of one language's file, checked field by field."""
    path, fields = card.files[lang], card.fields
    out: list[tuple[str, Example]] = []
    first_seen: dict[str, str] = {}
    for index, (where, row) in enumerate(_rows(path, card.format)):
        for role, column in fields.items():
            if column not in row:
                have = ", ".join(map(str, row)) or "none"
                raise XlingError(f"{where}: missing field '{column}' (fields.{role}); the row has: {have}")
        question = row[fields["question"]]
        if not isinstance(question, str) or not question.strip():
            raise XlingError(f"{where}: field '{fields['question']}' (fields.question) is empty "
                             "or not text")
        item_id = str(index)
        if "id" in fields:
            item_id = _scalar(row[fields["id"]], where, fields["id"], "id")
            if not item_id:
                raise XlingError(f"{where}: field '{fields['id']}' (fields.id) is empty")
            if item_id in first_seen:
                raise XlingError(f"{where}: field '{fields['id']}' (fields.id): duplicate id "
                                 f"{item_id!r} (first at {first_seen[item_id]})")
            first_seen[item_id] = where
        choices = option_texts(row[fields["choices"]], where, fields["choices"]) if "choices" in fields else None
        answer = gold_answer(row.get(fields.get("answer", "")), card.scorer, choices, where,
                         fields.get("answer", "answer"))
        solution = row.get(fields["solution"]) if "solution" in fields else None
        if solution is not None and not isinstance(solution, str):
            raise XlingError(f"{where}: field '{fields['solution']}' (fields.solution) must be text")
        meta = {role: row[column] for role, column in fields.items() if role not in ROLES}
        out.append((where, Example(
            id=f"{card.name}-{lang}-{item_id}", parallel_id=f"{card.name}-{item_id}", lang=lang,
            question=question, answer=answer, solution=solution, choices=choices,
            source=card.name, meta=meta,
        )))
    if not out:
        raise XlingError(f"{path}: no rows (files.{lang} in {card.path})")
    return out


def _ids_text(ids: list[str], most: int = 8) -> str:
    shown = ", ".join(ids[:most])
    return shown + (f", ... ({len(ids)} in all)" if len(ids) > most else "")


def _align(card: Card, per_lang: dict[str, list[tuple[str, Example]]]) -> dict[str, list[Example]]:
    """Every language's Examples in the first language's order, with matching parallel ids."""
    first, *others = card.files
    if card.align == "line":
        counts = {lang: len(rows) for lang, rows in per_lang.items()}
        if len(set(counts.values())) > 1:
            listed = ", ".join(f"{lang} ({card.files[lang].name}) {n}" for lang, n in counts.items())
            raise XlingError(f"{card.path}: key 'align': line needs the same number of rows in "
                             f"every file; rows: {listed} (or name an id field to align by id)")
        # Items are matched by position: parallel_id is the row index, whatever the ids say.
        return {lang: [_with_parallel(ex, f"{card.name}-{i}") for i, (_, ex) in enumerate(rows)]
                for lang, rows in per_lang.items()}
    order = [ex.parallel_id for _, ex in per_lang[first]]
    in_first = set(order)
    prefix = len(card.name) + 1
    aligned = {first: [ex for _, ex in per_lang[first]]}
    for lang in others:
        by_id = {ex.parallel_id: ex for _, ex in per_lang[lang]}
        missing = [pid[prefix:] for pid in order if pid not in by_id]
        extra = [pid[prefix:] for pid in by_id if pid not in in_first]
        if missing or extra:
            parts = ([f"lacks ids {_ids_text(missing)}"] if missing else []) + \
                    ([f"has ids not in {first}: {_ids_text(extra)}"] if extra else [])
            raise XlingError(f"{card.files[lang]}: field '{card.fields['id']}' (fields.id): "
                             f"{lang} {'; '.join(parts)} (compared with {card.files[first].name})")
        aligned[lang] = [by_id[pid] for pid in order]
    return aligned


def _with_parallel(ex: Example, parallel_id: str) -> Example:
    from dataclasses import replace

    return replace(ex, parallel_id=parallel_id)


def _load_all(card: Card) -> dict[str, list[Example]]:
    aligned = _align(card, {lang: _read_language(card, lang) for lang in card.files})
    if card.parallel and card.scorer != "ifeval":
        _warn_differing_golds(card, aligned)
    return aligned


_WARNED: set[str] = set()


def _warn_differing_golds(card: Card, aligned: dict[str, list[Example]]) -> None:
    """Warn (once per card and finding) when an item's gold answer is not the same in every
    language: in a parallel card, "A" in fr and "B" in en is a translation or export error."""
    from xling.scoring.numbers import normalize

    def same(a: str, b: str) -> bool:
        return a.split() == b.split() or normalize(a, "en")[0] == normalize(b, "en")[0]

    first, *others = aligned
    differing = []
    for i, ex in enumerate(aligned[first]):
        golds = {lang: aligned[lang][i].answer for lang in others}
        if any(not same(ex.answer, gold) for gold in golds.values()):
            shown = ", ".join(f"{lang}: {gold}" for lang, gold in {first: ex.answer, **golds}.items())
            differing.append(f"{ex.parallel_id[len(card.name) + 1:]} ({shown})")
    if not differing:
        return
    text = (f"{card.path}: the gold answer differs between languages for {len(differing)} "
            f"item(s): {_ids_text(differing, most=5)}; items of a parallel card have one answer "
            "(set parallel: false if its languages hold different items)")
    if text not in _WARNED:
        _WARNED.add(text)
        log.warning("%s", text)


# ---- public API ------------------------------------------------------------------------------

CARD_SUFFIXES: tuple[str, ...] = (".yaml", ".yml")
CARD_FILE = "card.yaml"
"""The card's name inside a folder that is a card (``xling translate``'s output)."""


def is_card_path(path: str | Path) -> bool:
    """Whether ``path`` names a benchmark card (a ``.yaml``/``.yml`` file, any case) rather than
    a registered benchmark, pool or data file; the one test for it.

    >>> is_card_path("runs/mgsm-mt/card.YAML"), is_card_path("mgsm")
    (True, False)
    """
    return Path(path).suffix.lower() in CARD_SUFFIXES


def find_card(path: str | Path) -> Path | None:
    """The card ``path`` stands for: ``path`` itself when it names a card (``is_card_path``,
    whether or not it exists), ``path/card.yaml`` for a folder holding one, else None."""
    path = Path(path)
    if is_card_path(path):
        return path
    if path.is_dir() and (path / CARD_FILE).is_file():
        return path / CARD_FILE
    return None


def load_card(path: str | Path) -> Card:
    """Read and validate a card and every row of its data files.

    Raises:
        XlingError: one line naming the card file and key, or the data file, line and field.
    """
    card = _read_card_file(path)
    _load_all(card)
    return card


def _template_prompt(template: str, example: Example, style: str) -> str:
    """Fill ``template``'s slots in one pass (text inside the question is never re-filled)."""
    language = get_language(example.lang)
    instruction = {"standard": language.instruction, "english": ENGLISH_INSTRUCTION,
                   "consistency": f"{language.instruction} {language.consistency}"}
    if style not in instruction:
        from xling.languages import PROMPT_STYLES

        raise XlingError(f"unknown prompt style {style!r}; known: {', '.join(PROMPT_STYLES)}")
    values = {"question": example.question, "instruction": instruction[style],
              "choices": "\n".join(f"{CHOICE_LETTERS[i]}. {text}"
                                   for i, text in enumerate(example.choices or ()))}
    values.update({k: str(v) for k, v in example.meta.items()})
    return _SLOT.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def card_benchmark(path: str | Path) -> Benchmark:
    """The card at ``path`` as a ``Benchmark`` (named by the card's ``name``, the name its
    results are stored under; ``prompt`` when the card has a template). Validates everything
    now, rows included."""
    card = _read_card_file(path)
    examples = _load_all(card)
    langs = tuple(card.files)

    def load(langs_wanted: list[str], source: str | None = None,
             limit: int | None = None) -> list[Example]:
        """The card's items in ``langs_wanted``; ``limit`` keeps the first N (same in every lang)."""
        if source is not None:
            raise XlingError(f"{card.name}: a card benchmark reads the files its card names "
                             f"({card.path}); --source is not used")
        for lang in langs_wanted:
            get_language(lang)
            if lang not in langs:
                raise XlingError(f"{card.name} has no language {lang!r}; it has: {', '.join(langs)} "
                                 f"(files in {card.path})")
        return [ex for lang in langs_wanted for ex in examples[lang][:limit]]

    template = card.prompt
    return Benchmark(
        name=card.name, load=load, scorer=card.scorer, langs=langs,
        doc=str(card.info.get("description", "")),
        headline=Headline(name=card.paper_metric) if card.paper_metric != "accuracy" else Headline(),
        sources=(Source(f"card {card.path}", langs),), card=card,
        prompt=(None if template is None
                else lambda example, style: _template_prompt(template, example, style)),
    )


def write_card(path: str | Path, *, name: str, files: dict[str, str], fields: dict[str, str],
               scorer: str = "math", format: str = "jsonl", align: str = "id",
               prompt: str | None = None, paper_metric: str = "accuracy", **extra: Any) -> Path:
    """Write a card YAML (keys checked now; rows are checked by ``load_card``).

    Args:
        files: language -> data file path, relative to the card's folder (or absolute).
        fields: role -> column (see ``Card.fields``).
        align: "id" needs an ``id`` role in ``fields``; use "line" otherwise.
        extra: free-form keys (``INFO_KEYS``: description, license, citation, version, provenance).

    Returns:
        The card path.

    Raises:
        XlingError: an invalid key (the data files need not exist yet).
    """
    import yaml

    from xling.data.io import atomic_write_text

    card_path = Path(path).expanduser().resolve()
    raw: dict[str, Any] = {"name": name, "format": format, "files": dict(files),
                           "fields": dict(fields), "scorer": scorer, "align": align}
    if prompt is not None:
        raw["prompt"] = prompt
    raw["paper_metric"] = paper_metric
    raw.update(extra)
    _card_from_mapping(raw, card_path, check_files=False)
    text = yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return atomic_write_text(card_path, text)
