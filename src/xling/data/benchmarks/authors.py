"""The prompts of each benchmark's authors' own evaluation code (``--prompt-style authors``).

Stage: data. ``authors_prompts.json`` beside this file holds the runtime strings verbatim for
the study languages, each benchmark's entry naming the repository, commit and file it was read
from; the functions here turn one Example into that prompt. Which scorer kind reproduces each
authors' extraction rule, and what xling does differently on purpose, is declared with the
benchmark (``Protocol``) and written up in docs/evaluation.md.

>>> from xling.schema import Example
>>> ex = Example("x", "x", "de", "Wie viel ist 2+2?", "4")
>>> print(mgsm_native_cot(ex))
Frage: Wie viel ist 2+2?
Schritt-für-Schritt-Antwort:
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from xling.languages import CHOICE_LETTERS
from xling.schema import Example, XlingError

PROMPTS_FILE = Path(__file__).with_name("authors_prompts.json")


@functools.cache
def _prompts() -> dict[str, Any]:
    return json.loads(PROMPTS_FILE.read_text(encoding="utf-8"))


def source_of(benchmark: str) -> str:
    """Where the authors' prompt of ``benchmark`` was read (repo @ commit: file)."""
    return _prompts()[benchmark]["source"]


def _per_lang(benchmark: str, key: str, lang: str) -> str:
    table = _prompts()[benchmark][key]
    if lang not in table:
        raise XlingError(f"{benchmark}: its authors' prompt has no {lang!r} version; it has "
                         f"{', '.join(table)} (use another --prompt-style)")
    return table[lang]


def mgsm_native_cot(ex: Example) -> str:
    """lm-eval's ``mgsm_native_cot`` test prompt: question word, question, step-by-step cue."""
    return _per_lang("mgsm", "template", ex.lang).replace("{question}", ex.question)


def polymath(ex: Example) -> str:
    """The question, a newline, PolyMath's ``query_dic`` instruction of the language (whose
    runtime text writes ``$\\boxed\\{\\}$``, backslashes and all)."""
    return f"{ex.question}\n{_per_lang('polymath', 'instruction', ex.lang)}"


def mmath(ex: Example) -> str:
    """MMATH's ``LANG_TO_INSTRUCTIONS`` template of the language."""
    return _per_lang("mmath", "template", ex.lang).replace("{question}", ex.question)


def mclm(ex: Example) -> str:
    """MCLM's system prompt ("Return your response in \\boxed{} format.") after the question,
    as MCLM's eval joins them for models without a system turn."""
    return f"{ex.question}\n\n{_prompts()['maime2024']['instruction']}"


def mlogiqa(ex: Example) -> str:
    """P-MMEval's English template asking for ``{'answer': '[choice]'}`` (every language)."""
    context, question = ex.meta.get("context"), ex.meta.get("question")
    if context is None or question is None or not ex.choices or len(ex.choices) != 4:
        raise XlingError(f"{ex.id}: the mLogiQA authors' prompt needs the passage, the question "
                         "and four options")
    values = {"context": context, "question": question,
              **{f"option_{i + 1}": text for i, text in enumerate(ex.choices)}}
    text = _prompts()["mlogiqa"]["template"]
    for key, value in values.items():  # only the named slots (OpenCompass's safe_format)
        text = text.replace("{" + key + "}", value)
    return text


def benchmax_science(ex: Example) -> str:
    """BenchMAX_Science's native 0-shot CoT prompt, options as ``(A) text``."""
    text = _per_lang("mgpqa", "template", ex.lang).replace("{{Question}}", ex.question)
    for i, option in enumerate(ex.choices or ()):
        text = text.replace(f"{{{{choice{i + 1}}}}}", option)
    return text


def ellamind_gpqa(ex: Example) -> str:
    """ellamind's English GPQA instruction (their 5 translated shots are not sent)."""
    text = _prompts()["mgpqa-diamond"]["template"].replace("{question}", ex.question)
    for i, option in enumerate(ex.choices or ()):
        text = text.replace(f"{{choice_{CHOICE_LETTERS[i]}}}", option)
    return text


def mmlu_prox(ex: Example) -> str:
    """MMLU-ProX's description (with the item's subject in the language), question, options and
    chain-of-thought cue, as the authors' lm-eval task asks, 0-shot."""
    parts = _per_lang("mmlu-prox-lite", "parts", ex.lang)
    subject = _prompts()["mmlu-prox-lite"]["subjects"].get(ex.lang, {}).get(
        str(ex.meta.get("category", "")).replace(" ", "_").lower())
    lines = []
    if subject:
        suffix = parts["answer_suffix"].replace("{}", "X")
        lines.append(parts["description_template"].replace("{subject}", subject)
                     .replace("{ans_suffix}", suffix) + "\n")
    lines += [parts["question_prefix"], ex.question, parts["options_heading"],
              *(f"{CHOICE_LETTERS[i]}. {text}" for i, text in enumerate(ex.choices or ())),
              parts["cot_cue"]]
    return "\n".join(lines)
