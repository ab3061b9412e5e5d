"""Multiple-choice letters (A-J): boxed letter, per-language answer cues, the last cue wins.

Stage: score, for MMLU-ProX-Lite (10 options), GPQA and LogiQA (4 options). Rules, in order:

1. the last closed ``\\boxed{..}``: a letter (``\\boxed{C}``, ``\\boxed{\\text{(C)}}``), the
   letter followed by its text (``\\boxed{C. Paris}``), or an option's text (``\\boxed{Paris}``);
2. else the letter after the last answer cue: the language's ``answer_phrases`` and choice
   ``cues`` (``languages.ChoiceTexts``), plus the English ones; an option word may sit between
   (``die Antwort ist Option C``, ``คำตอบคือข้อ ค``), or the option's text may follow instead;
3. else the one parenthesised letter on the last line (``... so we pick (C).``);
4. else a response that is essentially one letter (``"B"``, ``"(B)."``, ``"**B**"``).

Letters are capitals; full-width ``Ｃ`` and the language's own letters (Bengali ``ক খ গ ঘ``,
Thai ``ก ข ค ง``) map to A, B, C, D; the cue and the letter may be joined to the question's
script with no space (``答案是C选项``). "A"/"I" followed by a lower-case word are English words.
An answer naming two different letters (``\\boxed{B, C}``, ``B or C``, ``ข หรือ ค``) is
refused: ``extracted=None, correct=False, reason="ambiguous"``, counted like a missing answer.
All per-language words live in ``xling.languages``; this module holds none.
Try:  python -c "from xling.scoring.choice import extract_choice; print(extract_choice('Antwort: (C)', 'de'))"

>>> extract_choice("Die Antwort ist B. Nein, die richtige Antwort ist **D**.", "de")
'D'
>>> score_choice("The answer is B or C.", "B", "en").reason
'ambiguous'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from xling.languages import CHOICE_LETTERS, LANGUAGES, get_language
from xling.schema import Verdict
from xling.scoring.math import SEARCH_CHARS, last_boxed, phrase_pattern

AMBIGUOUS = "ambiguous"
"""The ``reason`` of a verdict whose final answer names two different options."""

_FULL_WIDTH = "ＡＢＣＤＥＦＧＨＩＪ"
_QUOTES = "\"'“”‘’「」『』«»"
_OPEN = r"(?:\\text(?:bf)?\s*\{|\\math(?:rm|bf)\s*\{|\\\(|[\s*(（\[{$:：" + _QUOTES + r"])*"
_CLOSE = r"(?:[\s*)）\]}$" + _QUOTES + r"]|\\\))*"
_UNIVERSAL_JOINERS = r"[,，、/&;+]"
_TEXT_WRAPPER = re.compile(r"\\(?:text(?:bf)?|math(?:rm|bf))\s*\{([^{}]*)\}")
_PAREN = re.compile(r"[(（]([A-J" + _FULL_WIDTH + r"])[)）]")


@dataclass(frozen=True)
class _Patterns:
    """Compiled per-language patterns (built once per language, on first use)."""

    cue: re.Pattern[str]
    letter: re.Pattern[str]
    joiner: re.Pattern[str]
    negation: re.Pattern[str] | None
    option_ref: re.Pattern[str] | None
    """An option word followed by a letter ('option B', '選択肢B'), for the last line."""
    native: dict[str, str]
    """Native or spelled letter -> A-J."""
    not_letters: tuple[str, ...]
    spaced: bool
    """Words are separated by spaces: a second letter must then end the phrase."""


def _alternation(words: set[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s*") for w in sorted(words, key=len, reverse=True))


def _build(lang: str) -> _Patterns:
    language, english = get_language(lang), LANGUAGES["en"]
    texts = [t for t in (language.choice, english.choice) if t is not None]
    cues = {*language.answer_phrases, *english.answer_phrases, *(c for t in texts for c in t.cues)}
    option_words = {w for t in texts for w in t.option_words}
    conj = "(?i:" + _alternation({w for t in texts for w in t.conjunctions}) + ")(?![a-z])"
    own = language.choice
    native = dict(zip(own.native_letters, CHOICE_LETTERS, strict=False)) if own else {}
    native |= dict(zip(own.spelled_letters, CHOICE_LETTERS, strict=False)) if own else {}
    skip = r"[\s*:：\-—–=]*"
    words = f"(?:(?i:{_alternation(option_words)}){skip})?" if option_words else ""
    # A Latin letter must not run into another Latin letter or digit (B-like, Bob, A1); a native
    # letter must stand alone (Thai ค in ค่ะ starts a word, it is not option C; Bengali বি must
    # not be the start of বিকল্প).
    letter = _OPEN + "(?:([A-J" + _FULL_WIDTH + "])(?![A-Za-z0-9_ａ-ｚＡ-Ｚ])"
    if native:
        letter += ("|(" + _alternation(set(native)) + r")(?=$|[\s.,;:!?)）\]}*।。、，$\\"
                   + _QUOTES + "])")
    letter += ")" + _CLOSE
    joiner = rf"\s*(?:{_UNIVERSAL_JOINERS}\s*(?:{conj}\s*)?|{conj}\s*)"
    negations = {w for t in texts for w in t.negations}
    negation = re.compile(f"(?i:{_alternation(negations)})(?![^\\W\\d_])") if negations else None
    option_ref = re.compile(f"(?i:{_alternation(option_words)}){skip}") if option_words else None
    not_letters = tuple(w for t in texts for w in t.not_letters)
    return _Patterns(re.compile(f"(?i:{phrase_pattern(cues)}){skip}{words}"), re.compile(letter),
                     re.compile(joiner), negation, option_ref, native, not_letters,
                     language.uses_spaces)


_PATTERNS: dict[str, _Patterns] = {}


def _patterns(lang: str) -> _Patterns:
    return _PATTERNS.get(lang) or _PATTERNS.setdefault(lang, _build(lang))


_END_OF_PHRASE = re.compile(r"\s*(?:$|[\n.,;:!?。、，．！？।*)）\]}$\\])")


def _letters_at(text: str, pos: int, pat: _Patterns, after_cue: bool = False) -> tuple[list[str], int]:
    """Letters named from ``pos`` on (``B``, ``(B)``, ``B or C``, ``B, C``) and where they end.

    The first letter may be followed by anything but a Latin letter or digit. "A"/"I" followed
    by a lower-case word is an English word, not an option, unless an answer cue came just
    before (``after_cue``: "The answer is A because ..."), and even then not when it starts one
    of the language's ``not_letters`` ("The answer is I think B"). Each further letter must be
    joined by a comma, slash, '&' or the language's 'or'/'and' (not 'and not': "A and not B"
    names A) and, where words are spaced, end the phrase ('B, C is wrong' names B only; in
    zh/ja/th a particle may follow: 'BかCです').
    """
    found: list[str] = []
    while (m := pat.letter.match(text, pos)) is not None:
        group = 1 if m.group(1) else 2
        raw, after = m.group(group), text[m.end(group):]
        joined = pat.joiner.match(text, m.end())
        if joined is not None and pat.negation is not None \
                and pat.negation.match(text, joined.end()) is not None:
            joined = None  # 'A and not B': B is excluded, not a second answer
        more = joined is not None and joined.end() > m.end() \
            and pat.letter.match(text, joined.end()) is not None
        if not found and raw in "AI" and re.match(r"[ \t]+[a-z]{2,}", after) and not more:
            word = text[m.start(group):m.start(group) + 20]
            phrase = next((w for w in pat.not_letters if word.startswith(w)), None)
            if not after_cue:
                break
            if phrase is not None:  # 'the answer is I think B': skip the words, read on
                pos = m.start(group) + len(phrase)
                after_cue = False
                continue
        if found and not more and pat.spaced and not _END_OF_PHRASE.match(text, m.end()):
            break
        found.append(pat.native.get(raw) or unicodedata.normalize("NFKC", raw))
        pos = m.end()
        if not more:
            break
        pos = joined.end()  # type: ignore[union-attr]
    return found, pos


def _normal(text: str) -> str:
    # NFC: Bengali য় and Devanagari nukta letters come precomposed or not, in one text or another
    text = unicodedata.normalize("NFC", _TEXT_WRAPPER.sub(r"\1", text))
    return re.sub(r"[\s*$]+", " ", text).strip(" .。:：").casefold()


def _option_index(span: str, choices: tuple[str, ...] | None) -> int | None:
    """Index of the option whose text ``span`` is (case, spaces, markdown and '.' ignored)."""
    if not choices or not span.strip():
        return None
    target = _normal(span)
    hits = [i for i, option in enumerate(choices) if _normal(option) == target]
    return hits[0] if len(hits) == 1 else None


_PREFIX_CHARS = 12
"""An option line quotes at least this much of its option's text (or all of a shorter one)."""


