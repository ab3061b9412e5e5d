"""Multilingual numerals: native digits, separators, decimal comma, units, percent, fractions.

Stage: score. Turns a number as people write it in a language into a canonical string
(ASCII digits, no grouping, ``.`` as the decimal point) and, for plain numbers and simple
fractions, into an exact ``Fraction``. The separators come from the CLDR table in
``xling.languages``. Shapes are decided structurally (EVAL_NOTES.md section 4.1):

- both ``,`` and ``.`` present: the last one is the decimal point, the other groups;
- one separator repeated (``1.234.567``, Indian ``12,34,567``): grouping;
- one separator followed by 1, 2 or 4+ digits (``1,5``, ``0.25``): decimal (a comma only in
  languages whose decimal symbol is the comma; in English ``1,5`` stays a list);
- spaces of any kind (U+00A0, U+202F, U+2009, ``\\,``, ``\\ ``, ``~``) followed by exactly three
  digits: grouping (``114 200`` is 114200, never 200);
- a single ``,`` or ``.`` followed by exactly three digits (``1.000``) is the one ambiguous
  shape: it is read with the language's decimal symbol and reported as ambiguous.

Percent signs and words, currency symbols and unit words are dropped, so ``60\\%`` equals a gold
60; gold x 100 or gold / 100 is never accepted. Nothing here evaluates model text.
Try:  python -c "from xling.scoring.numbers import normalize; print(normalize('70.000 €', 'de'))"

>>> normalize("1 234,5", "fr")
('1234.5', False)
>>> normalize("১২,৩৪,৫৬৭", "bn")
('1234567', False)
>>> to_fraction("\\\\frac{3}{4}")
Fraction(3, 4)
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

from xling.languages import get_language

# Full-width / typographic punctuation that appears inside numbers.
_PUNCT = str.maketrans({"，": ",", "．": ".", "－": "-", "−": "-", "％": "%", "＄": "$", "｛": "{",
                        "｝": "}", "（": "(", "）": ")", "／": "/", "＋": "+", "’": "'"})
_SPACES = re.compile(r"\\[,;: !]|~|[\u00a0\u202f\u2009\u2007\u3000]")
_UNWRAP = re.compile(r"\\(?:text|textbf|textrm|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
_LATEX_NOISE = re.compile(r"\\(?:left|right|displaystyle)\b|\$|\\\(|\\\)|\\\[|\\\]")
_CURRENCY = re.compile(r"\\\$|[$€£¥元円₹৳฿₽₦]|\\(?:euro|pounds|yen)\b")
_PERCENT = re.compile(r"\\%|%|\\percent\b")
# A numeral: digits, optionally grouped/decimal-marked. Spaces group only before exactly 3 digits.
_NUMERAL = re.compile(r"\d+(?:(?:[.,']|\{,\})\d+|\s\d{3}(?!\d))*")
NUMBER_SPAN = re.compile(r"-?\s?\\[dt]?frac\{[^{}]*\}\{[^{}]*\}|[-$]?\s?" + _NUMERAL.pattern
                         + r"(?:\s?(?:\\?%|[^\W\d_]+))?")
"""A number as written in free text, with its sign, currency, percent or one unit word."""
_WORD = re.compile(r"(?<![\\a-zA-Z])[^\W\d_]+")  # a run of letters, not part of a LaTeX command
_PLAIN = re.compile(r"-?\d+(?:\.\d+)?")
_FRAC = re.compile(r"(-?)\\[dt]?frac\{(-?\d+(?:\.\d+)?)\}\{(-?\d+(?:\.\d+)?)\}")
_SLASH = re.compile(r"(-?\d+(?:\.\d+)?)/(-?\d+(?:\.\d+)?)")


def to_ascii_digits(text: str) -> str:
    """Map every Unicode decimal digit (Bengali, Thai, Devanagari, full-width, ...) to ASCII.

    Also maps full-width ``，．％`` and the minus sign U+2212 to their ASCII forms.

    >>> to_ascii_digits("๑๒ ０．５")
    '12 0.5'
    """
    if text.isascii():
        return text
    chars = [str(unicodedata.decimal(c)) if not c.isascii() and unicodedata.decimal(c, None)
             is not None else c for c in text]
    return "".join(chars).translate(_PUNCT)


def _read_numeral(token: str, lang: str, decimal_mark: str | None = None) -> tuple[str | None, bool]:
    """Canonical decimal string of one numeral token (see module docstring), and ambiguity.

    ``decimal_mark`` overrides the language's decimal symbol (the other reading of ``1.000``)."""
    lang_decimal = decimal_mark or get_language(lang).decimal
    token = token.replace("{,}", ",")
    parts = re.split(r"([.,'\s])", token)
    digits, seps = parts[0::2], parts[1::2]
    if not seps:
        return token, False
    marks = [s for s in seps if s in ".,"]
    if not marks:  # spaces or apostrophes only: grouping
        return "".join(digits), False
    last = max(i for i, s in enumerate(seps) if s in ".,")
    decimal: str | None
    ambiguous = False
    if len(set(marks)) == 2 or (len(marks) == 1 and len(seps) > 1):
        decimal = seps[last]  # 1.234,5 / 1 234,5 / 1,234.5: the last mark is the decimal point
        if marks.count(decimal) > 1 or last != len(seps) - 1:
            return None, False
    elif len(marks) > 1:
        decimal = None  # 1.234.567 / 12,34,567: grouping
    elif len(digits[-1]) != 3 or digits[0] == "0" or len(digits[0]) > 3:
        decimal = marks[0]  # 1,5 / 0.500 / 1234,567
        if decimal == "," and lang_decimal != ",":
            return None, False  # 1,5 in English is more likely a list than a decimal comma
    else:
        ambiguous = True  # 1.000 / 1,000: the language decides
        decimal = marks[0] if marks[0] == lang_decimal else None
    whole, frac = (digits[:-1], digits[-1]) if decimal else (digits, "")
    if any(len(g) not in (2, 3) for g in whole[1:]) or (whole[1:] and len(whole[-1]) != 3):
        return None, False  # not a grouping: 1,2,3 is a list, not a number
    return "".join(whole) + (f".{frac}" if frac else ""), ambiguous


