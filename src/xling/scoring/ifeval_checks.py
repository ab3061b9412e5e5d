"""The instruction checkers of M-IFEval and xIFEval (and IFEval): one small function each.

Stage: score (used by ``scoring.ifeval``). Each checker is ``check(text, rules, **kwargs) ->
bool``: ``rules`` (``ifeval_rules.Rules``) is the benchmark and the language whose authors'
rule applies, the kwargs are the instruction's, exactly as the data writes them
(``num_words=50, relation="less than"``). ``CHECKERS`` maps the instruction id without its
language prefix (``length_constraints:number_words``) to the checker; ``Rules.instructions`` says
which ids a benchmark has in a language. Adding an instruction = one function here, one row in
``CHECKERS``, its id in ``ifeval_rules.INSTRUCTIONS``, one test with a passing and a failing
response in its language.

Each checker does what its authors' ``check_following`` does (M-IFEval: lightblue-tech/M-IFEval
@ 0bc3143, ``instructions/<lang>_instructions.py``; xIFEval: CONE-MT/BenchMAX @ d509bfd,
``tasks/ifeval/instructions.py``; the branch per benchmark and language is named at each
checker), with these deliberate differences (docs/ifeval.md lists them with their reasons):

- ``ja-keyword-tokens`` (M-IFEval ja keywords): a keyword is found where it spans whole Janome
  tokens, not only where it is one token: M-IFEval compares single token surfaces, so a keyword
  Janome splits (大聖堂 = 大 + 聖堂) can never be found or counted, whatever the response says.
- ``seeded-langdetect``: the language checks call langdetect, as the authors do, with its seed
  fixed (the authors leave it unseeded, so a short text can get a different verdict per run).
- ``letter-as-written``: letter_frequency counts the letter the data names; the authors'
  code replaces any letter outside a-z (ぁ-ん in M-IFEval ja) by a random one ("#", "!", "é").
- ``regex-safe``: a keyword, splitter or marker that is not a valid regex is matched literally
  (the authors' code raises on it).
- ``offline-substitute``: where the authors' counter cannot run offline (NLTK Punkt, spaCy
  models, the Flores-101 SentencePiece model) xling's closest counter is used and the summary
  counts those instructions (``ifeval_rules.OFFLINE_SUBSTITUTES``).
"""

from __future__ import annotations

import json
import re
import string
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from xling.schema import XlingError
from xling.scoring import segment
from xling.scoring.ifeval_rules import INSTRUCTIONS, MIFEVAL, XIFEVAL, Rules

Checker = Callable[..., bool]

# ---------------------------------------------------------------- shared helpers


def _is(r: Rules, name: str, *langs: str) -> bool:
    """Whether ``r`` is benchmark ``name`` (in one of ``langs``, when given)."""
    return r.name == name and (not langs or r.lang in langs)


def _compare(r: Rules, count: int, relation: Any, threshold: Any) -> bool:
    return r.relation(relation)(count, int(threshold))


def _regex(raw: str, flags: int = 0) -> re.Pattern[str]:
    """The data's string as the authors use it, a regex; literally when it is not a valid one
    (``regex-safe``)."""
    try:
        return re.compile(raw, flags)
    except re.error:
        return re.compile(re.escape(raw), flags)


_langdetect_lock = threading.Lock()
_langdetect_ready = False


def _detect(text: str) -> str | None:
    """langdetect's language of ``text`` with the seed fixed (``seeded-langdetect``), or None
    where langdetect raises (no letters), which the authors count as followed."""
    global _langdetect_ready
    try:
        from langdetect import DetectorFactory, detect
        from langdetect.lang_detect_exception import LangDetectException
    except ImportError:  # pragma: no cover - langdetect is a dependency
        raise XlingError("the language instructions need langdetect: pip install "
                         "langdetect==1.0.9") from None
    with _langdetect_lock:  # one global factory: load its profiles once, fix its seed
        if not _langdetect_ready:
            DetectorFactory.seed = 0
            _langdetect_ready = True
        try:
            return detect(text)
        except LangDetectException:
            return None