def _quotes_option(text: str, option: str) -> bool:
    """Whether ``text`` starts with the option's text (its first ``_PREFIX_CHARS`` characters,
    case, spaces and markdown ignored)."""
    want = _normal(option)[:_PREFIX_CHARS]
    return bool(want) and _normal(text[:4 * _PREFIX_CHARS + 20]).startswith(want)


def _decide(letters: list[str], valid: str, rule: str) -> tuple[str | None, str] | None:
    """One valid letter -> (letter, rule); two different -> (None, 'ambiguous'); else None."""
    distinct = list(dict.fromkeys(x for x in letters if x in valid))
    if len(distinct) == 1:
        return distinct[0], rule
    if len(distinct) > 1:
        return None, AMBIGUOUS
    return None


def _from_box(boxed: str, valid: str, choices: tuple[str, ...] | None,
              pat: _Patterns) -> tuple[str | None, str] | None:
    inner = _TEXT_WRAPPER.sub(r"\1", boxed).strip()
    letters, end = _letters_at(inner, 0, pat, after_cue=True)
    rest = inner[end:]
    if letters and re.fullmatch(r"[\s.。:：)）\]]*", rest):
        return _decide(letters, valid, "boxed")
    labelled = inner[:end].rstrip().endswith((")", "）")) or re.match(r"[.:：]\s*\S", rest)
    if len(letters) == 1 and labelled:
        return _decide(letters, valid, "boxed")  # '\boxed{C. Paris}': the letter and its text
    index = _option_index(inner, choices)
    if index is not None and CHOICE_LETTERS[index] in valid:
        return CHOICE_LETTERS[index], "boxed-option-text"
    if re.fullmatch(r"[A-J]{2,10}", inner):  # '\boxed{BC}': several options at once
        return _decide(list(inner), valid, "boxed")
    return None


