"""Parallel data by LLM translation, with every item checked: training pools and benchmark sets.

Stage: data (samples through ``xling.generate``, so the translator and the judge are any backend:
``openai`` for a vLLM/SGLang server or a hosted API, ``hf`` for a local checkpoint). Study A
translated GSM8K into zh/de with one model and had a stronger one check each item; study B
evaluates MATH500 / AIME24 / AIME25 / GPQA-Diamond in 11 languages from unpublished
translations. ``translate`` turns an English set (a benchmark or pool name, a card.yaml or a
jsonl file) into ``OUT/<lang>.jsonl`` + ``OUT/card.yaml`` (a benchmark card, so ``xling eval
--benchmark OUT/card.yaml`` and ``xling train --pool OUT`` read it) + ``OUT/summary.json``.

Each item's fields (question; solution; options) go to the translator in one tagged request
(``<question>..</question>``). The reply is checked, in this order, the first failure naming the
reason: ``error`` (backend failed), ``truncated`` (hit the token cap), ``format`` (tags missing),
then the rule checks ``CHECKS`` — ``language`` (language ID of the translation, and not a copy
of the original), ``length`` (prose length ratio against the language's typical ratio,
``Language.length_ratio``), ``numbers`` (every number of the original is in the translation, read with each
language's digits and separators by ``scoring.numbers``), ``answer`` (the solution's final
``\\boxed{}`` answer and the option count unchanged; the gold answer itself is copied, never
translated), ``latex`` (every math span and boxed content unchanged) — then, only if those
pass (so the expensive calls go to plausible translations), the ``judge`` (``--verify-model``: a
parsed ``VERDICT: yes|no`` with its reason) and ``backtranslation`` (``--min-chrf``: chrF of the
translation translated back, sacrebleu). A failing item is re-asked with the reasons as feedback
up to ``retries`` times, then dropped and listed with its reason: never silently kept or lost.

Every input row is checked before any request (as the card written at the end will be: an
empty question, an answer its scorer cannot read, bad options). Files: ``OUT/passed/<lang>.jsonl``
and ``OUT/dropped.jsonl`` are appended after every batch (a killed run restarts without
re-asking for any finished item); the config (``OUT/translate.json``) is recorded with the first
results, so a failed start blocks no corrected command. At the end ``OUT/<lang>.jsonl`` holds the
items that passed in *every* target language (parallel, in source order; the card needs the same
ids everywhere), written with ``card.yaml`` under a temporary name and moved into place only once
that card loads; ``summary.json`` the counts. Prompts are the files in
``translate_prompts/`` (``translate.txt``, ``retry.txt``, ``judge.txt``); pass a folder with
your own to replace any of them. Version 1.
Try:  xling translate --input mgsm --to de,zh --backend openai --base-url http://localhost:8000/v1 \\
          --model Qwen/Qwen2.5-72B-Instruct --limit 20 --out runs/translate/mgsm
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from xling.generate import Generator, SamplingParams, get_generator
from xling.languages import CHOICE_LETTERS, get_language, parse_langs
from xling.schema import Example, Generation, XlingError

log = logging.getLogger(__name__)

CHECKS: tuple[str, ...] = ("language", "length", "numbers", "answer", "latex")
"""The rule checks, in the order they are applied (the first failure is the drop reason)."""
FIELDS: tuple[str, ...] = ("question", "solution", "choices")
PROMPT_FILES: tuple[str, ...] = ("translate", "retry", "judge")
PROMPT_DIR = Path(__file__).with_name("translate_prompts")


# ---- configuration -----------------------------------------------------------------------------

@dataclass(frozen=True)
class TranslateConfig:
    """One translation run (everything but the input and the output folder)."""

    langs: tuple[str, ...]
    """Target languages; the source language among them is copied through untranslated."""
    model: str
    """Translator model (served name for openai, path / hub id for hf)."""
    backend: str = "openai"
    verify_model: str | None = None
    """Judge model; None = the rule checks alone decide (study A: a stronger model than ``model``)."""
    verify_backend: str | None = None
    """Backend of the judge; None = ``backend``."""
    source_lang: str = "en"
    fields: tuple[str, ...] = FIELDS
    """Which fields to translate when an item has them; the question always is. Options left
    out are copied untranslated (an item keeps its options); a solution left out is dropped."""
    checks: tuple[str, ...] = CHECKS
    """Rule checks to apply (a subset of ``CHECKS``)."""
    retries: int = 2
    """Re-asks with feedback after a failed first attempt (K); then the item is dropped."""
    concurrency: int = 8
    """Requests in flight at once (openai backend)."""
    batch_size: int = 32
    """Items per round; results are saved after each round (a kill loses at most one round)."""
    max_new_tokens: int = 2048
    temperature: float = 0.0
    seed: int = 0
    strict_numbers: bool = False
    """Also refuse numbers the translation adds (default: every original number must be kept;
    added ones are allowed, because translators write number words as digits — on MGSM's human
    Japanese only 81 of 250 questions have equal multisets, 240 keep every original number)."""
    length_bounds: tuple[float, float] = (0.4, 2.5)
    """Allowed (prose length ratio / the language's typical ratio)."""
    min_chrf: float | None = None
    """Back-translate and require chrF >= this (0-100) against the original; None = off (it
    doubles the translator's cost)."""
    prompts: str | None = None
    """Folder whose translate.txt / retry.txt / judge.txt replace the default prompts."""
    retry_dropped: bool = False
    """On a restart, re-ask items that an earlier run dropped (with fresh attempts)."""
    name: str | None = None
    """Card name (results are stored under it); default ``<source>-mt``."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "langs", tuple(parse_langs(list(self.langs))))
        get_language(self.source_lang)
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "checks", tuple(self.checks))
        object.__setattr__(self, "length_bounds", tuple(self.length_bounds))
        bad = [f for f in self.fields if f not in FIELDS]
        if bad or "question" not in self.fields:
            raise XlingError(f"fields must include 'question' and be among {', '.join(FIELDS)}; "
                             f"got {', '.join(self.fields)}")
        bad = [c for c in self.checks if c not in CHECKS]
        if bad:
            raise XlingError(f"unknown check {bad[0]!r}; known: {', '.join(CHECKS)} (the judge "
                             "runs with --verify-model, back-translation with --min-chrf)")
        if self.retries < 0 or self.concurrency < 1 or self.batch_size < 1:
            raise XlingError("need retries >= 0, concurrency >= 1 and batch_size >= 1")
        lo, hi = self.length_bounds
        if not 0 <= lo < 1 < hi:
            raise XlingError(f"length_bounds must satisfy 0 <= low < 1 < high, got {lo}, {hi}")
        if self.min_chrf is not None and not 0 <= self.min_chrf <= 100:
            raise XlingError(f"min_chrf is a chrF score in [0, 100], got {self.min_chrf}")

    def fingerprint(self, prompts: dict[str, str], source: str) -> dict[str, Any]:
        """What a finished item depends on; a restart with a different one is refused."""
        keep = ("model", "backend", "verify_model", "verify_backend", "source_lang", "fields",
                "checks", "max_new_tokens", "temperature", "seed", "strict_numbers",
                "length_bounds", "min_chrf")
        fp = {k: v for k, v in asdict(self).items() if k in keep}
        fp["prompts"] = {k: hashlib.sha256(v.encode()).hexdigest()[:16] for k, v in prompts.items()}
        fp["source"] = source
        return json.loads(json.dumps(fp))


def load_prompts(folder: str | Path | None = None) -> dict[str, str]:
    """The prompt templates: the defaults, each replaced by ``folder/<name>.txt`` if present.

    Templates use ``{source_language}``, ``{target_language}``, ``{lang}``, ``{source}`` (the
    tagged fields), ``{translation}`` (judge), ``{feedback}`` and ``{previous}`` (retry); other
    braces (``\\boxed{}``) are left as written.
    """
    prompts = {name: (PROMPT_DIR / f"{name}.txt").read_text(encoding="utf-8") for name in PROMPT_FILES}
    if folder is not None:
        folder = Path(folder)
        if not folder.is_dir():
            raise XlingError(f"prompt folder not found: {folder}")
        for name in PROMPT_FILES:
            if (folder / f"{name}.txt").is_file():
                prompts[name] = (folder / f"{name}.txt").read_text(encoding="utf-8")
    if "{source}" not in prompts["translate"]:
        raise XlingError("the translate prompt must contain {source}")
    if "{translation}" not in prompts["judge"]:
        raise XlingError("the judge prompt must contain {translation}")
    return prompts


def render(template: str, **values: str) -> str:
    """Fill ``{name}`` slots in one pass (text inside the values is never re-filled).

    >>> render("Put it in \\\\boxed{} ({lang}): {source}", lang="de", source="{lang}")
    'Put it in \\\\boxed{} (de): {lang}'
    """
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


# ---- input ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """What is translated: the items in the source language and what the card needs."""

    name: str
    examples: list[Example]
    scorer: str = "math"
    paper_metric: str = "accuracy"


def load_source(spec: str, lang: str = "en", limit: int | None = None,
                source: str | None = None) -> Source:
    """Resolve ``--input``: a card.yaml, a .jsonl file, ``pool:NAME``, ``benchmark:NAME`` or a
    bare name of ``xling.data.BENCHMARKS`` / ``xling.data.pools.POOLS``; ``source`` is a
    benchmark's own source (a folder or hub id, e.g. the folder holding ``gpqa_diamond.csv``).

    A jsonl row is ``{"question", "answer"}`` with optional ``id`` (default: the row's index),
    ``solution`` and ``choices`` (then scored as multiple choice).

    Raises:
        XlingError: unknown input, a name that is both a benchmark and a pool (prefix it), a
            malformed row (file:line) or duplicate ids.
    """
    from xling.data import BENCHMARKS, find_card, load_benchmark
    from xling.data.pools import POOLS, load_pool

    path = Path(spec).expanduser()
    if (card := find_card(path)) is not None:
        from xling.data.benchmarks.card import card_benchmark

        bench = card_benchmark(card)
        examples = bench.load([lang], limit=limit)
        source = Source(bench.name, examples, bench.scorer, bench.headline.label)
    elif path.suffix == ".jsonl":
        source = _jsonl_source(path, lang, limit)
    else:
        kind, _, name = spec.partition(":") if ":" in spec else ("", "", spec)
        if kind not in ("", "pool", "benchmark"):
            raise XlingError(f"--input {spec!r}: the prefix must be 'pool:' or 'benchmark:'")
        if not kind and name in BENCHMARKS and name in POOLS:
            raise XlingError(f"--input {name!r} is both a benchmark and a training pool; write "
                             f"benchmark:{name} or pool:{name}")
        if kind == "pool" or (not kind and name in POOLS):
            if name not in POOLS:
                raise XlingError(f"unknown pool {name!r}; known: {', '.join(POOLS)}")
            examples = load_pool(name, [lang])[:limit]
            source = Source(name, examples)
        elif name in BENCHMARKS:
            from xling.data import get_benchmark

            bench = get_benchmark(name)
            examples = load_benchmark(name, [lang], source=source, limit=limit)
            source = Source(name, examples, bench.scorer, bench.headline.label)
        else:
            raise XlingError(f"unknown --input {spec!r}: not a card.yaml, a .jsonl file, a "
                             f"benchmark ({', '.join(BENCHMARKS)}) or a pool ({', '.join(POOLS)})")
    if not source.examples:
        raise XlingError(f"--input {spec!r}: no items in {lang}")
    from xling.data.benchmarks.card import gold_answer

    for ex in source.examples:  # before any request: the card written at the end must load
        gold_answer(ex.answer, source.scorer, ex.choices, f"--input {spec}: item {ex.parallel_id}")
    seen = Counter(ex.parallel_id for ex in source.examples)
    dupes = [pid for pid, n in seen.items() if n > 1]
    if dupes:
        raise XlingError(f"--input {spec!r}: duplicate item ids {', '.join(dupes[:5])}")
    return source


def _jsonl_source(path: Path, lang: str, limit: int | None) -> Source:
    """A jsonl input, every row checked as the card written from it will be (file:line)."""
    from xling.data.benchmarks.card import gold_answer, option_texts
    from xling.data.io import read_jsonl_numbered

    rows = read_jsonl_numbered(path, required=("question", "answer"))[:limit]
    scorer = "choice" if any(row.get("choices") is not None for _, row in rows) else "math"
    examples = []
    for i, (lineno, row) in enumerate(rows):
        where = f"{path}:{lineno}"
        if not isinstance(row["question"], str) or not row["question"].strip():
            raise XlingError(f"{where}: field 'question' is empty or not text")
        choices = option_texts(row.get("choices"), where, "choices") if scorer == "choice" else None
        solution = row.get("solution")
        if solution is not None and not isinstance(solution, str):
            raise XlingError(f"{where}: field 'solution' must be text")
        pid = str(row.get("id", i))
        examples.append(Example(
            id=f"{path.stem}-{lang}-{pid}", parallel_id=pid, lang=lang, question=row["question"],
            answer=gold_answer(row["answer"], scorer, choices, where), solution=solution,
            choices=choices, source=path.stem))
    return Source(path.stem, examples, scorer)


def source_fields(example: Example, fields: tuple[str, ...] = FIELDS) -> dict[str, str]:
    """The texts to translate: ``question``, ``solution``, ``option_A``.. (when present and asked)."""
    out = {"question": example.question}
    if "solution" in fields and example.solution:
        out["solution"] = example.solution
    if "choices" in fields and example.choices:
        out.update({f"option_{CHOICE_LETTERS[i]}": text for i, text in enumerate(example.choices)})
    return out


def to_tagged(fields: dict[str, str]) -> str:
    """``{"question": "q"}`` -> ``"<question>\\nq\\n</question>"`` (one block per field)."""
    return "\n".join(f"<{key}>\n{text.strip()}\n</{key}>" for key, text in fields.items())


def parse_tagged(text: str, keys: list[str]) -> tuple[dict[str, str] | None, str]:
    """Read the tagged reply back: (fields, "") or (None, what is missing)."""
    out, missing = {}, []
    for key in keys:
        found = re.findall(rf"<{key}>(.*?)</{key}>", text, re.DOTALL)
        if not found or not found[-1].strip():
            missing.append(f"<{key}>")
        else:
            out[key] = found[-1].strip()
    if missing:
        return None, f"the reply lacks {', '.join(missing)} (each part must stay in its tags)"
    return out, ""


# ---- checks --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    """One check's outcome: ok True/False, or None when it does not apply (recorded as such)."""

    ok: bool | None
    detail: str = ""


def numbers_in(text: str, lang: str) -> Counter[str]:
    """Multiset of the numbers in ``text`` as canonical decimals, read the way ``lang`` writes
    them (native digits, grouping, decimal comma) by ``scoring.numbers``; ``.5`` counts as 0.5.

    >>> sorted(numbers_in("Sie zahlt 1.234,50 € für 3 Äpfel und .5 kg", "de").elements())
    ['0.5', '1234.5', '3']
    """
    from xling.scoring.numbers import _SPACES, NUMBER_SPAN, normalize, to_ascii_digits

    text = _SPACES.sub(" ", to_ascii_digits(text))
    text = re.sub(r"(?<![\d.,])\.(\d)", r"0.\1", text)
    out: Counter[str] = Counter()
    for m in NUMBER_SPAN.finditer(text):
        value, _ = normalize(m.group(0), lang)
        for num in re.findall(r"\d+(?:\.\d+)?", value):
            whole, _, frac = num.partition(".")
            out[(whole.lstrip("0") or "0") + (f".{frac}" if frac else "")] += 1
    return out


def check_numbers(src: dict[str, str], tr: dict[str, str], src_lang: str, lang: str,
                  strict: bool = False) -> Check:
    """Every number of each original field is in its translation (``strict``: and no more)."""
    problems = []
    for key, text in src.items():
        a, b = numbers_in(text, src_lang), numbers_in(tr[key], lang)
        missing, extra = a - b, (b - a if strict else Counter())
        if missing:
            problems.append(f"{key}: missing {', '.join(sorted(missing.elements()))}")
        if extra:
            problems.append(f"{key}: added {', '.join(sorted(extra.elements()))}")
    if problems:
        return Check(False, "numbers differ from the original (" + "; ".join(problems)
                     + "); keep every number in digits as written")
    return Check(True)


_MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)"
                   r"|(?<![\\$])\$(?![\s$])((?:\\\$|[^$])*?[^\s\\$])\$(?!\d)", re.DOTALL)