def _word_regex(word: str) -> re.Pattern[str]:
    """``\\b word \\b``, case-insensitive, with ``word`` as a regex when it is one."""
    try:
        return re.compile(r"\b" + word + r"\b", re.IGNORECASE)
    except re.error:
        return re.compile(r"\b" + re.escape(word) + r"\b", re.IGNORECASE)


def _language_is(text: str, code: str) -> bool:
    detected = _detect(text)
    return detected is None or detected == code


def _ja_token_count(text: str, keyword: str) -> int:
    """Occurrences of ``keyword`` that begin and end at Janome token boundaries (M-IFEval ja
    counts tokens whose surface is the keyword; ``ja-keyword-tokens``)."""
    keyword = keyword.strip()
    if not keyword:
        return 0
    starts, ends, pos = set(), set(), 0
    for surface, _ in segment.janome_tokens(text):
        start = text.find(surface, pos)
        start = pos if start < 0 else start
        pos = start + len(surface)
        starts.add(start)
        ends.add(pos)
    return sum(1 for m in re.finditer(re.escape(keyword), text)
               if m.start() in starts and m.end() in ends)


# ---------------------------------------------------------------- change_case


def capital_word_frequency(text: str, r: Rules, *, capital_frequency: int,
                           capital_relation: str) -> bool:
    """Tokens written in capitals (``isupper``), compared with ``capital_frequency``: tokens of
    nltk.word_tokenize (IFEval, BenchMAX, M-IFEval en/fr) or spaCy es (M-IFEval es)."""
    tokens = segment.benchmark_tokens(text, r.counter("change_case:capital_word_frequency")
                                      or "nltk-word-tokenize", r.lang)
    return _compare(r, sum(1 for t in tokens if t.isupper()), capital_relation, capital_frequency)


def _all_caps_in(code: str) -> Checker:
    def check(text: str, r: Rules) -> bool:
        if code == "es":  # M-IFEval es: accents decomposed, every letter upper
            plain = unicodedata.normalize("NFKD", text)
            upper = all(c.isupper() or not c.isalpha() for c in plain
                        if not unicodedata.combining(c))
        else:
            upper = text.isupper()
        # en detects the text as it is; fr and es lower-case it first (capitals read as German)
        return upper and _language_is(text if code == "en" else text.lower(), code)
    check.__doc__ = f"The whole response in capitals and (langdetect) in language {code!r}."
    return check


def _all_lower_in(code: str) -> Checker:
    def check(text: str, r: Rules) -> bool:
        return text.islower() and _language_is(text, code)
    check.__doc__ = f"The whole response in lowercase and (langdetect) in language {code!r}."
    return check


# ---------------------------------------------------------------- combination


def repeat_prompt(text: str, r: Rules, *, prompt_to_repeat: str) -> bool:
    """The response starts with the request repeated word for word (case-insensitive; M-IFEval
    ja compares as written)."""
    if _is(r, MIFEVAL, "ja"):
        return text.strip().startswith(prompt_to_repeat.strip())
    return text.strip().lower().startswith(prompt_to_repeat.strip().lower())


def two_responses(text: str, r: Rules) -> bool:
    """Exactly two different, non-empty responses separated by ``******``."""
    parts = text.split("******")
    kept = []
    for i, part in enumerate(parts):
        if not part.strip():
            if 0 < i < len(parts) - 1:
                return False
        else:
            kept.append(part.strip())
    return len(kept) == 2 and kept[0] != kept[1]


# ---------------------------------------------------------------- detectable_content


def number_placeholders(text: str, r: Rules, *, num_placeholders: int,
                        relation: str | None = None) -> bool:
    """Placeholders in square brackets (``[name]``), at least ``num_placeholders`` (M-IFEval es
    writes the relation, always "al menos")."""
    n = len(re.findall(r"\[.*?\]", text))
    return _compare(r, n, relation, num_placeholders) if relation else n >= int(num_placeholders)


