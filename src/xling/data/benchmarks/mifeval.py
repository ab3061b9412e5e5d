"""M-IFEval (Dussolle et al., 2025, arXiv 2502.04688) and xIFEval (BenchMAX, Huang et al., 2025,
arXiv 2502.07346): verifiable instruction following ("answer in at most 50 words", "end with
this phrase", "use only hiragana") beyond English.

Stage: data. Gives Examples whose ``question`` is the raw prompt (no boxed instruction, see
``build_prompt``), ``answer`` "" (nothing to extract) and ``meta`` = ``{"key",
"instruction_id_list", "kwargs", "ifeval_rules"}``; scored by ``scoring.ifeval`` (scorer
"ifeval"), each benchmark by its authors' rules: ``ifeval_rules`` is "m-ifeval" for a file in
M-IFEval's layout and "xifeval" for xIFEval's, so evaluation, RL rewards and the verl export
(which pass meta) check the same way. ``summarize`` gives per language prompt- and
instruction-level accuracy, strict and loose, the headline the benchmark's authors publish
(``primary``: M-IFEval instruction-level strict, its notebook's leaderboard number; xIFEval
prompt-level strict, see ``HEADLINES``), the instruction ids xling has no checker for, and how
many instructions were checked with an offline substitute for the authors' counter.

Two sources, one row layout (IFEval's: ``key``, ``prompt``, ``instruction_id_list``, ``kwargs``):

- ``mifeval`` (this module): M-IFEval, lightblue-tech/M-IFEval @ 0bc3143, Apache-2.0, staged in
  ``shared/data/m-ifeval/{lang}_input_data.jsonl``: en 541 (the original IFEval prompts), es 115,
  fr 235, ja 172 prompts written natively, with language-prefixed instruction ids
  (``ja:letters:hiragana_only``). Not parallel across languages.
- ``xifeval`` (``XIFEVAL`` below): BenchMAX's xIFEval, hub dataset ``LLaMAX/BenchMAX_Rule-based``
  (config = language, split ``train``; files ``ifeval_{lang}.jsonl`` with a ``lang`` field), the
  IFEval prompts translated into 16 languages, all ten study languages among them; parallel
  by ``key``. Needs internet and the ``datasets`` package; offline, download the files once
  and pass their folder as the source.

``source``: None = the staged M-IFEval (``mifeval``) or the hub (``xifeval``); a folder holding
either layout (``{lang}_input_data.jsonl`` or ``ifeval_{lang}.jsonl``); or a hub id (xIFEval's
layout). Version 1.
Try:  xling eval --model ./tiny --benchmark mifeval --langs all --limit 5
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from xling.data.benchmarks import AUTHORS, Benchmark, Headline, Protocol, Source
from xling.data.io import read_jsonl
from xling.languages import LANGUAGES, get_language
from xling.schema import Example, XlingError
from xling.scoring import ifeval_rules

SCORER = "ifeval"
LANGS: tuple[str, ...] = ifeval_rules.MIFEVAL_LANGS
"""M-IFEval's languages (the staged default)."""
PAPER_METRIC = "instruction-level strict accuracy"
"""M-IFEval's published number (its notebook averages the per-instruction strict booleans per
language); prompt-level and loose are in the summary and the IFEval table."""
XIFEVAL_PAPER_METRIC = "prompt-level strict accuracy"
"""xIFEval's headline: UNCONFIRMED (BenchMAX's lm-eval task computes IFEval's four numbers and
neither its README nor its code says which one its tables show); prompt-level strict is the
first metric of its task and IFEval's own headline."""
HEADLINES: dict[str, tuple[str, str]] = {
    ifeval_rules.MIFEVAL: (PAPER_METRIC, "inst_strict"),
    ifeval_rules.XIFEVAL: (XIFEVAL_PAPER_METRIC, "prompt_strict")}
"""Rule set -> (the summary's ``primary`` name, the ``ifeval_accuracy`` key it takes)."""
DESCRIPTION = (
    "M-IFEval (lightblue-tech): native en/es/fr/ja prompts, each checked by M-IFEval's own "
    "rule in its language (fr titles ##..##, ja bullets ・, es bounds inclusive, ...); headline "
    f"{PAPER_METRIC}. Offline substitutes, counted per language in metrics.json: "
    + ifeval_rules.describe_substitutes(ifeval_rules.MIFEVAL))