_TEXT_ARG = re.compile(r"\\(?:text|textbf|textit|textrm|mbox|mathrm)\s*\{[^{}]*\}")
_BOX = re.compile(r"\\(?:boxed|fbox)\s*\{")


def latex_spans(text: str) -> Counter[str]:
    """Multiset of math spans (``$..$``, ``$$..$$``, ``\\(..\\)``, ``\\[..\\]``; a ``$`` before a
    digit with no closing partner is a currency sign, not math) and ``\\boxed{}`` contents,
    whitespace removed and ``\\text{..}`` arguments blanked (their words may be translated).

    >>> sorted(latex_spans("costs $5 and $8, so $x = \\\\text{five}$ and \\\\boxed{13}"))
    ['boxed:13', 'math:x=\\\\text{}']
    """
    from xling.scoring.math import MAX_ANSWER_CHARS

    def norm(span: str) -> str:
        return re.sub(r"\s+", "", _TEXT_ARG.sub(lambda m: m.group(0).split("{")[0] + "{}", span))

    out: Counter[str] = Counter()
    for m in _MATH.finditer(text):
        out["math:" + norm(next(g for g in m.groups() if g is not None))] += 1
    for m in _BOX.finditer(text):
        depth, i = 1, m.end()
        while depth and i < min(len(text), m.end() + MAX_ANSWER_CHARS):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out["boxed:" + norm(text[m.end():i - 1] if depth == 0 else text[m.end():])] += 1
    return out