def postscript(text: str, r: Rules, *, postscript_marker: str) -> bool:
    """A postscript: the marker (P.S. / P.P.S with optional spaces; P.D. or Nota in M-IFEval es)
    anywhere in a line, as the authors' unanchored pattern finds it."""
    marker = postscript_marker.strip()
    if _is(r, MIFEVAL, "ja"):  # no lower-casing, IGNORECASE, other markers escaped
        special = {"P.P.S": r"\s*p\.\s?p\.\s?s.*$", "P.S.": r"\s*p\.\s?s\..*$"}
        pattern = special.get(marker, r"\s*" + re.escape(marker) + r".*$")
        return re.search(pattern, text, flags=re.IGNORECASE | re.MULTILINE) is not None
    if _is(r, MIFEVAL, "es"):
        special = {"P.D.": r"\s*p\.\s?d\..*$", "Nota": r"\s*nota.*$"}
    else:
        special = {"P.P.S": r"\s*p\.\s?p\.\s?s.*$", "P.S.": r"\s*p\.\s?s\..*$"}
    if marker in special:
        return re.search(special[marker], text.lower(), flags=re.MULTILINE) is not None
    # BenchMAX escapes other markers; M-IFEval en/es/fr use them as a regex ("P.-S." = p?-s?)
    body = re.escape(marker.lower()) if r.name == XIFEVAL else _regex(marker.lower()).pattern
    return re.search(r"\s*" + body + r".*$", text.lower(), flags=re.MULTILINE) is not None


_TU = re.compile(r"\btu\b|\bte\b|\bt'\b|\btoi\b|\bton\b|\bta\b|\btes\b", re.IGNORECASE)


def informal_address(text: str, r: Rules) -> bool:
    """French tutoiement: tu, te, t', toi, ton, ta or tes appears (M-IFEval fr)."""
    return _TU.search(text) is not None


def no_digits(text: str, r: Rules) -> bool:
    """No digit anywhere (numbers written in words)."""
    return re.search(r"\d", text) is None


# ---------------------------------------------------------------- detectable_format


def constrained_response(text: str, r: Rules) -> bool:
    """The response contains one of the benchmark's fixed answers in its language
    (``ifeval_rules.CONSTRAINED``: "Sí." in M-IFEval es, "Mi respuesta es sí." in xIFEval es)."""
    value = text.strip()
    return any(option in value for option in r.constrained)


def json_format(text: str, r: Rules) -> bool:
    """The whole response parses as JSON (optionally inside a ``` fence)."""
    value = (text.strip().removeprefix("```json").removeprefix("```Json")
             .removeprefix("```JSON").removeprefix("```").removesuffix("```").strip())
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def multiple_sections(text: str, r: Rules, *, section_spliter: str, num_sections: int,
                      relation: str | None = None) -> bool:
    """Sections opened by ``SECTION 1`` (M-IFEval ja: 第1章, full-width digits too)."""
    spliter = section_spliter.strip()
    if _is(r, MIFEVAL, "ja"):
        pattern = r"\s?第[\d\uFF10-\uFF19]+" + _regex(spliter).pattern + r"\s?"
    else:
        pattern = r"\s?" + _regex(spliter).pattern + r"\s?\d+\s?"
    n = len(re.split(pattern, text)) - 1
    return _compare(r, n, relation, num_sections) if relation else n >= int(num_sections)


def number_bullet_lists(text: str, r: Rules, *, num_bullets: int) -> bool:
    """Exactly ``num_bullets`` bullet lines: ``*`` (not ``**``) and ``-`` lines; only ``*`` lines
    in M-IFEval es; only ``・`` lines in M-IFEval ja."""
    if _is(r, MIFEVAL, "ja"):
        n = len(re.findall(r"^\s*・[^・].*$", text, flags=re.MULTILINE))
    else:
        n = len(re.findall(r"^\s*\*[^\*].*$", text, flags=re.MULTILINE))
        if not _is(r, MIFEVAL, "es"):
            n += len(re.findall(r"^\s*-.*$", text, flags=re.MULTILINE))
    return n == int(num_bullets)


def number_numbered_lists(text: str, r: Rules, *, num_items: int) -> bool:
    """Exactly ``num_items`` lines starting with ``1. `` style numbers (M-IFEval ja; a full-width
    ``１．`` does not count)."""
    return len(re.findall(r"^\s*\d+\.\s.*$", text, flags=re.MULTILINE)) == int(num_items)


