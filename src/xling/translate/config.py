"""One translation run's settings (``TranslateConfig``) and its prompt templates.

Stage: translate (see ``xling.translate``). ``fingerprint`` is what a finished item depends on: a
restart with another one is refused. The default prompts are the files in ``prompts/``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from xling.languages import get_language, parse_langs
from xling.schema import XlingError

CHECKS: tuple[str, ...] = ("language", "length", "numbers", "answer", "latex")
"""The rule checks, in the order they are applied (the first failure is the drop reason)."""
FIELDS: tuple[str, ...] = ("question", "solution", "choices")
PROMPT_FILES: tuple[str, ...] = ("translate", "retry", "judge")
PROMPT_DIR = Path(__file__).with_name("prompts")


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
