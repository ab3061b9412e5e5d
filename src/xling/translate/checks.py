"""The checks of one translated item: the rule checks (``CHECKS``), the judge's verdict and the
back-translation's chrF.

Stage: translate (see ``xling.translate``); numbers, LaTeX spans, boxed answers and languages are
read by ``xling.scoring``, as evaluation reads them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from xling.languages import CHOICE_LETTERS, get_language
from xling.schema import Example
from xling.translate.config import CHECKS, TranslateConfig

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
    from xling.scoring.numbers import NUMBER_SPAN, normalize, plain_numerals

    text = plain_numerals(text)
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