def check_latex(src: dict[str, str], tr: dict[str, str]) -> Check:
    """Math spans and boxed contents of each field unchanged (as multisets)."""
    problems = []
    for key, text in src.items():
        a, b = latex_spans(text), latex_spans(tr[key])
        if a != b:
            lost, new = sorted((a - b).elements()), sorted((b - a).elements())
            problems.append(f"{key}: " + "; ".join(
                ([f"lost {', '.join(lost)}"] if lost else [])
                + ([f"changed or added {', '.join(new)}"] if new else [])))
    if problems:
        return Check(False, "LaTeX or \\boxed{} spans changed (" + " | ".join(problems)
                     + "); copy them exactly")
    return Check(True)


def check_answer(example: Example, tr: dict[str, str], options: bool = True) -> Check:
    """The gold answer survives: the solution's last ``\\boxed{}`` is the original's, and (when
    ``options`` were sent for translation) every option is still there. The gold answer itself
    is copied, never sent for translation."""
    from xling.scoring.math import last_boxed

    details = []
    if example.solution and "solution" in tr:
        want, _ = last_boxed(example.solution)
        got, _ = last_boxed(tr["solution"])
        if want is not None:
            if got is None or re.sub(r"\s+", "", got) != re.sub(r"\s+", "", want):
                seen = "no box" if got is None else "\\boxed{" + got + "}"
                return Check(False, f"the solution's final answer must stay \\boxed{{{want}}}, "
                             f"got {seen}")
            details.append("boxed answer kept")
    if example.choices and options:
        kept = sum(f"option_{CHOICE_LETTERS[i]}" in tr for i in range(len(example.choices)))
        if kept != len(example.choices):
            return Check(False, f"{len(example.choices)} options expected, got {kept}")
        details.append(f"{kept} options kept")
    return Check(True, ", ".join(details)) if details else Check(None, "no boxed answer or options")


