"""The instruction checkers of IFEval, M-IFEval and xIFEval: one small function per instruction.

Stage: score (used by ``scoring.ifeval``). Each checker is ``check(text, lang, **kwargs) -> bool``
with the instruction's kwargs exactly as the data writes them (``num_words=50,
relation="less than"``); ``CHECKERS`` maps the instruction id without its language prefix
(``length_constraints:number_words``) to the checker. Adding an instruction = one function here,
one row in ``CHECKERS``, one test with a passing and a failing response in its language.

Semantics follow the reference implementations (Zhou et al. 2023, google-research
``instruction_following_eval``; Dussolle et al. 2025, lightblue-tech/M-IFEval; BenchMAX's xIFEval)
with these deliberate differences, each noted at its checker:

- Words and sentences are counted per language by ``scoring.segment`` (IFEval uses NLTK's
  English Punkt model and ``\\w+`` for every language).
- Relations are read in the data's language: "less than" / "moins de" / "未満" are ``<``,
  "at least" / "au moins" / "al menos" / "以上" are ``>=``, "como máximo" / "at most" ``<=``
  (M-IFEval's Spanish relations); an unknown relation is an error, never a guess. Spanish
  placeholders, highlights and sections honour "como máximo" (M-IFEval ignores it).
- The language of a response is identified by py3langid over its 97-language model
  (``scoring.language``; IFEval uses langdetect). Text with no detectable language does not
  follow a language instruction (IFEval counts it as followed).
- Markers take the language's forms: 「」 quotes and 『』 titles and 《》 highlights and ・ bullets
  and 第N章 sections (ja), « » quotes (fr, ru), “ ” (zh, de); commas include ， and 、 (zh, ja).
- Keywords in languages written without spaces (zh, ja, th) match at word boundaries of the
  segmenter, so a keyword the segmenter splits in two still counts (M-IFEval compares whole
  Janome tokens) and 海 is not found inside 海外.
- ``nth_paragraph_first_word`` compares the paragraph's opening words with the (possibly
  multi-word) first_word, so M-IFEval's Spanish "Desde mi punto de vista" can be followed.
"""

from __future__ import annotations

import ast
import json
import operator
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from xling.schema import XlingError
from xling.scoring import segment

Checker = Callable[..., bool]

RELATIONS: dict[str, Callable[[int, int], bool]] = {
    "less than": operator.lt, "moins de": operator.lt, "未満": operator.lt,
    "at least": operator.ge, "au moins": operator.ge, "al menos": operator.ge, "以上": operator.ge,
    "at most": operator.le, "como máximo": operator.le,
}
"""Relation words of IFEval (en), M-IFEval (fr, es, ja) -> comparison of (count, threshold)."""


def compare(count: int, relation: str, threshold: Any) -> bool:
    """``count <relation> threshold`` with the relation as the data writes it.

    >>> compare(49, "less than", 50), compare(3, "以上", 3), compare(4, "como máximo", 3)
    (True, True, False)

    Raises:
        XlingError: a relation that is not in ``RELATIONS``.
    """
    try:
        op = RELATIONS[str(relation).strip().lower()]
    except KeyError:
        raise XlingError(f"unknown relation {relation!r}; known: {', '.join(RELATIONS)}") from None
    return op(count, int(threshold))


# ---------------------------------------------------------------- shared helpers