def number_highlighted_sections(text: str, r: Rules, *, num_highlights: int,
                                relation: str | None = None) -> bool:
    """Non-empty ``*highlights*`` and ``**highlights**`` (M-IFEval ja: 《highlights》)."""
    if _is(r, MIFEVAL, "ja"):
        n = sum(1 for h in re.findall(r"《[^\n《》]*》", text) if h.strip("《》").strip())
    else:
        n = sum(1 for h in re.findall(r"\*[^\n\*]*\*", text) if h.strip("*").strip())
        n += sum(1 for h in re.findall(r"\*\*[^\n\*]*\*\*", text)
                 if h.removeprefix("**").removesuffix("**").strip())
    return _compare(r, n, relation, num_highlights) if relation else n >= int(num_highlights)


def title(text: str, r: Rules) -> bool:
    """A non-empty title in ``<<double angular brackets>>`` (M-IFEval fr: ``##title##``,
    M-IFEval ja: ``『title』``; ``ifeval_rules.TITLES``)."""
    pattern, left, right = r.title
    return any(t.lstrip(left).rstrip(right).strip() for t in re.findall(pattern, text))


def nominal_ending(text: str, r: Rules, *, count: int) -> bool:
    """At least ``count`` sentences ending in a noun (体言止め): a Janome noun right before
    。！？, quotations 「」『』 removed first (M-IFEval ja)."""
    plain = re.sub(r"『.*?』", "", re.sub(r"「.*?」", "", text))
    tokens = segment.janome_tokens(plain)
    n = sum(1 for prev, tok in zip(tokens, tokens[1:], strict=False)
            if tok[0] and tok[0] in "。！？" and prev[1].startswith("名詞"))
    return n >= int(count)


# ---------------------------------------------------------------- keywords


def keywords_existence(text: str, r: Rules, *, keywords: list[str]) -> bool:
    """Every keyword occurs: a case-insensitive regex search (M-IFEval ja: a sequence of whole
    Janome tokens, ``ja-keyword-tokens``)."""
    if _is(r, MIFEVAL, "ja"):
        return all(_ja_token_count(text, k) > 0 for k in keywords)
    return all(_regex(k, re.IGNORECASE).search(text) for k in keywords)


def forbidden_words(text: str, r: Rules, *, forbidden_words: list[str]) -> bool:
    """No forbidden word occurs: as a whole ``\\b`` word (case-insensitive), anywhere in xIFEval
    zh/ja/th/bn/te, as whole Janome tokens in M-IFEval ja."""
    for word in forbidden_words:
        if _is(r, MIFEVAL, "ja"):
            found = _ja_token_count(text, word) > 0
        elif _is(r, XIFEVAL, "zh", "ja", "th", "bn", "te"):
            found = _regex(word, re.IGNORECASE).search(text) is not None
        else:
            found = _word_regex(word).search(text) is not None
        if found:
            return False
    return True


def keyword_frequency(text: str, r: Rules, *, keyword: str, frequency: int,
                      relation: str) -> bool:
    """Occurrences of ``keyword`` (case-insensitive regex matches; M-IFEval ja: whole-token
    matches) compared with ``frequency``."""
    if _is(r, MIFEVAL, "ja"):
        n = _ja_token_count(text, keyword)
    else:
        n = len(_regex(keyword.strip(), re.IGNORECASE).findall(text))
    return _compare(r, n, relation, frequency)


def letter_frequency(text: str, r: Rules, *, letter: str, let_frequency: int,
                     let_relation: str) -> bool:
    """Occurrences of one letter, case-insensitive (M-IFEval ja: a hiragana plus its katakana,
    as written)."""
    letter = letter.strip()
    if _is(r, MIFEVAL, "ja"):
        counts = Counter(text)
        n = counts[letter] + (counts[chr(ord(letter) + 96)] if len(letter) == 1 else 0)
    else:
        n = Counter(text.lower())[letter.lower()]
    return _compare(r, n, let_relation, let_frequency)