def check_language(src: dict[str, str], tr: dict[str, str], lang: str) -> Check:
    """The translation is in ``lang`` (py3langid over the prose) and not a copy of the original."""
    from xling.scoring.language import REGISTERED, detect_language

    if all(" ".join(tr[k].split()) == " ".join(v.split()) for k, v in src.items()):
        return Check(False, "the reply is the original text, untranslated")
    candidates = REGISTERED if lang in REGISTERED else (*REGISTERED, lang)
    found = detect_language("\n".join(tr.values()), candidates)
    if found is None:
        return Check(None, "no prose to identify")
    if found != lang:
        return Check(False, f"the translation is in {found}, not {lang}; write it in "
                     f"{get_language(lang).name}")
    return Check(True, found)


def check_length(src: dict[str, str], tr: dict[str, str], src_lang: str, lang: str,
                 bounds: tuple[float, float] = (0.4, 2.5), min_chars: int = 20) -> Check:
    """Prose length ratio (translation / original) divided by the language's typical ratio
    (``Language.length_ratio``) is within ``bounds``; originals with < ``min_chars`` of prose are not judged."""
    from xling.scoring.language import clean_text

    a = len(clean_text("\n".join(src.values())))
    b = len(clean_text("\n".join(tr.values())))
    if a < min_chars:
        return Check(None, f"only {a} characters of prose in the original")
    rel = b / a / (get_language(lang).length_ratio / get_language(src_lang).length_ratio)
    if not bounds[0] <= rel <= bounds[1]:
        what = "too short (truncated or summarised?)" if rel < bounds[0] else "too long (additions?)"
        return Check(False, f"the translation is {what}: {rel:.2f}x the usual length for "
                     f"{lang}; translate everything, add nothing")
    return Check(True, f"{rel:.2f}")