XIFEVAL_DESCRIPTION = (
    "xIFEval (BenchMAX): IFEval translated into 16 languages; hub LLaMAX/BenchMAX_Rule-based; "
    "checked by BenchMAX's rules (sacrebleu zh words, MeCab ja words, whitespace bn/te words, "
    "BenchMAX's zh/ja/bn sentence regexes, PyThaiNLP th sentences); headline "
    f"{XIFEVAL_PAPER_METRIC} (unconfirmed). Offline substitutes, counted per language in "
    "metrics.json: " + ifeval_rules.describe_substitutes(ifeval_rules.XIFEVAL))
XIFEVAL_HUB_ID = "LLaMAX/BenchMAX_Rule-based"
XIFEVAL_LANGS: tuple[str, ...] = ifeval_rules.XIFEVAL_LANGS
"""xIFEval's languages that xling's rule tables cover (it also has ar cs hu ko sr vi)."""
_FIELDS = ("key", "prompt", "instruction_id_list", "kwargs")


def _mifeval_file(folder: Path, lang: str) -> Path:
    return folder / f"{lang}_input_data.jsonl"


def _xifeval_file(folder: Path, lang: str) -> Path:
    return folder / f"ifeval_{lang}.jsonl"


def _line_numbers(path: Path) -> list[int]:
    """1-based line numbers of the non-blank lines (the rows ``read_jsonl`` returns)."""
    text = path.read_text(encoding="utf-8")
    return [i for i, line in enumerate(text.split("\n"), start=1) if line.strip()]


def _check_row(row: Mapping[str, Any], where: str) -> None:
    """Raise an ``XlingError`` naming ``where`` (file:line) and the field unless ``row`` has the
    IFEval layout."""
    if not isinstance(row.get("prompt"), str) or not row["prompt"].strip():
        raise XlingError(f"{where}: field 'prompt' must be a non-empty string")
    ids, kwargs = row.get("instruction_id_list"), row.get("kwargs")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise XlingError(f"{where}: field 'instruction_id_list' must be a non-empty list of ids")
    if not isinstance(kwargs, list) or len(kwargs) != len(ids):
        raise XlingError(f"{where}: field 'kwargs' must be a list with one entry per instruction "
                         f"({len(ids)})")
    if not all(k is None or isinstance(k, dict) for k in kwargs):
        raise XlingError(f"{where}: field 'kwargs' must hold one mapping (or null) per instruction")
    if row.get("key") is None:
        raise XlingError(f"{where}: field 'key' is missing")


def _from_file(path: Path) -> list[tuple[dict[str, Any], str]]:
    rows = read_jsonl(path, required=_FIELDS)
    return [(row, f"{path}:{line}") for row, line in zip(rows, _line_numbers(path), strict=True)]


def _from_hub(hub_id: str, lang: str) -> list[tuple[dict[str, Any], str]]:
    from xling.hub import load_dataset  # one line, quickly, when the hub is out of reach

    ds = load_dataset(hub_id, lang, split="train")
    return [(dict(row), f"{hub_id}[{lang}] row {i}") for i, row in enumerate(ds)]


def _examples(name: str, lang: str, rows: list[tuple[dict[str, Any], str]],
              limit: int | None, parallel: bool) -> list[Example]:
    rules = ifeval_rules.MIFEVAL if name == "mifeval" else ifeval_rules.XIFEVAL
    ifeval_rules.rules_for(rules, lang)  # a language the benchmark has no rules for: one line
    out: list[Example] = []
    for row, where in rows[:limit]:
        _check_row(row, where)
        key = str(row["key"])
        out.append(Example(
            id=f"{name}-{lang}-{key}",
            parallel_id=f"{name}-{key}" if parallel else f"{name}-{lang}-{key}",
            lang=lang, question=row["prompt"], answer="", source=name,
            meta={"key": row["key"], "instruction_id_list": list(row["instruction_id_list"]),
                  "kwargs": [{a: v for a, v in (k or {}).items() if v is not None}
                             for k in row["kwargs"]],
                  # the benchmark whose rules check this prompt (scoring.ifeval_rules)
                  "ifeval_rules": rules},
        ))
    return out