# ---------------------------------------------------------------- language


def response_language(text: str, r: Rules, *, language: str) -> bool:
    """The response is in ``language`` (langdetect's code; undetectable text counts as
    followed, as the authors count it)."""
    return _language_is(text, language.strip())


# ---------------------------------------------------------------- length_constraints


def _first_word(paragraph: str, r: Rules, word: str) -> bool:
    """Whether ``paragraph`` opens with ``word`` (lower-cased) the way the rule set reads it."""
    if _is(r, MIFEVAL, "ja"):
        opening = paragraph.lstrip("「").lstrip("『")
        return opening[:len(word)] == word
    if _is(r, XIFEVAL, "zh", "ja", "th"):
        return paragraph.lstrip(" \"'‘“「").startswith(word)
    if _is(r, MIFEVAL, "es"):  # several words, ASCII punctuation removed from each
        expected = word.split()
        got = ["".join(c for c in w if c not in string.punctuation).lower()
               for w in paragraph.split()]
        return len(got) >= len(expected) and got[:len(expected)] == expected
    first = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    if _is(r, XIFEVAL, "es"):
        first = first.lstrip("¿")
    out = ""
    for ch in first:
        if ch in ".,?!'\"":
            break
        out += ch.lower()
    return out == word


def nth_paragraph_first_word(text: str, r: Rules, *, num_paragraphs: int, nth_paragraph: int,
                             first_word: str) -> bool:
    """``num_paragraphs`` paragraphs separated by blank lines (``\\n\\n``), paragraph
    ``nth_paragraph`` opening with ``first_word``."""
    paragraphs = re.split(r"\n\n", text)
    count = sum(1 for p in paragraphs if p.strip())
    nth = int(nth_paragraph)
    if nth > count:
        return False
    paragraph = paragraphs[nth - 1].strip()  # the raw split, blank parts included (as IFEval)
    if not paragraph:
        return False
    return count == int(num_paragraphs) and _first_word(paragraph, r, first_word.lower())


def number_paragraphs(text: str, r: Rules, *, num_paragraphs: int) -> bool:
    """Exactly ``num_paragraphs`` paragraphs separated by the markdown divider ``***``."""
    parts = re.split(r"\s?\*\*\*\s?", text)
    n = len(parts)
    for i, part in enumerate(parts):
        if not part.strip():
            if i in (0, len(parts) - 1):
                n -= 1
            else:
                return False
    return n == int(num_paragraphs)


_LIST_MARKERS = re.compile(r"(^\s*[\d]+\.\s*)|(^\s*[-*]\s*)", re.MULTILINE)


def number_sentences(text: str, r: Rules, *, num_sentences: int, relation: str) -> bool:
    """Sentences as the benchmark counts them in the language (``ifeval_rules.SENTENCE_COUNTERS``;
    M-IFEval es removes list markers first) compared with ``num_sentences``."""
    if _is(r, MIFEVAL, "es"):
        text = _LIST_MARKERS.sub("", text)
    n = segment.benchmark_count_sentences(text, r.sentences, r.lang)
    return _compare(r, n, relation, num_sentences)


def number_words(text: str, r: Rules, *, num_words: int, relation: str) -> bool:
    """Words as the benchmark counts them in the language (``ifeval_rules.WORD_COUNTERS``;
    M-IFEval es removes list markers and line breaks first) compared with ``num_words``."""
    if _is(r, MIFEVAL, "es"):
        text = _LIST_MARKERS.sub("", text).replace("\n", " ")
    n = segment.benchmark_count_words(text, r.words, r.lang)
    return _compare(r, n, relation, num_words)


def number_letters(text: str, r: Rules, *, num_letters: int, relation: str) -> bool:
    """Characters (``len``: spaces and line breaks included) compared with ``num_letters``."""
    return _compare(r, len(text), relation, num_letters)


# ---------------------------------------------------------------- letters (Japanese scripts)

_KANJI = re.compile(r"[\u4e00-\u9faf]")


