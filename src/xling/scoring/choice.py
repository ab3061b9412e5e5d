"""Multiple-choice letters (A-J): per-language answer cues, the last cue wins.

Stage: score, for MMLU-ProX-Lite (10 options), GPQA and LogiQA (4 options). Order of rules:
the last ``\\boxed{..}`` holding a letter (or an option's text), else the letter after the last
answer cue (the language's answer phrases, English ones and a few "correct answer" forms), else a
bare letter when the whole response is essentially one letter (``"B"``, ``"(B)."``, ``"**B**"``).
Native letter forms are mapped: full-width ``Ｂ``, Bengali ``ক খ গ ঘ ...``, Thai ``ก ข ค ง ...``.
Only capital letters count, and "A"/"I" followed by a lower-case word are read as words.
Try:  python -c "from xling.scoring.choice import extract_choice; print(extract_choice('Antwort: (C)', 'de'))"

>>> extract_choice("Die Antwort ist B. Nein, die richtige Antwort ist **D**.", "de")
'D'
"""

from __future__ import annotations

import re
import unicodedata

from xling.languages import get_language
from xling.schema import Verdict
from xling.scoring.math import SEARCH_CHARS, last_boxed

LETTERS = "ABCDEFGHIJ"
NATIVE = {**dict(zip("কখগঘঙচছজঝঞ", LETTERS, strict=True)),
          **dict(zip("กขคงจฉชซฌญ", LETTERS, strict=True))}
_EXTRA_CUES = ("correct answer is", "correct option is", "option", "正确答案是", "选项", "正解は",
               "правильный ответ", "richtige antwort ist", "respuesta correcta es",
               "bonne réponse est", "คำตอบที่ถูกต้องคือ", "jibu sahihi ni", "সঠিক উত্তর")
_LETTER = r"[\s*:：(（\[{$]*(?:\\text(?:bf)?\{)?([A-JＡ-Ｊ" + "".join(NATIVE) + r"])(?![\w])" \
          r"(?!(?<=[AI])[ \t]+[a-z]{2,})"
_BARE = re.compile(r"[\s*(（\[{$]*(?:\\boxed\{)?" + r"([A-JＡ-Ｊ" + "".join(NATIVE) + r"])"
                   r"[\s*)）\]}$.:]*")
_CUES: dict[str, re.Pattern[str]] = {}


def _cue_regex(lang: str) -> re.Pattern[str]:
    phrases = {*get_language(lang).answer_phrases, *get_language("en").answer_phrases,
               *_EXTRA_CUES}
    alternatives = "|".join(re.escape(p).replace(r"\ ", r"\s*")
                            for p in sorted(phrases, key=len, reverse=True))
    return re.compile(f"(?i:{alternatives}){_LETTER}")


def _to_letter(ch: str) -> str:
    return NATIVE.get(ch) or unicodedata.normalize("NFKC", ch)


def extract_choice(completion: str, lang: str, choices: tuple[str, ...] | None = None) -> str | None:
    """The chosen letter ``"A"``-``"J"``, or None (letters beyond ``len(choices)`` are ignored)."""
    valid = LETTERS[:len(choices)] if choices else LETTERS
    boxed, end = last_boxed(completion)
    if boxed is not None:
        if m := _BARE.fullmatch(re.sub(r"\\text(?:bf)?\{([^{}]*)\}", r"\1", boxed)):
            return _to_letter(m.group(1)) if _to_letter(m.group(1)) in valid else None
        for i, option in enumerate(choices or ()):
            if boxed.strip().casefold() == option.strip().casefold():
                return LETTERS[i]
    text = completion[:end][-SEARCH_CHARS:]
    regex = _CUES.get(lang) or _CUES.setdefault(lang, _cue_regex(lang))
    found = [_to_letter(m.group(1)) for m in regex.finditer(text)]
    found = [letter for letter in found if letter in valid]
    if found:
        return found[-1]
    if len(text) <= 40 and (m := _BARE.fullmatch(text)) and _to_letter(m.group(1)) in valid:
        return _to_letter(m.group(1))
    return None


def score_choice(completion: str, gold: str, lang: str,
                 choices: tuple[str, ...] | None = None) -> Verdict:
    """Verdict for one multiple-choice completion; ``gold`` is a letter (``"B"``)."""
    letter = extract_choice(completion, lang, choices)
    if letter is None:
        return Verdict(extracted=None, correct=False, reason="no-answer")
    return Verdict(extracted=letter, correct=letter == gold.strip().upper(), reason="choice")