_VERDICT = re.compile(r"verdict\W{0,3}\s*(yes|no)\b", re.IGNORECASE)
_REASON = re.compile(r"reason\W{0,3}\s*(.+)", re.IGNORECASE)


def parse_verdict(text: str) -> Check:
    """The judge's reply -> ok (yes/no, the last VERDICT line) with its reason; unparsable = fail.

    >>> parse_verdict("VERDICT: no\\nREASON: the number 16 became 61.")
    Check(ok=False, detail='judge: the number 16 became 61.')
    """
    verdicts = _VERDICT.findall(text)
    if not verdicts:
        return Check(False, f"judge: no VERDICT line in its reply ({text.strip()[:120]!r})")
    reasons = _REASON.findall(text)
    reason = reasons[-1].strip() if reasons else "(no reason given)"
    return Check(verdicts[-1].lower() == "yes", f"judge: {reason[:300]}")


def chrf(hypothesis: str, reference: str) -> float:
    """Sentence chrF (sacrebleu, 0-100) of a back-translation against the original."""
    from sacrebleu.metrics import CHRF

    return CHRF().sentence_score(hypothesis, [reference]).score


def rule_checks(example: Example, src: dict[str, str], tr: dict[str, str], lang: str,
                cfg: TranslateConfig) -> dict[str, Check]:
    """Every enabled rule check of one translated item, in ``CHECKS`` order."""
    run = {
        "language": lambda: check_language(src, tr, lang),
        "length": lambda: check_length(src, tr, cfg.source_lang, lang, cfg.length_bounds),
        "numbers": lambda: check_numbers(src, tr, cfg.source_lang, lang, cfg.strict_numbers),
        "answer": lambda: check_answer(example, tr, "choices" in cfg.fields),
        "latex": lambda: check_latex(src, tr),
    }
    return {name: run[name]() for name in CHECKS if name in cfg.checks}


# ---- the run -------------------------------------------------------------------------------------

@dataclass
class _Task:
    lang: str
    example: Example
    attempt: int = 0
    feedback: str = ""
    previous: str = ""
    prompt: str = ""
    reply: str = ""
    fields: dict[str, str] | None = None
    checks: dict[str, Check] = field(default_factory=dict)
    reason: str | None = None


def _first_failure(checks: dict[str, Check]) -> str | None:
    return next((name for name, c in checks.items() if c.ok is False), None)


