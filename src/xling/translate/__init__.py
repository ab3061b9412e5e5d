"""Parallel data by LLM translation, with every item checked: training pools and benchmark sets.

Stage: composes data, generate and scoring (the translator and the judge sample through
``xling.generate``, so they are any backend:
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
``translate/prompts/`` (``translate.txt``, ``retry.txt``, ``judge.txt``); pass a folder with
your own to replace any of them. Version 1.
Try:  xling translate --input mgsm --to de,zh --backend openai --base-url http://localhost:8000/v1 \\
          --model Qwen/Qwen2.5-72B-Instruct --limit 20 --out runs/translate/mgsm

The package, in reading order: ``config`` (``TranslateConfig``, the prompts), ``source`` (what is
translated: ``load_source``, the tagged request and reply), ``checks`` (the rule checks, the
judge's verdict, chrF), ``run`` (the driver: ``translate``, batches, retries) and ``store`` (the
output folder: appended results, the restart's view, the final files and card).
"""

from __future__ import annotations

from xling.translate.checks import (
    Check,
    check_answer,
    check_language,
    check_latex,
    check_length,
    check_numbers,
    chrf,
    latex_spans,
    numbers_in,
    parse_verdict,
    rule_checks,
)
from xling.translate.config import (
    CHECKS,
    FIELDS,
    PROMPT_FILES,
    TranslateConfig,
    load_prompts,
    render,
)
from xling.translate.run import translate
from xling.translate.source import Source, load_source, parse_tagged, source_fields, to_tagged

__all__ = ["CHECKS", "FIELDS", "PROMPT_FILES", "Check", "Source", "TranslateConfig", "check_answer",
           "check_language", "check_latex", "check_length", "check_numbers", "chrf", "latex_spans",
           "load_prompts", "load_source", "numbers_in", "parse_tagged", "parse_verdict", "render",
           "rule_checks", "source_fields", "to_tagged", "translate"]