_PREVIOUS_BOX = re.compile(r"\\boxed\s*\{([^{}]{1,40})\}([^{}]{0,16})\\boxed\s*\{[^{}]*\}[^\\]*$")


def _two_boxes(completion: str, end: int, last: str, valid: str, pat: _Patterns) -> bool:
    """'\\boxed{B} or \\boxed{C}': the last two boxes joined by 'or' / ',' name two options."""
    m = _PREVIOUS_BOX.search(completion[max(0, end - 400):end])
    if m is None or not pat.joiner.fullmatch(m.group(2)):
        return False
    before, _ = _letters_at(_TEXT_WRAPPER.sub(r"\1", m.group(1)).strip(), 0, pat)
    return len(before) == 1 and before[0] in valid and before[0] != last


def _from_cues(text: str, valid: str, choices: tuple[str, ...] | None,
               pat: _Patterns) -> tuple[str | None, str] | None:
    for m in reversed(list(pat.cue.finditer(text))):
        letters, _ = _letters_at(text, m.end(), pat, after_cue=True)
        if letters and (decided := _decide(letters, valid, "answer-phrase")) is not None:
            return decided
        index = _option_index(text[m.end():].split("\n", 1)[0], choices)
        if index is not None and CHOICE_LETTERS[index] in valid:
            return CHOICE_LETTERS[index], "answer-phrase-option-text"
    return None


_OPTION_LINE = re.compile(r"[\s#>*_]*(?:\d+[.)]\s*)?")
"""Markdown before a letter that starts a line ('### **C. Paris**')."""


def _option_line(line: str, valid: str, choices: tuple[str, ...] | None,
                 pat: _Patterns) -> str | None:
    """The letter of a line that is an option as the prompt listed it ('C. Paris', '**C)
    Paris**'): the letter, '.', ')' or ':', then the start of that option's text."""
    start = _OPTION_LINE.match(line)
    m = pat.letter.match(line, start.end() if start else 0)
    if m is None:
        return None
    raw = m.group(1) or m.group(2)
    letter = pat.native.get(raw) or unicodedata.normalize("NFKC", raw)
    rest = line[m.end():]
    if letter not in valid or not re.match(r"[.)）:：]", rest):
        return None
    if choices is not None and not _quotes_option(rest[1:], choices[CHOICE_LETTERS.index(letter)]):
        return None
    return letter