def normalize(text: str, lang: str, decimal_mark: str | None = None) -> tuple[str, bool]:
    """Rewrite every numeral in ``text`` canonically; strip LaTeX noise, currency and percent.

    Args:
        text: an extracted answer span, e.g. ``"70.000 €"`` or ``"\\\\frac{1}{2}"``.
        lang: ISO 639-1 code whose CLDR separators resolve the ambiguous ``1.000`` shape.
        decimal_mark: read the ambiguous shape with this decimal symbol instead of the
            language's (``other_reading`` uses it for the second reading).

    Returns:
        (canonical string, whether any numeral was ambiguous). A numeral that is not a valid
        grouping (``1,2,3``) is left as written, so a list stays a list.
    """
    text = plain_numerals(text)
    text = _CURRENCY.sub("", _UNWRAP.sub(r" \1 ", text))
    text = _PERCENT.sub("", _LATEX_NOISE.sub("", text))
    text = re.sub(r"\s+", " ", text).strip().rstrip(".。।").strip()
    ambiguous = False

    def canon(match: re.Match[str]) -> str:
        nonlocal ambiguous
        value, amb = _read_numeral(match.group(0), lang, decimal_mark)
        ambiguous |= amb
        return value if value is not None else match.group(0)

    text = _NUMERAL.sub(canon, text)
    text = re.sub(r"(\d)\.0+(?!\d)", r"\1", text)  # 18.0 -> 18
    text = re.sub(r"(\.\d*?[1-9])0+(?!\d)", r"\1", text)  # 1.50 -> 1.5
    return text, ambiguous


def other_reading(text: str, lang: str) -> str | None:
    """The canonical form of ``text`` read the English way (``.`` decimal, ``,`` grouping) when
    ``lang`` writes decimals with a comma, or None when that reading is the same (or ``lang``
    already reads the English way: in English ``1,5`` stays a list, never 1.5).

    Models mix conventions, and datasets write their golds the English way in every language:
    MGSM's ``2,125`` (2125, which a German reader takes for 2.125), PolyMath's interval
    ``[2,3)`` (which a German reader takes for [2.3)). ``scoring.math.compare`` accepts a span
    whose English reading equals the gold, flagged ``ambiguous_number`` so the count is visible.

    >>> other_reading("2,125", "de"), other_reading("[2,3)", "fr")
    ('2125', '[2,3)')
    >>> other_reading("2,125", "en"), other_reading("12", "de")
    (None, None)
    """
    if get_language(lang).decimal != ",":
        return None
    other = normalize(text, lang, decimal_mark=".")[0]
    return None if other == normalize(text, lang)[0] else other


def to_fraction(text: str) -> Fraction | None:
    """Exact value of a canonical plain number or simple fraction, else None.

    Accepts ``-12.5``, ``\\\\frac{a}{b}`` (also ``\\\\dfrac``, ``\\\\tfrac``), ``a/b``, each with
    unit words around it (``18 dollars``); anything else (expressions, sets) gives None.
    """
    text = text.strip()
    if not _PLAIN.fullmatch(text) and not _FRAC.fullmatch(text) and not _SLASH.fullmatch(text):
        text = _WORD.sub(" ", text)  # unit words: 18 dollars, 18元, asilimia 60
        text = re.sub(r"\s+", " ", re.sub(r"\{\s*\}", "", text)).strip()
        if text.startswith("{") and text.endswith("}") and text.count("{") == 1:
            text = text[1:-1].strip()
    if _PLAIN.fullmatch(text):
        return Fraction(text)
    if m := _FRAC.fullmatch(text) or _SLASH.fullmatch(text):
        *sign, num, den = m.groups()
        if Fraction(den) == 0:
            return None
        value = Fraction(num) / Fraction(den)
        return -value if sign and sign[0] else value
    return None


def plain_numerals(text: str) -> str:
    """``text`` as the number readers see it: every decimal digit in ASCII (``to_ascii_digits``)
    and every space a number may be grouped with (U+00A0, U+202F, U+2009, LaTeX ``\\,`` and
    ``~``, ...) a plain space; find numbers in it with ``NUMBER_SPAN``.

    >>> plain_numerals("১২\u202f৩৪৫")
    '12 345'
    """
    return _SPACES.sub(" ", to_ascii_digits(text))


def first_numeral(text: str) -> str | None:
    """The first number-like span of free text (after an answer phrase), or None.

    Keeps a leading minus, a ``\\\\frac{..}{..}`` and a trailing percent sign or unit word.

    >>> first_numeral("  70.000 Euro. Danach 5")
    '70.000 Euro'
    """
    m = NUMBER_SPAN.search(plain_numerals(text))
    return m.group(0).strip() if m else None