_CJK_LANGS = ("zh", "ja", "th")  # written without spaces: keywords match at segmenter boundaries
_QUOTES: dict[str, tuple[tuple[str, str], ...]] = {
    "ja": (("「", "」"), ("『", "』"), ('"', '"')),
    "zh": (('"', '"'), ("“", "”"), ("「", "」")),
    "fr": (('"', '"'), ("«", "»"), ("'", "'"), ("“", "”")),
    "ru": (('"', '"'), ("«", "»")),
    "de": (('"', '"'), ("„", "“"), ("“", "”")),
}
_DEFAULT_QUOTES: tuple[tuple[str, str], ...] = (('"', '"'),)
_COMMAS = {"zh": ",，、", "ja": ",，、"}
_CONSTRAINED: dict[str, tuple[str, ...]] = {  # M-IFEval's options, then xIFEval's
    "en": ("My answer is yes.", "My answer is no.", "My answer is maybe."),
    "es": ("Sí.", "No.", "Quizás.", "Mi respuesta es sí.", "Mi respuesta es no.",
           "Mi respuesta es tal vez."),
    "fr": ("Oui.", "Non.", "Peut-être.", "Ma réponse est oui.", "Ma réponse est non.",
           "Ma réponse est peut-être."),
    "ja": ("はい、そうです。", "いいえ、違います。", "どちらとも言えません。",
           "私の答えはイエスです。", "私の答えはノーです。", "私の答えは多分です。"),
    "zh": ("我的回答是肯定的。", "我的回答是否定的。", "我的回答是可能。"),
    "de": ("Meine Antwort ist ja.", "Meine Antwort ist nein.", "Meine Antwort ist vielleicht."),
    "ru": ("Мой ответ — да.", "Мой ответ — нет.", "Мой ответ — может быть."),
    "th": ("คำตอบของฉันคือใช่", "คำตอบของฉันคือไม่", "คำตอบของฉันคือบางที"),
    "sw": ("Jibu langu ni ndiyo.", "Jibu langu ni hapana.", "Jibu langu ni labda."),
    "bn": ("আমার উত্তর হ্যাঁ।", "আমার উত্তর না।", "আমার উত্তর হয়তো।"),
    "te": ("నా సమాధానం అవును.", "నా సమాధానం లేదు.", "నా సమాధానం కావచ్చు."),
}
_KANJI = re.compile(r"[\u4e00-\u9faf]")
_HIRAGANA = ("\u3041", "\u3096")  # ぁ..ゖ
_KATAKANA = ("\u30a1", "\u30fa")  # ァ..ヺ
_HALF_KATAKANA = ("\uff66", "\uff9f")  # ｦ..ﾟ


def _in(ch: str, block: tuple[str, str]) -> bool:
    return block[0] <= ch <= block[1]


def _is_language(text: str, code: str) -> bool:
    """Whether the dominant language of ``text`` is ``code`` (py3langid, 97 languages; case is
    folded first, since ALL-CAPS text is still in its language)."""
    from xling.scoring.language import detect_language

    return detect_language(text.lower(), _all_languages()) == code


def _all_languages() -> tuple[str, ...]:
    global _ALL_LANGUAGES
    if _ALL_LANGUAGES is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _ALL_LANGUAGES = tuple(LanguageIdentifier.from_model_file(MODEL_FILE).nb_classes)
    return _ALL_LANGUAGES


_ALL_LANGUAGES: tuple[str, ...] | None = None


def _occurrences(text: str, keyword: str, lang: str) -> int:
    """How often ``keyword`` occurs in ``text``, case-insensitively: as a substring in space
    languages (IFEval), at word boundaries of the segmenter in zh/ja/th."""
    keyword = keyword.strip()
    if not keyword:
        return 0
    hay, needle = text.lower(), keyword.lower()
    if lang not in _CJK_LANGS:
        return len(re.findall(re.escape(needle), hay))
    spans = segment.word_spans(text, lang)
    starts = {a for a, _ in spans}
    ends = {b for _, b in spans}
    return sum(1 for m in re.finditer(re.escape(needle), hay)
               if m.start() in starts and m.end() in ends)


def _strip_accents(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", word)
                   if unicodedata.category(ch) != "Mn")


# ---------------------------------------------------------------- change_case


def capital_word_frequency(text: str, lang: str, *, capital_frequency: int,
                           capital_relation: str) -> bool:
    """Words written in capitals (``isupper``), compared with ``capital_frequency``."""
    n = sum(1 for w in segment.words(text, lang) if w.isupper())
    return compare(n, capital_relation, capital_frequency)


def _all_caps_in(code: str) -> Checker:
    def check(text: str, lang: str) -> bool:
        return text.isupper() and _is_language(text, code)
    check.__doc__ = f"The whole response in capitals and in language {code!r}."
    return check


def _all_lower_in(code: str) -> Checker:
    def check(text: str, lang: str) -> bool:
        return text.islower() and _is_language(text, code)
    check.__doc__ = f"The whole response in lowercase and in language {code!r}."
    return check


# ---------------------------------------------------------------- combination


def repeat_prompt(text: str, lang: str, *, prompt_to_repeat: str) -> bool:
    """The response starts with the request repeated word for word (case-insensitive)."""
    return text.strip().lower().startswith(prompt_to_repeat.strip().lower())


def two_responses(text: str, lang: str) -> bool:
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


def number_placeholders(text: str, lang: str, *, num_placeholders: int,
                        relation: str = "at least") -> bool:
    """Placeholders in square brackets (``[name]``), at least ``num_placeholders``."""
    return compare(len(re.findall(r"\[.*?\]", text)), relation, num_placeholders)