def _load(name: str, langs: list[str], source: str | None, limit: int | None) -> list[Example]:
    from xling.data.sources import resolve_source

    for lang in langs:
        get_language(lang)
    if name == "mifeval":
        folder, hub_id = resolve_source(source, "m-ifeval", None)
    else:
        folder, hub_id = resolve_source(source, "xifeval", XIFEVAL_HUB_ID)
    examples: list[Example] = []
    for lang in langs:
        if hub_id is not None:
            if lang not in XIFEVAL_LANGS:
                raise XlingError(f"{name}: the hub dataset {hub_id} (xIFEval layout) has no "
                                 f"{lang!r}; xling reads its {', '.join(XIFEVAL_LANGS)}")
            examples += _examples("xifeval", lang, _from_hub(hub_id, lang), limit, parallel=True)
            continue
        assert folder is not None
        if _mifeval_file(folder, lang).is_file():
            rows, parallel, kind = _from_file(_mifeval_file(folder, lang)), False, "mifeval"
        elif _xifeval_file(folder, lang).is_file():
            rows, parallel, kind = _from_file(_xifeval_file(folder, lang)), True, "xifeval"
        else:
            raise XlingError(
                f"{name}: no {lang!r} file in {folder} (looked for {lang}_input_data.jsonl and "
                f"ifeval_{lang}.jsonl); M-IFEval has {', '.join(LANGS)}; for the ten study "
                f"languages use --benchmark xifeval (hub {XIFEVAL_HUB_ID})")
        examples += _examples(kind, lang, rows, limit, parallel)
    return examples


def load(langs: list[str], source: str | None = None, limit: int | None = None) -> list[Example]:
    """Load M-IFEval prompts for ``langs`` (en es fr ja in the staged copy).

    Args:
        source: None (staged M-IFEval), a folder in either layout, or a hub id (xIFEval layout).
        limit: keep the first N prompts per language.

    Raises:
        XlingError: a language without a file, a malformed row (file:line and field).
    """
    return _load("mifeval", langs, source, limit)


def load_xifeval(langs: list[str], source: str | None = None,
                 limit: int | None = None) -> list[Example]:
    """Load xIFEval prompts for ``langs`` (default: the hub dataset ``LLaMAX/BenchMAX_Rule-based``).

    Args:
        source: None (hub), a hub id, or a folder with ``ifeval_{lang}.jsonl`` files.
        limit: keep the first N prompts per language (the same keys in every language).
    """
    return _load("xifeval", langs, source, limit)