class _Store:
    """The output folder: appended results, a restart's view of them, the final files."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.passed_dir = out / "passed"
        self.dropped_path = out / "dropped.jsonl"

    def passed_path(self, lang: str) -> Path:
        return self.passed_dir / f"{lang}.jsonl"

    def has_results(self) -> bool:
        """Whether any item was saved (passed or dropped), in any language."""
        files = [self.dropped_path, *self.passed_dir.glob("*.jsonl")]
        return any(p.is_file() and p.stat().st_size > 0 for p in files)

    def read(self, path: Path) -> list[dict[str, Any]]:
        """Rows of an appended file; a torn last line (a killed write) is cut off, anything else
        malformed is an error naming file:line."""
        if not path.is_file():
            return []
        lines = path.read_text(encoding="utf-8").split("\n")
        rows, torn = [], False
        for i, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                if i == len(lines):  # no newline after it: the write was cut
                    torn = True
                    break
                raise XlingError(f"{path}:{i}: invalid JSON ({exc.msg})") from None
        if torn:
            from xling.data.io import write_jsonl

            log.warning("%s: dropping a partly written last line (the run was killed)", path)
            write_jsonl(path, rows)
        return rows

    def append(self, path: Path, rows: list[dict[str, Any]]) -> None:
        """Append rows and flush them to disk (one write per batch)."""
        if not rows:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
            fh.flush()
            os.fsync(fh.fileno())


class _Run:
    def __init__(self, cfg: TranslateConfig, source: Source, out: Path, prompts: dict[str, str],
                 translator: Generator | None, verifier: Generator | None,
                 backend_kwargs: dict[str, Any], verify_kwargs: dict[str, Any]) -> None:
        self.cfg, self.source, self.prompts = cfg, source, prompts
        self.store = _Store(out)
        self._translator, self._verifier = translator, verifier
        self.backend_kwargs, self.verify_kwargs = backend_kwargs, verify_kwargs
        self.counts: Counter[str] = Counter()

    # generators are built only when there is work (a finished run loads no model)
    @property
    def translator(self) -> Generator:
        if self._translator is None:
            self._translator = _generator(self.cfg.backend, self.cfg.model, self.cfg,
                                          self.backend_kwargs)
        return self._translator

    @property
    def verifier(self) -> Generator:
        if self._verifier is None:
            backend = self.cfg.verify_backend or self.cfg.backend
            if (self.cfg.verify_model == self.cfg.model and backend == self.cfg.backend
                    and not self.verify_kwargs):
                self._verifier = self.translator
            else:
                self._verifier = _generator(backend, str(self.cfg.verify_model), self.cfg,
                                            self.backend_kwargs | self.verify_kwargs)
        return self._verifier

    def _names(self, lang: str) -> dict[str, str]:
        return {"source_language": get_language(self.cfg.source_lang).name,
                "target_language": get_language(lang).name, "lang": lang}

    def _prompt(self, task: _Task) -> str:
        src = to_tagged(source_fields(task.example, self.cfg.fields))
        prompt = render(self.prompts["translate"], source=src, **self._names(task.lang))
        if task.attempt:
            prompt += render(self.prompts["retry"], feedback=task.feedback, previous=task.previous)
        return prompt

    def run_batch(self, tasks: list[_Task]) -> None:
        """Translate, check, judge and back-translate one batch; sets each task's outcome."""
        cfg = self.cfg
        params = SamplingParams(temperature=cfg.temperature, max_new_tokens=cfg.max_new_tokens,
                                seed=cfg.seed)
        for t in tasks:
            t.prompt, t.checks, t.fields, t.reason = self._prompt(t), {}, None, None
        gens = self.translator.generate([t.prompt for t in tasks], params)
        for t, (gen, *_) in zip(tasks, gens, strict=True):
            self._check(t, gen)
        judged = [t for t in tasks if t.reason is None and cfg.verify_model]
        if judged:
            judge_params = replace(params, max_new_tokens=min(512, cfg.max_new_tokens))
            prompts = [render(self.prompts["judge"],
                              source=to_tagged(source_fields(t.example, cfg.fields)),
                              translation=to_tagged(t.fields or {}), **self._names(t.lang))
                       for t in judged]
            for t, (gen, *_) in zip(judged, self.verifier.generate(prompts, judge_params),
                                    strict=True):
                t.checks["judge"] = (parse_verdict(gen.text) if gen.finish_reason != "error"
                                     else Check(False, f"judge: backend error {gen.error}"))
                if t.checks["judge"].ok is False:
                    t.reason = "judge"
        back = [t for t in tasks if t.reason is None and cfg.min_chrf is not None]
        if back:
            prompts = [render(self.prompts["translate"], source=to_tagged(t.fields or {}),
                              source_language=get_language(t.lang).name,
                              target_language=get_language(cfg.source_lang).name,
                              lang=cfg.source_lang) for t in back]
            for t, (gen, *_) in zip(back, self.translator.generate(prompts, params), strict=True):
                src = source_fields(t.example, cfg.fields)
                fields, _ = parse_tagged(gen.text, list(src))
                score = chrf("\n".join(fields.values()), "\n".join(src.values())) if fields else 0.0
                ok = score >= float(cfg.min_chrf)  # type: ignore[arg-type]
                t.checks["backtranslation"] = Check(ok, f"chrF {score:.1f} (minimum {cfg.min_chrf})"
                                                    + ("" if ok else "; the meaning drifted"))
                if not ok:
                    t.reason = "backtranslation"

    def _check(self, task: _Task, gen: Generation) -> None:
        task.reply = gen.text
        src = source_fields(task.example, self.cfg.fields)
        if gen.finish_reason == "error":
            task.checks["error"], task.reason = Check(False, f"backend error: {gen.error}"), "error"
            return
        if gen.finish_reason == "length":
            task.checks["truncated"] = Check(False, f"the reply hit the {self.cfg.max_new_tokens}-"
                                             "token cap; translate only, add nothing")
            task.reason = "truncated"
            return
        fields, why = parse_tagged(gen.text, list(src))
        if fields is None:
            task.checks["format"], task.reason = Check(False, why), "format"
            return
        task.fields = fields
        task.checks = rule_checks(task.example, src, fields, task.lang, self.cfg)
        task.reason = _first_failure(task.checks)

    def passed_row(self, t: _Task) -> dict[str, Any]:
        ex, fields = t.example, t.fields or {}
        row: dict[str, Any] = {"id": ex.parallel_id, "lang": t.lang, "question": fields["question"],
                               "answer": ex.answer}
        if "solution" in fields:
            row["solution"] = fields["solution"]
        if ex.choices:  # options not asked to be translated are copied as they are
            row["choices"] = [fields.get(f"option_{CHOICE_LETTERS[i]}", text)
                              for i, text in enumerate(ex.choices)]
        row |= {"source_text": source_fields(ex, self.cfg.fields), "model": self.cfg.model,
                "verify_model": self.cfg.verify_model, "prompt": t.prompt,
                "checks": {k: asdict(c) for k, c in t.checks.items()}, "attempts": t.attempt + 1}
        return row


def _generator(backend: str, model: str, cfg: TranslateConfig, kwargs: dict[str, Any]) -> Generator:
    """Build a backend in chat mode, passing only the options its constructor takes (so one set
    of options serves an openai translator and an hf judge)."""
    import inspect

    from xling.generate import BACKENDS
    from xling.registry import resolve

    params = inspect.signature(resolve(BACKENDS, backend, "backend")).parameters
    defaults = {"chat_template": True, "progress": False, "max_concurrency": cfg.concurrency,
                "batch_size": cfg.batch_size}
    options = {k: v for k, v in defaults.items() if k in params} | kwargs
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        options = {k: v for k, v in options.items() if k in params}
    return get_generator(backend, model, **options)