def postscript(text: str, lang: str, *, postscript_marker: str) -> bool:
    """A line starting with the postscript marker (P.S. / P.P.S with optional spaces)."""
    marker = postscript_marker.strip()
    if marker == "P.P.S":
        pattern = r"\s*p\.\s?p\.\s?s.*$"
    elif marker == "P.S.":
        pattern = r"\s*p\.\s?s\..*$"
    else:
        pattern = r"\s*" + re.escape(marker.lower()) + r".*$"
    return re.search(pattern, text.lower(), flags=re.MULTILINE) is not None


def informal_address(text: str, lang: str) -> bool:
    """French tutoiement: tu, te, t', toi, ton, ta or tes appears (M-IFEval fr)."""
    return re.search(r"\b(?:tu|te|toi|ton|ta|tes)\b|\bt['’]", text, flags=re.IGNORECASE) is not None


def no_digits(text: str, lang: str) -> bool:
    """No digit anywhere (numbers written in words)."""
    return re.search(r"\d", text) is None


# ---------------------------------------------------------------- detectable_format


def constrained_response(text: str, lang: str) -> bool:
    """The response contains one of the language's fixed answers ("My answer is yes." ...)."""
    options = _CONSTRAINED.get(lang, _CONSTRAINED["en"])
    value = text.strip()
    return any(option in value for option in options)


def json_format(text: str, lang: str) -> bool:
    """The whole response parses as JSON (optionally inside a ``` fence)."""
    value = text.strip()
    for prefix in ("```json", "```Json", "```JSON", "```"):
        if value.startswith(prefix):
            value = value[len(prefix):]
            break
    value = value.removesuffix("```").strip()
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def multiple_sections(text: str, lang: str, *, section_spliter: str, num_sections: int,
                      relation: str = "at least") -> bool:
    """Sections opened by ``SECTION 1`` (or 第1章 when the splitter is one CJK character)."""
    spliter = section_spliter.strip()
    if len(spliter) == 1 and _KANJI.match(spliter):
        pattern = r"\s?第[\d０-９]+" + re.escape(spliter) + r"\s?"
    else:
        pattern = r"\s?" + re.escape(spliter) + r"\s?\d+\s?"
    return compare(len(re.split(pattern, text)) - 1, relation, num_sections)


def number_bullet_lists(text: str, lang: str, *, num_bullets: int) -> bool:
    """Exactly ``num_bullets`` lines starting with a bullet: ``*`` (not ``**``), ``-`` or ``・``."""
    n = (len(re.findall(r"^\s*\*[^\*].*$", text, flags=re.MULTILINE))
         + len(re.findall(r"^\s*-.*$", text, flags=re.MULTILINE))
         + len(re.findall(r"^\s*・[^・].*$", text, flags=re.MULTILINE)))
    return n == int(num_bullets)


def number_numbered_lists(text: str, lang: str, *, num_items: int) -> bool:
    """Exactly ``num_items`` lines starting with ``1. `` style numbers (M-IFEval ja)."""
    return len(re.findall(r"^\s*\d+[.．]\s.*$", text, flags=re.MULTILINE)) == int(num_items)


def number_highlighted_sections(text: str, lang: str, *, num_highlights: int,
                                relation: str = "at least") -> bool:
    """Non-empty ``*highlights*`` / ``**highlights**`` (or 《highlights》 in Japanese)."""
    n = sum(1 for h in re.findall(r"\*[^\n\*]*\*", text) if h.strip("*").strip())
    n += sum(1 for h in re.findall(r"\*\*[^\n\*]*\*\*", text) if h[2:-2].strip())
    n += sum(1 for h in re.findall(r"《[^\n《》]*》", text) if h[1:-1].strip())
    return compare(n, relation, num_highlights)


def title(text: str, lang: str) -> bool:
    """A non-empty title in ``<<double angular brackets>>`` (『』 in Japanese)."""
    found = re.findall(r"<<([^\n]+)>>", text) + re.findall(r"『([^\n]+?)』", text)
    return any(t.strip("<>").strip() for t in found)


def nominal_ending(text: str, lang: str, *, count: int) -> bool:
    """At least ``count`` sentences ending in a noun (体言止め): a noun token right before 。！？,
    quotations 「」『』 removed first (M-IFEval ja)."""
    plain = re.sub(r"「.*?」|『.*?』", "", text)
    tokens = segment.janome_tokens(plain)
    n = sum(1 for prev, tok in zip(tokens, tokens[1:], strict=False)
            if tok[0] in "。！？!?" and prev[1].startswith("名詞"))
    return n >= int(count)


# ---------------------------------------------------------------- keywords


def keywords_existence(text: str, lang: str, *, keywords: list[str]) -> bool:
    """Every keyword occurs (case-insensitive; word boundaries in zh/ja/th)."""
    return all(_occurrences(text, k, lang) > 0 for k in keywords)