def furigana(text: str, r: Rules) -> bool:
    """Every run of kanji is followed by its reading in hiragana in full-width brackets:
    漢字（かんじ）."""
    runs = re.findall(r"[\u4e00-\u9faf]+", text)
    return len(runs) == len(re.findall(r"[\u4e00-\u9faf]+（[ぁ-ん]+）", text))


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L")


def hiragana_only(text: str, r: Rules) -> bool:
    """Every letter is a hiragana ぁ..ん (or the long-vowel mark ー)."""
    return all("ぁ" <= ch <= "ん" or ch == "ー" or not _is_letter(ch) for ch in text)


def katakana_only(text: str, r: Rules) -> bool:
    """Every letter is a katakana ァ..ン (full width, with ー and ・) or a half-width ｦ..ﾟ."""
    return all("ァ" <= ch <= "ン" or ch in "ー・" or "ｦ" <= ch <= "ﾟ" or not _is_letter(ch)
               for ch in text)


def no_hiragana(text: str, r: Rules) -> bool:
    """No hiragana ぁ..ゖ at all."""
    return not any("ぁ" <= ch <= "ゖ" for ch in text)


def no_katakana(text: str, r: Rules) -> bool:
    """No katakana ァ..ヺ or half-width ｦ..ﾟ at all."""
    return not any("ァ" <= ch <= "ヺ" or "ｦ" <= ch <= "ﾟ" for ch in text)


def kanji(text: str, r: Rules, *, kanji_limit: int, relation: str) -> bool:
    """Number of kanji (U+4E00..U+9FAF) compared with ``kanji_limit``."""
    return _compare(r, len(_KANJI.findall(text)), relation, kanji_limit)


def kansuuji(text: str, r: Rules) -> bool:
    """Numbers written in kanji: no digit (ASCII or full width)."""
    return no_digits(text, r)


# ---------------------------------------------------------------- punctuation


def no_comma(text: str, r: Rules) -> bool:
    """No comma: ``,`` (M-IFEval en/es/fr), ``,`` and ``，`` (xIFEval, every language), ``、``
    (M-IFEval ja)."""
    if _is(r, MIFEVAL, "ja"):
        return "、" not in text
    return not any(ch in ("," if r.name == MIFEVAL else ",，") for ch in text)


def no_period(text: str, r: Rules) -> bool:
    """No Japanese full stop 。 (M-IFEval ja)."""
    return "。" not in text


def question_marks(text: str, r: Rules) -> bool:
    """A question in Spanish marks: ``¿...?`` with something inside."""
    return any(q.lstrip("¿").rstrip("?").strip() for q in re.findall(r"¿[^?]*\?", text))


def exclamation_marks(text: str, r: Rules) -> bool:
    """An exclamation in Spanish marks: ``¡...!`` with something inside."""
    return any(q.lstrip("¡").rstrip("!").strip() for q in re.findall(r"¡[^!]*!", text))


# ---------------------------------------------------------------- special_character


def _tokens_with(text: str, r: Rules, base_id: str, chars: str, lower: bool) -> int:
    tokens = segment.benchmark_tokens(text, r.counter(base_id) or "spacy-es", r.lang)
    return sum(1 for t in tokens if any(c in (t.lower() if lower else t) for c in chars))


def dieresis(text: str, r: Rules, *, let_frequency: int) -> bool:
    """Exactly ``let_frequency`` words contain ü (M-IFEval es)."""
    return _tokens_with(text, r, "special_character:dieresis", "ü", True) == int(let_frequency)


def enie(text: str, r: Rules, *, let_frequency: int) -> bool:
    """Exactly ``let_frequency`` words contain ñ (M-IFEval es)."""
    return _tokens_with(text, r, "special_character:enie", "ñ", True) == int(let_frequency)


def tildes(text: str, r: Rules, *, num_words: int, relation: str) -> bool:
    """Words with an acute accent (á é í ó ú, either case) compared with ``num_words``
    (M-IFEval es)."""
    n = _tokens_with(text, r, "special_character:tildes", "áéíóúÁÉÍÓÚ", False)
    return _compare(r, n, relation, num_words)


def _strip_accents(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", word)
                   if not unicodedata.combining(ch))