def _copy_row(ex: Example, lang: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """An item in the source language itself: copied, not translated (model 'source')."""
    row: dict[str, Any] = {"id": ex.parallel_id, "lang": lang, "question": ex.question,
                           "answer": ex.answer}
    if ex.solution and "solution" in fields:
        row["solution"] = ex.solution
    if ex.choices:
        row["choices"] = list(ex.choices)
    return row | {"source_text": None, "model": "source", "prompt": None, "checks": {},
                  "attempts": 0}


def translate(
    cfg: TranslateConfig,
    input: str,  # noqa: A002 - mirrors --input
    out: str | Path,
    *,
    limit: int | None = None,
    benchmark_source: str | None = None,
    translator: Generator | None = None,
    verifier: Generator | None = None,
    backend_kwargs: dict[str, Any] | None = None,
    verify_kwargs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Translate ``input`` into ``cfg.langs`` under ``out``; resumable (see the module docstring).

    Args:
        input: a card.yaml, a .jsonl file, or a benchmark / pool name (``pool:``/``benchmark:``
            prefixes settle names that are both).
        limit: the first N items of the input.
        benchmark_source: where a benchmark named by ``input`` loads from (folder or hub id).
        translator, verifier: already built generators (else built from ``cfg`` when needed).
        backend_kwargs: backend options (base_url, api_key_env, device, ...); each backend
            gets those its constructor takes.
        verify_kwargs: options for the judge only, over ``backend_kwargs`` (e.g. its base_url).

    Returns:
        The summary (also written to ``out/summary.json``).

    Raises:
        XlingError: bad input, or ``out`` holding a translation made with another config.
    """
    from xling.data.io import write_json
    from xling.progress import progress

    out = Path(out)
    source = load_source(input, cfg.source_lang, limit, benchmark_source)
    prompts = load_prompts(cfg.prompts)
    fingerprint = cfg.fingerprint(prompts, source.name)
    run = _Run(cfg, source, out, prompts, translator, verifier, dict(backend_kwargs or {}),
               dict(verify_kwargs or {}))
    store = run.store
    _check_fingerprint(out, fingerprint, store)

    def save(path: Path, rows: list[dict[str, Any]]) -> None:
        """Append results; the config is recorded with the first ones (a failed start, e.g. a
        server that cannot be reached, records nothing and blocks no corrected command)."""
        if rows and not (out / "translate.json").is_file():
            write_json(out / "translate.json", fingerprint)
        store.append(path, rows)

    finished: dict[tuple[str, str], str] = {}
    for lang in cfg.langs:
        for row in store.read(store.passed_path(lang)):
            finished[lang, str(row["id"])] = "passed"
    dropped_rows = store.read(store.dropped_path)
    if cfg.retry_dropped and dropped_rows:
        log.info("re-asking %d items dropped by an earlier run", len(dropped_rows))
        from xling.data.io import write_jsonl

        write_jsonl(store.dropped_path, [])
        dropped_rows = []
    for row in dropped_rows:
        finished.setdefault((row["lang"], str(row["id"])), "dropped")

    # The source language is copied, not translated; saved with the first translations.
    copies = {lang: [_copy_row(ex, lang, cfg.fields) for ex in source.examples
                     if (lang, ex.parallel_id) not in finished]
              for lang in cfg.langs if lang == cfg.source_lang}
    queue = [_Task(lang, ex) for lang in cfg.langs if lang != cfg.source_lang
             for ex in source.examples if (lang, ex.parallel_id) not in finished]

    def save_copies() -> None:
        for lang, rows in copies.items():
            save(store.passed_path(lang), rows)
        copies.clear()

    if not queue:
        save_copies()
    if finished:
        log.info("%s: %d items already finished; %d to translate", out, len(finished), len(queue))

    def rounds():
        counts = run.counts
        while queue:
            batch, queue[:] = queue[:cfg.batch_size], queue[cfg.batch_size:]
            run.run_batch(batch)
            passed, dropped = [], []
            for t in batch:
                if t.reason is None:
                    passed.append(t)
                elif t.attempt < cfg.retries:
                    feedback = "\n".join(f"- {name}: {c.detail}" for name, c in t.checks.items()
                                         if c.ok is False)
                    queue.append(_Task(t.lang, t.example, t.attempt + 1, feedback,
                                       t.reply.strip()[:4000]))
                    counts["retries"] += 1
                else:
                    dropped.append(t)
            save_copies()
            for lang in cfg.langs:
                save(store.passed_path(lang), [run.passed_row(t) for t in passed if t.lang == lang])
            save(store.dropped_path, [
                {"id": t.example.parallel_id, "lang": t.lang, "reason": t.reason,
                 "detail": t.checks[t.reason].detail if t.reason in t.checks else "",
                 "attempts": t.attempt + 1, "checks": {k: asdict(c) for k, c in t.checks.items()},
                 "reply": t.reply[:4000], "prompt": t.prompt} for t in dropped])
            counts["passed"] += len(passed)
            counts["dropped"] += len(dropped)
            log.info("translate: %d done, %d queued (passed %d, retries %d, dropped %d)",
                     counts["passed"] + counts["dropped"], len(queue), counts["passed"],
                     counts["retries"], counts["dropped"])
            yield from range(len(passed) + len(dropped))

    for _ in progress(rounds(), "translate", total=len(queue)):
        pass
    summary = _finish(cfg, source, store)
    write_json(out / "summary.json", summary)
    return summary


def _check_fingerprint(out: Path, fp: dict[str, Any], store: _Store) -> None:
    """Refuse to mix translations of two configs in one folder. The config is recorded only
    with results (``translate``'s ``save``); one recorded without any (a failed start of an
    older version) is stale and removed."""
    path = out / "translate.json"
    if not path.is_file():
        return
    have = json.loads(path.read_text(encoding="utf-8"))
    if have == fp:
        return
    if not store.has_results():
        log.info("%s: a config recorded without results; replacing it", path)
        path.unlink()
        return
    diff = sorted(k for k in set(fp) | set(have) if have.get(k) != fp.get(k))
    raise XlingError(f"{out} holds a translation made with another config (differs in: "
                     f"{', '.join(diff)}); use another --out")


def _finish(cfg: TranslateConfig, source: Source, store: _Store) -> dict[str, Any]:
    """Write the parallel files and the card from what is on disk; returns the summary.

    The files are written under a temporary folder and the card loaded from there; only when it
    loads are they moved into place (the old card is removed first and the new one moved last,
    so a kill at any moment leaves the earlier card with its files, no card, or the new card
    with its files: never a card that does not load). Without an item that passed in every
    language nothing is written (an earlier card stays).

    Raises:
        XlingError: the new card does not load (the earlier outputs are left as they were).
    """
    import shutil

    from xling.data.benchmarks.card import CARD_FILE, load_card, write_card
    from xling.data.io import write_jsonl

    order = {ex.parallel_id: i for i, ex in enumerate(source.examples)}
    passed = {lang: {str(r["id"]): r for r in store.read(store.passed_path(lang))}
              for lang in cfg.langs}
    dropped = store.read(store.dropped_path)
    per_lang: dict[str, Any] = {}
    for lang in cfg.langs:
        mine = [d for d in dropped if d["lang"] == lang]
        rows = list(passed[lang].values())
        per_lang[lang] = {
            "items": len(rows) + len(mine), "passed": len(rows),
            "retried": sum(r["attempts"] > 1 for r in rows) + sum(d["attempts"] > 1 for d in mine),
            "dropped": dict(Counter(d["reason"] for d in mine)),
            "pass_rate": len(rows) / max(1, len(rows) + len(mine)),
        }
    common = set.intersection(*(set(p) for p in passed.values())) if passed else set()
    ids = sorted(common, key=lambda i: (order.get(i, len(order)), i))
    # A card role must be a column of every row: items without a solution get "solution": null.
    has_solution = any("solution" in passed[lang][i] for lang in cfg.langs for i in ids)
    files: dict[str, list[dict[str, Any]]] = {}
    for lang in cfg.langs:
        rows = [passed[lang][i] for i in ids]
        files[lang] = [{**r, "solution": r.get("solution")} for r in rows] if has_solution else rows
        per_lang[lang]["in_card"] = len(ids)
        lost = len(passed[lang]) - len(ids)
        if lost:
            log.warning("%s: %d items passed in %s but not in every language: left out of "
                        "%s.jsonl (kept in passed/%s.jsonl)", store.out, lost, lang, lang, lang)
    summary: dict[str, Any] = {
        "source": source.name, "model": cfg.model, "verify_model": cfg.verify_model,
        "checks": list(cfg.checks) + (["judge"] if cfg.verify_model else [])
        + (["backtranslation"] if cfg.min_chrf is not None else []),
        "parallel_items": len(ids), "langs": per_lang,
        "dropped": [{"lang": d["lang"], "id": d["id"], "reason": d["reason"], "detail": d["detail"]}
                    for d in dropped],
    }
    for leftover in store.out.glob(".staging-*"):  # of a run killed while writing its outputs
        shutil.rmtree(leftover, ignore_errors=True)
    if not ids:
        log.warning("%s: no item passed in every language; no card written", store.out)
        return summary
    fields = {"id": "id", "question": "question", "answer": "answer"}
    if has_solution:
        fields["solution"] = "solution"
    if all("choices" in passed[lang][i] for lang in cfg.langs for i in ids):
        fields["choices"] = "choices"
    name = cfg.name or f"{source.name}-mt"
    staging = store.out / f".staging-{os.getpid()}"
    try:
        for lang, rows in files.items():
            write_jsonl(staging / f"{lang}.jsonl", rows)
        card = write_card(
            staging / CARD_FILE, name=name, files={lang: f"{lang}.jsonl" for lang in cfg.langs},
            fields=fields, scorer=source.scorer, paper_metric=source.paper_metric,
            description=f"{source.name} translated from {cfg.source_lang} by {cfg.model}"
            + (f", checked by {cfg.verify_model}" if cfg.verify_model else ""),
            provenance={"translation": "summary.json", "source": source.name, "model": cfg.model,
                        "verify_model": cfg.verify_model, "checks": summary["checks"]})
        try:
            load_card(card)  # what we wrote must load: fail here, not in a later eval
        except XlingError as exc:
            raise XlingError(f"{store.out}: the new card does not load, so the earlier outputs "
                             f"are left as they were: {exc}") from None
        (store.out / CARD_FILE).unlink(missing_ok=True)
        for lang in files:
            os.replace(staging / f"{lang}.jsonl", store.out / f"{lang}.jsonl")
        os.replace(card, store.out / CARD_FILE)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary["card"] = name
    return summary