def forbidden_words(text: str, lang: str, *, forbidden_words: list[str]) -> bool:
    """No forbidden word occurs as a whole word (case-insensitive)."""
    for word in forbidden_words:
        if lang in _CJK_LANGS:
            if _occurrences(text, word, lang):
                return False
        elif re.search(r"\b" + re.escape(word.strip()) + r"\b", text, flags=re.IGNORECASE):
            return False
    return True


def keyword_frequency(text: str, lang: str, *, keyword: str, frequency: int,
                      relation: str) -> bool:
    """Occurrences of ``keyword`` compared with ``frequency``."""
    return compare(_occurrences(text, keyword, lang), relation, frequency)


def letter_frequency(text: str, lang: str, *, letter: str, let_frequency: int,
                     let_relation: str) -> bool:
    """Occurrences of one letter (case-insensitive; a hiragana also counts its katakana)."""
    letter = letter.strip().lower()
    lowered = text.lower()
    n = lowered.count(letter)
    if len(letter) == 1 and _in(letter, _HIRAGANA):
        n += lowered.count(chr(ord(letter) + 0x60))
    return compare(n, let_relation, let_frequency)


# ---------------------------------------------------------------- language


def response_language(text: str, lang: str, *, language: str) -> bool:
    """The response is (dominantly) in ``language`` (ISO 639-1; py3langid)."""
    return _is_language(text, language.strip().lower())


# ---------------------------------------------------------------- length_constraints


def nth_paragraph_first_word(text: str, lang: str, *, num_paragraphs: int, nth_paragraph: int,
                             first_word: str) -> bool:
    """``num_paragraphs`` paragraphs separated by blank lines, paragraph ``nth_paragraph``
    starting with ``first_word`` (case-insensitive; opening quotes skipped)."""
    paragraphs = re.split(r"\n\n", text)
    count = sum(1 for p in paragraphs if p.strip())
    nth = int(nth_paragraph)
    if nth > count or nth < 1:
        return False
    paragraph = paragraphs[nth - 1].strip()
    if not paragraph:
        return False
    opening = paragraph.lstrip("\"'“‘«「『¿¡ ").lower()
    word = first_word.strip().lower()
    if not opening.startswith(word) or not word:
        return False
    follows = opening[len(word):len(word) + 1]
    whole_word = lang in _CJK_LANGS or not (follows.isalnum() or follows == "_")
    return whole_word and count == int(num_paragraphs)


def number_paragraphs(text: str, lang: str, *, num_paragraphs: int) -> bool:
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


def number_sentences(text: str, lang: str, *, num_sentences: int, relation: str) -> bool:
    """Sentences (``segment.count_sentences`` in ``lang``) compared with ``num_sentences``."""
    return compare(segment.count_sentences(text, lang), relation, num_sentences)


def number_words(text: str, lang: str, *, num_words: int, relation: str) -> bool:
    """Words (``segment.count_words`` in ``lang``) compared with ``num_words``."""
    return compare(segment.count_words(text, lang), relation, num_words)


def number_letters(text: str, lang: str, *, num_letters: int, relation: str) -> bool:
    """Characters, not counting white space, compared with ``num_letters`` (M-IFEval ja counts
    line breaks and spaces too)."""
    return compare(sum(1 for ch in text if not ch.isspace()), relation, num_letters)


# ---------------------------------------------------------------- letters (Japanese scripts)


def furigana(text: str, lang: str) -> bool:
    """Every run of kanji is followed by its reading in hiragana in brackets: 漢字（かんじ）."""
    runs = re.findall(r"[\u4e00-\u9faf々]+", text)
    glossed = re.findall(r"[\u4e00-\u9faf々]+[（(][\u3041-\u3096ー]+[）)]", text)
    return len(runs) == len(glossed)


def hiragana_only(text: str, lang: str) -> bool:
    """Every letter is hiragana (or the long-vowel mark ー)."""
    return all(_in(ch, _HIRAGANA) or ch == "ー" or not unicodedata.category(ch).startswith("L")
               for ch in text)


def katakana_only(text: str, lang: str) -> bool:
    """Every letter is katakana (full or half width, with ー and ・)."""
    return all(_in(ch, _KATAKANA) or _in(ch, _HALF_KATAKANA) or ch in "ー・"
               or not unicodedata.category(ch).startswith("L") for ch in text)


def no_hiragana(text: str, lang: str) -> bool:
    """No hiragana at all."""
    return not any(_in(ch, _HIRAGANA) for ch in text)


def no_katakana(text: str, lang: str) -> bool:
    """No katakana at all (full or half width)."""
    return not any(_in(ch, _KATAKANA) or _in(ch, _HALF_KATAKANA) for ch in text)