def accents(text: str, r: Rules, *, word_to_accentuate: Mapping[str, str] | str) -> bool:
    """Every occurrence of a listed word carries its accents (``{'ecole': 'école'}``); a mapping
    written as a Python literal string is parsed."""
    import ast

    targets = word_to_accentuate
    if isinstance(targets, str):
        try:
            targets = ast.literal_eval(targets)
        except (ValueError, SyntaxError):
            raise XlingError(f"word_to_accentuate is not a mapping: {targets!r}") from None
    if not isinstance(targets, Mapping):
        raise XlingError(f"word_to_accentuate is not a mapping: {targets!r}")
    for word in re.findall(r"\b\w+\b", text.lower()):
        plain = _strip_accents(word)
        if plain in targets and word != targets[plain]:
            return False
    return True


def ethel_or_cedilla(text: str, r: Rules, *, forbidden_char: str) -> bool:
    """The forbidden character (ç or œ) does not occur, in either case."""
    return re.search(re.escape(forbidden_char), text, flags=re.IGNORECASE) is None


_ACCENTED = re.compile(r"[àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝ]")


def no_accents(text: str, r: Rules) -> bool:
    """No accented letter of M-IFEval fr's list (àáâ... ÀÁÂ...)."""
    return _ACCENTED.search(text) is None


# ---------------------------------------------------------------- startend


def end_checker(text: str, r: Rules, *, end_phrase: str) -> bool:
    """The response ends with ``end_phrase``, case-insensitive, a closing ``"`` ignored
    (M-IFEval es: one final full stop ignored too; M-IFEval ja: closing 」』 ignored, case kept)."""
    if _is(r, MIFEVAL, "ja"):
        return text.strip().strip("」』").endswith(end_phrase.strip().strip("」』"))
    value = text.strip().strip('"').lower()
    if _is(r, MIFEVAL, "es") and value.endswith("."):
        value = value[:-1]
    return value.endswith(end_phrase.strip().lower())


def quotation(text: str, r: Rules) -> bool:
    """The whole response wrapped in quotation marks (``ifeval_rules.QUOTES``): ``"…"``
    (M-IFEval en/es), ``"…"`` ``'…'`` ``«…»`` (M-IFEval fr), ``「…」`` (M-IFEval ja); xIFEval,
    every language: opens with one of ``" “ „ «`` and closes with one of ``" ” “ »``."""
    value = text.strip()
    if len(value) < 2:
        return False
    return any(value.startswith(a) and value.endswith(b) for a, b in r.quotes)


def sentence_unified_end(text: str, r: Rules, *, ending: str) -> bool:
    """Every sentence (pieces between 。！？, quotations 「」『』 removed first) ends with
    ``ending``, the piece after the last 。 included (M-IFEval ja)."""
    plain = re.sub(r"『.*?』", "", re.sub(r"「.*?」", "", text))
    return all(p.endswith(ending) for p in re.split(r"[。！？]", plain) if p)


# ---------------------------------------------------------------- the authors' rule, kept


def _ja_surfaces(text: str) -> Counter[str]:
    return Counter(surface for surface, _ in segment.janome_tokens(text))


def _authors_ja_existence(text: str, r: Rules, *, keywords: list[str]) -> bool:
    return all(_ja_surfaces(text)[k] > 0 for k in keywords)


def _authors_ja_forbidden(text: str, r: Rules, *, forbidden_words: list[str]) -> bool:
    return not any(_ja_surfaces(text)[w] for w in forbidden_words)


def _authors_ja_frequency(text: str, r: Rules, *, keyword: str, frequency: int,
                          relation: str) -> bool:
    return _compare(r, _ja_surfaces(text)[keyword.strip()], relation, frequency)


def _authors_letter_frequency(text: str, r: Rules, *, letter: str, let_frequency: int,
                              let_relation: str) -> bool | None:
    """The authors' letter check, None where it is random: a letter outside a-z (ぁ-ん in
    M-IFEval ja) is replaced by a random one there ("#", "!", "é", a Cyrillic letter)."""
    if _is(r, MIFEVAL, "ja"):
        valid = len(letter) == 1 and "ぁ" <= letter <= "ん"
    else:
        valid = len(letter) == 1 and "a" <= letter.lower() <= "z"
    if not valid:
        return None
    return letter_frequency(text, r, letter=letter, let_frequency=let_frequency,
                            let_relation=let_relation)