def _langs_in(name: str, source: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if source is None or not Path(source).expanduser().is_dir():
        return default if source is None or name == "xifeval" else XIFEVAL_LANGS
    folder = Path(source).expanduser()
    return tuple(lang for lang in LANGUAGES if _mifeval_file(folder, lang).is_file()
                 or _xifeval_file(folder, lang).is_file())


def langs_for(source: str | None) -> tuple[str, ...]:
    """The languages ``source`` holds: M-IFEval's four by default, a folder's files, or the
    xIFEval languages for a hub id (``--langs all`` expands to these)."""
    return _langs_in("mifeval", source, LANGS)


def xifeval_langs_for(source: str | None) -> tuple[str, ...]:
    """The languages an xIFEval ``source`` holds (default: the hub's, as xling knows them)."""
    return _langs_in("xifeval", source, XIFEVAL_LANGS)


def build_prompt(example: Example, style: str) -> str:
    """The raw instruction prompt: the instructions are the task, so no boxed-answer or
    language instruction is appended (for any ``style``)."""
    return example.question


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _details(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's per-instruction results; a row that was never scored (generation error) fails
    every instruction of its prompt."""
    meta = _json(row.get("meta")) or {}
    ids = list(meta.get("instruction_id_list") or [])
    rules = meta.get("ifeval_rules")
    if not rules and ids:  # rows written before the rule set was recorded: read the ids
        try:
            rules = ifeval_rules.infer_rules(ids)
        except XlingError:
            rules = None
    if row.get("details"):
        details = dict(_json(row["details"]))
        details.setdefault("rules", rules)
        return details
    from xling.scoring.ifeval import is_known

    return {"rules": rules, "instructions": [{"id": i, "strict": False, "loose": False} for i in ids],
            "unknown": [i for i in ids if not is_known(i, row["lang"], rules)]}


def summarize(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Per language: IFEval's four accuracies with Wilson CIs (``metrics.ifeval_accuracy``), the
    instruction ids xling has no checker for (each counted as not followed), the instructions
    checked with an offline substitute for the authors' counter (``substitutes``: id -> count)
    and those whose result differs from the authors' check by one of xling's deliberate
    differences (``deliberate``); and the benchmark's headline (``primary``, which the report's
    tables show).

    Returns:
        ``{"langs": {lang: {"prompt_strict", "prompt_loose", "inst_strict", "inst_loose",
        "n_prompts", "unknown", "by_instruction", "rules", "substitutes", "n_substitute",
        "deliberate", "n_deliberate"}},
        "unknown_instructions": {id: count}, "substitutes": {counter: what it stands in for},
        "primary": {"name", "values": {lang: fraction}}}``; ``primary`` is absent when the rows
        mix M-IFEval's and xIFEval's rules (the headlines differ).
    """
    from xling.metrics import ifeval_accuracy

    by_lang: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_lang[row["lang"]].append(_details(row))
    per_lang: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    for lang, items in by_lang.items():
        substitutes: Counter[str] = Counter()
        deliberate: Counter[str] = Counter()
        for item in items:
            for inst in item["instructions"]:
                if inst.get("substitute"):
                    substitutes[inst["id"]] += 1
                    used.add(inst["substitute"])
                if inst.get("deliberate"):
                    deliberate[inst["id"]] += 1
        rules = sorted({str(item.get("rules")) for item in items})
        per_lang[lang] = {**ifeval_accuracy(items), "rules": rules[0] if len(rules) == 1 else rules,
                          "substitutes": dict(sorted(substitutes.items())),
                          "n_substitute": sum(substitutes.values()),
                          "deliberate": dict(sorted(deliberate.items())),
                          "n_deliberate": sum(deliberate.values())}
    unknown: Counter[str] = Counter()
    for metrics in per_lang.values():
        unknown.update(metrics["unknown"])
    out: dict[str, Any] = {"langs": per_lang, "unknown_instructions": dict(sorted(unknown.items())),
                           "substitutes": {c: ifeval_rules.OFFLINE_SUBSTITUTES[c] for c in sorted(used)}}
    rule_sets = {m["rules"] for m in per_lang.values() if isinstance(m["rules"], str)}
    if per_lang and len(rule_sets) == 1 and next(iter(rule_sets)) in HEADLINES:
        name, key = HEADLINES[next(iter(rule_sets))]
        out["primary"] = {"name": name,
                          "values": {lang: m[key]["value"] for lang, m in per_lang.items()}}
    return out


def _authors(describe: str) -> dict[str, Protocol]:
    return {AUTHORS: Protocol(
        prompt=lambda ex: ex.question, scorer=SCORER, describe=describe,
        extraction="none: each instruction checked, strict and loose, with the benchmark's own "
                   "per-language rules (docs/ifeval.md)")}


MIFEVAL = Benchmark(
    name="mifeval", load=load, scorer=SCORER, langs=LANGS, langs_for=langs_for,
    prompt=build_prompt, summarize=summarize,
    headline=Headline("summary", name=PAPER_METRIC),
    doc=DESCRIPTION,
    sources=(Source("staged m-ifeval/ (lightblue-tech/M-IFEval @ 0bc3143)", LANGS),
             Source("a folder of <lang>_input_data.jsonl or ifeval_<lang>.jsonl", LANGS)),
    protocols=_authors("the raw prompt as one user turn, no system prompt (lightblue-tech/"
                       "M-IFEval @ 0bc3143: get_responses.py)"),
)
"""The M-IFEval benchmark (registry name ``mifeval``)."""

XIFEVAL = Benchmark(
    name="xifeval", load=load_xifeval, scorer=SCORER, langs=XIFEVAL_LANGS,
    langs_for=xifeval_langs_for, prompt=build_prompt, summarize=summarize,
    headline=Headline("summary", name=XIFEVAL_PAPER_METRIC + " (unconfirmed)"),
    doc=XIFEVAL_DESCRIPTION,
    sources=(Source(f"hub {XIFEVAL_HUB_ID}", XIFEVAL_LANGS),
             Source("a folder of ifeval_<lang>.jsonl files", XIFEVAL_LANGS)),
    protocols=_authors("the raw prompt, 0-shot, chat template (CONE-MT/BenchMAX @ d509bfd: "
                       "tasks/ifeval)"),
)
"""The xIFEval benchmark (registry name ``xifeval``): same rows, scorer and summary as
M-IFEval, loaded from the hub by default."""