def _from_lines(text: str, valid: str, choices: tuple[str, ...] | None,
                pat: _Patterns) -> tuple[str | None, str] | None:
    """Answers stated as lines: the one '(C)' of the last line, or 'option C' of its last
    sentence ('Option A fails. Therefore, option B.'); a last line that is
    an option, right after a line ending in a colon ('... serait :' / 'C. Cinq kilos ...') or
    quoting the option's text."""
    lines = [line for line in text.strip().split("\n") if line.strip()]
    if not lines:
        return None
    last = lines[-1][-300:]
    named = {unicodedata.normalize("NFKC", x) for x in _PAREN.findall(last)}
    if len(named) == 1 and (letter := named.pop()) in valid:
        return letter, "parenthesized"
    if pat.option_ref is not None:
        refs = set()
        final = [x for x in re.split(r"(?<=[.!?。！？])\s+", last) if x.strip()][-1:]
        for m in pat.option_ref.finditer(final[0] if final else ""):
            letters, _ = _letters_at(final[0], m.end(), pat, after_cue=True)
            refs.update(x for x in letters[:1] if x in valid)
        if len(refs) == 1:
            return refs.pop(), "option-reference"
    letter = _option_line(lines[-1], valid, choices, pat)
    introduced = len(lines) > 1 and lines[-2].rstrip(" *").endswith((":", "："))
    if letter is not None and (choices is not None or introduced):
        return letter, "option-line"
    return None


def _leading_option(text: str, valid: str, choices: tuple[str, ...] | None,
                    pat: _Patterns) -> tuple[str | None, str] | None:
    """A reply that opens by naming one option with its text ('D. Imagerie de marque.', '最も
    効果的な行動は、B. あなたの...'): what instruct models write after a prompt ending in
    'Answer:'. Only with the options known, and only when the first line quotes exactly one."""
    if not choices:
        return None
    first = text.strip().split("\n", 1)[0][:600]
    hits = set()
    for m in pat.letter.finditer(first):
        raw = m.group(1) or m.group(2)
        letter = pat.native.get(raw) or unicodedata.normalize("NFKC", raw)
        rest = first[m.end():]
        if letter in valid and re.match(r"[.)）:：]", rest) \
                and _quotes_option(rest[1:], choices[CHOICE_LETTERS.index(letter)]):
            hits.add(letter)
    return (hits.pop(), "leading-option") if len(hits) == 1 else None


def _choose(completion: str, lang: str, choices: tuple[str, ...] | None) -> tuple[str | None, str]:
    pat = _patterns(lang)
    valid = CHOICE_LETTERS[:len(choices)] if choices else CHOICE_LETTERS
    boxed, end = last_boxed(completion)
    if boxed is not None and (decided := _from_box(boxed, valid, choices, pat)) is not None:
        if decided[0] is not None and _two_boxes(completion, end, decided[0], valid, pat):
            return None, AMBIGUOUS
        return decided
    text = completion[:end][-SEARCH_CHARS:]
    if (decided := _from_cues(text, valid, choices, pat)) is not None:
        return decided
    if (decided := _from_lines(text, valid, choices, pat)) is not None:
        return decided
    stripped = text.strip()
    if len(stripped) <= 40:
        letters, end_pos = _letters_at(stripped, 0, pat)
        if letters and re.fullmatch(r"[\s.。:：*)）\]}$]*", stripped[end_pos:]):
            if (decided := _decide(letters, valid, "bare-letter")) is not None:
                return decided
    if (decided := _leading_option(completion[:end], valid, choices, pat)) is not None:
        return decided
    return None, "no-answer"


def extract_choice(completion: str, lang: str, choices: tuple[str, ...] | None = None) -> str | None:
    """The chosen letter ``"A"``-``"J"``, or None (no answer, or an ambiguous one).

    Letters beyond ``len(choices)`` are ignored; ``choices`` also lets an option's text stand
    for its letter.
    """
    return _choose(completion, lang, choices)[0]


def score_choice(completion: str, gold: str, lang: str,
                 choices: tuple[str, ...] | None = None) -> Verdict:
    """Verdict for one multiple-choice completion; ``gold`` is a letter (``"B"``).

    ``reason``: the rule that found the letter ('boxed', 'answer-phrase', 'parenthesized',
    'bare-letter', '...-option-text'), or 'ambiguous' / 'no-answer' (both ``extracted=None``).
    """
    letter, reason = _choose(completion, lang, choices)
    return Verdict(extracted=letter, correct=letter is not None and letter == gold.strip().upper(),
                   reason=reason)


def score(text: str, gold: str, lang: str, *, choices: tuple[str, ...] | None = None,
          meta: Any = None) -> Verdict:
    """Scorer "choice" of ``scoring.SCORERS``: ``score_choice``."""
    return score_choice(text, gold, lang, choices)