AUTHORS_RULES: dict[tuple[str, str, str], tuple[str, Callable[..., bool | None]]] = {
    (MIFEVAL, "ja", "keywords:existence"): ("ja-keyword-tokens", _authors_ja_existence),
    (MIFEVAL, "ja", "keywords:frequency"): ("ja-keyword-tokens", _authors_ja_frequency),
    (MIFEVAL, "ja", "keywords:forbidden_words"): ("ja-keyword-tokens", _authors_ja_forbidden),
    **{(name, lang, "keywords:letter_frequency"): ("letter-as-written", _authors_letter_frequency)
       for name, lang in INSTRUCTIONS if "keywords:letter_frequency" in INSTRUCTIONS[(name, lang)]},
}
"""(rule set, lang, id) -> (xling's deliberate difference, the authors' own check, None where
its verdict is random): where xling checks otherwise on purpose, the authors' check runs too,
so the summary counts the verdicts that differ from the authors' (or that the authors leave to
chance)."""


CHECKERS: dict[str, Checker] = {
    "change_case:capital_word_frequency": capital_word_frequency,
    "change_case:english_capital": _all_caps_in("en"),
    "change_case:english_lowercase": _all_lower_in("en"),
    "change_case:french_capital": _all_caps_in("fr"),
    "change_case:french_lowercase": _all_lower_in("fr"),
    "change_case:spanish_capital": _all_caps_in("es"),
    "change_case:spanish_lowercase": _all_lower_in("es"),
    "combination:repeat_prompt": repeat_prompt,
    "combination:two_responses": two_responses,
    "detectable_content:informal_address": informal_address,
    "detectable_content:no_digits": no_digits,
    "detectable_content:number_placeholders": number_placeholders,
    "detectable_content:postscript": postscript,
    "detectable_format:constrained_response": constrained_response,
    "detectable_format:json_format": json_format,
    "detectable_format:multiple_sections": multiple_sections,
    "detectable_format:nominal_ending": nominal_ending,
    "detectable_format:number_bullet_lists": number_bullet_lists,
    "detectable_format:number_highlighted_sections": number_highlighted_sections,
    "detectable_format:number_numbered_lists": number_numbered_lists,
    "detectable_format:title": title,
    "keywords:existence": keywords_existence,
    "keywords:forbidden_words": forbidden_words,
    "keywords:frequency": keyword_frequency,
    "keywords:letter_frequency": letter_frequency,
    "language:response_language": response_language,
    "length_constraints:nth_paragraph_first_word": nth_paragraph_first_word,
    "length_constraints:number_letters": number_letters,
    "length_constraints:number_paragraphs": number_paragraphs,
    "length_constraints:number_sentences": number_sentences,
    "length_constraints:number_words": number_words,
    "letters:furigana": furigana,
    "letters:hiragana_only": hiragana_only,
    "letters:kanji": kanji,
    "letters:kansuuji": kansuuji,
    "letters:katakana_only": katakana_only,
    "letters:no_hiragana": no_hiragana,
    "letters:no_katakana": no_katakana,
    "punctuation:exclamation_marks": exclamation_marks,
    "punctuation:no_comma": no_comma,
    "punctuation:no_period": no_period,
    "punctuation:question_marks": question_marks,
    "special_character:accents": accents,
    "special_character:dieresis": dieresis,
    "special_character:enie": enie,
    "special_character:ethel_or_cedilla": ethel_or_cedilla,
    "special_character:no_accents": no_accents,
    "special_character:tildes": tildes,
    "startend:end_checker": end_checker,
    "startend:quotation": quotation,
    "startend:sentence_unified_end": sentence_unified_end,
}
"""Instruction id (without the ``lang:`` prefix) -> checker(text, rules, **kwargs) -> bool."""