def kanji(text: str, lang: str, *, kanji_limit: int, relation: str) -> bool:
    """Number of kanji compared with ``kanji_limit``."""
    return compare(len(_KANJI.findall(text)), relation, kanji_limit)


def kansuuji(text: str, lang: str) -> bool:
    """Numbers written in kanji: no Arabic digit (ASCII or full width)."""
    return no_digits(text, lang)


# ---------------------------------------------------------------- punctuation


def no_comma(text: str, lang: str) -> bool:
    """No comma: ``,`` and ``，`` (plus 、 in zh and ja)."""
    return not any(ch in _COMMAS.get(lang, ",，") for ch in text)


def no_period(text: str, lang: str) -> bool:
    """No Japanese full stop 。 (M-IFEval ja)."""
    return "。" not in text


def question_marks(text: str, lang: str) -> bool:
    """A question in Spanish marks: ``¿...?`` with something inside."""
    return any(q.strip() for q in re.findall(r"¿([^?]*)\?", text))


def exclamation_marks(text: str, lang: str) -> bool:
    """An exclamation in Spanish marks: ``¡...!`` with something inside."""
    return any(q.strip() for q in re.findall(r"¡([^!]*)!", text))


# ---------------------------------------------------------------- special_character


def _words_with(text: str, lang: str, chars: str) -> int:
    return sum(1 for w in segment.words(text, lang) if any(c in w.lower() for c in chars))


def dieresis(text: str, lang: str, *, let_frequency: int) -> bool:
    """Exactly ``let_frequency`` words contain ü (M-IFEval es)."""
    return _words_with(text, lang, "ü") == int(let_frequency)


def enie(text: str, lang: str, *, let_frequency: int) -> bool:
    """Exactly ``let_frequency`` words contain ñ (M-IFEval es)."""
    return _words_with(text, lang, "ñ") == int(let_frequency)


def tildes(text: str, lang: str, *, num_words: int, relation: str) -> bool:
    """Words with an acute accent (á é í ó ú) compared with ``num_words`` (M-IFEval es)."""
    return compare(_words_with(text, lang, "áéíóú"), relation, num_words)


def accents(text: str, lang: str, *, word_to_accentuate: Mapping[str, str] | str) -> bool:
    """Every occurrence of a listed word carries its accents (``{'ecole': 'école'}``); the data
    writes the mapping as a Python literal string, which is parsed here."""
    targets = word_to_accentuate
    if isinstance(targets, str):
        try:
            targets = ast.literal_eval(targets)
        except (ValueError, SyntaxError):
            raise XlingError(f"word_to_accentuate is not a mapping: {targets!r}") from None
    if not isinstance(targets, Mapping):
        raise XlingError(f"word_to_accentuate is not a mapping: {targets!r}")
    for word in re.findall(r"\w+", text.lower()):
        plain = _strip_accents(word)
        if plain in targets and word != targets[plain]:
            return False
    return True


def ethel_or_cedilla(text: str, lang: str, *, forbidden_char: str) -> bool:
    """The forbidden character (ç or œ) does not occur, in either case."""
    return forbidden_char.lower() not in text.lower()


def no_accents(text: str, lang: str) -> bool:
    """No accented Latin letter (a letter of U+00C0-U+024F that decomposes with a mark)."""
    return not any("\u00c0" <= ch <= "\u024f" and _strip_accents(ch) != ch for ch in text)


# ---------------------------------------------------------------- startend


def end_checker(text: str, lang: str, *, end_phrase: str) -> bool:
    """The response ends with ``end_phrase`` (case-insensitive; closing quotes ignored)."""
    strip = "\"」』"
    return text.strip().strip(strip).lower().endswith(end_phrase.strip().strip(strip).lower())


def quotation(text: str, lang: str) -> bool:
    """The whole response is wrapped in the language's quotation marks."""
    value = text.strip()
    return len(value) > 1 and any(value.startswith(a) and value.endswith(b)
                                  for a, b in _QUOTES.get(lang, _DEFAULT_QUOTES))


def sentence_unified_end(text: str, lang: str, *, ending: str) -> bool:
    """Every sentence ends with ``ending`` (です, ます, ...); quotations 「」『』 removed first
    (M-IFEval ja; white space around a sentence is ignored)."""
    plain = re.sub(r"「.*?」|『.*?』", "", text)
    pieces = [p.strip() for p in re.split(r"[。！？!?]", plain)]
    return all(p.endswith(ending) for p in pieces if p)


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
"""Instruction id (without the ``lang:`` prefix) -> checker(text, lang, **kwargs) -> bool."""
