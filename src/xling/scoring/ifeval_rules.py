"""The rule sets of the instruction-following benchmarks: what each benchmark's authors check,
per language, as literal tables.

Stage: score (read by ``scoring.ifeval`` and ``ifeval_checks``). A response to an M-IFEval prompt
is checked as M-IFEval's code checks it (lightblue-tech/M-IFEval @ 0bc3143,
``instructions/{en,es,fr,ja}_instructions.py``), and a response to an xIFEval prompt as
BenchMAX's code does (CONE-MT/BenchMAX @ d509bfd, ``tasks/ifeval/instructions.py``, the IFEval
checkers with language branches; its English is Google's IFEval). The two are never merged: the
same instruction id can mean different things ("Sí." answers M-IFEval's Spanish constrained
response, "Mi respuesta es sí." BenchMAX's; a French title is ``##…##`` in M-IFEval and
``<<…>>`` in BenchMAX).

The rule set travels with each example as ``meta["ifeval_rules"]`` ("m-ifeval" | "xifeval"),
set by the loaders, so evaluation, the RL reward and the verl reward check the same way. Meta
without it (rows written before, cards) is read by its ids: M-IFEval's ids carry a language
prefix (``fr:detectable_format:title``), IFEval's and BenchMAX's do not (``infer_rules``).

``Rules.substitute(base_id)`` names the instructions whose authors' counter cannot run offline
(an NLTK Punkt model or a spaCy model downloaded at run time, sacrebleu's Flores-101
SentencePiece model downloaded at first use): xling checks them with its closest offline counter
and the benchmark summary counts them per language, so a report shows how many verdicts used a
substitute.
Try:  python -c "from xling.scoring.ifeval_rules import rules_for; r = rules_for('xifeval', 'th'); print(r.substitute('length_constraints:number_words'))"

>>> rules_for("m-ifeval", "es").constrained
('Sí.', 'No.', 'Quizás.')
>>> rules_for("xifeval", "es").constrained
('Mi respuesta es sí.', 'Mi respuesta es no.', 'Mi respuesta es tal vez.')
>>> infer_rules(["fr:detectable_format:title"]), infer_rules(["detectable_format:title"])
('m-ifeval', 'xifeval')
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from xling.languages import get_language
from xling.schema import XlingError

MIFEVAL, XIFEVAL = "m-ifeval", "xifeval"
RULE_SETS: tuple[str, ...] = (MIFEVAL, XIFEVAL)
"""``meta["ifeval_rules"]`` values: M-IFEval's checkers, BenchMAX's xIFEval checkers."""

MIFEVAL_LANGS: tuple[str, ...] = ("en", "es", "fr", "ja")
XIFEVAL_LANGS: tuple[str, ...] = ("en", "zh", "de", "es", "fr", "ja", "ru", "th", "sw", "bn", "te")
"""BenchMAX has 17 languages; these are the ones xling's tables below cover (the 10 study
languages and te); ar cs hu ko sr vi have no rows here. A language is a rule set's when every
table below has it (tested), and ``rules_for`` refuses any other, naming the tables to fill."""
LANGS: Mapping[str, tuple[str, ...]] = MappingProxyType({MIFEVAL: MIFEVAL_LANGS,
                                                          XIFEVAL: XIFEVAL_LANGS})

_LT, _LE, _GE = operator.lt, operator.le, operator.ge
Relation = Callable[[int, int], bool]


def _each(rule_set: str, langs: Iterable[str], value: Any) -> dict[tuple[str, str], Any]:
    """The same ``value`` for each of ``langs`` (written out: no language is implied)."""
    return {(rule_set, lang): value for lang in langs}


# ---------------------------------------------------------------- instructions per rule set

_IFEVAL_IDS = frozenset({  # Google IFEval's 25 = BenchMAX's registry = M-IFEval's en registry
    "change_case:capital_word_frequency", "change_case:english_capital",
    "change_case:english_lowercase", "combination:repeat_prompt", "combination:two_responses",
    "detectable_content:number_placeholders", "detectable_content:postscript",
    "detectable_format:constrained_response", "detectable_format:json_format",
    "detectable_format:multiple_sections", "detectable_format:number_bullet_lists",
    "detectable_format:number_highlighted_sections", "detectable_format:title",
    "keywords:existence", "keywords:forbidden_words", "keywords:frequency",
    "keywords:letter_frequency", "language:response_language",
    "length_constraints:nth_paragraph_first_word", "length_constraints:number_paragraphs",
    "length_constraints:number_sentences", "length_constraints:number_words",
    "punctuation:no_comma", "startend:end_checker", "startend:quotation",
})
_COMMON = _IFEVAL_IDS - {"change_case:english_capital", "change_case:english_lowercase"}
INSTRUCTIONS: Mapping[tuple[str, str], frozenset[str]] = MappingProxyType({
    (MIFEVAL, "en"): _IFEVAL_IDS,
    (MIFEVAL, "es"): (_COMMON | {
        "change_case:spanish_capital", "change_case:spanish_lowercase",
        "punctuation:question_marks", "punctuation:exclamation_marks",
        "special_character:enie", "special_character:tildes", "special_character:dieresis"}),
    (MIFEVAL, "fr"): (_COMMON | {
        "change_case:french_capital", "change_case:french_lowercase",
        "special_character:ethel_or_cedilla", "detectable_content:informal_address",
        "special_character:no_accents", "special_character:accents", "detectable_content:no_digits"}),
    (MIFEVAL, "ja"): (_COMMON - {"change_case:capital_word_frequency",
                                 "length_constraints:number_words"}) | {
        "length_constraints:number_letters", "detectable_format:number_numbered_lists",
        "startend:sentence_unified_end", "detectable_format:nominal_ending", "letters:furigana",
        "letters:kansuuji", "letters:no_katakana", "letters:katakana_only",
        "letters:no_hiragana", "letters:hiragana_only", "letters:kanji", "punctuation:no_period"},
    **_each(XIFEVAL, XIFEVAL_LANGS, _IFEVAL_IDS),  # BenchMAX: one registry, language branches
})
"""(rule set, lang) -> the instruction ids (without language prefix) its authors' registry has."""

# ---------------------------------------------------------------- relation words

RELATIONS: Mapping[tuple[str, str], Mapping[str, Relation]] = MappingProxyType({
    (MIFEVAL, "en"): {"less than": _LT, "at least": _GE},
    # M-IFEval es: _COMPARISON_RELATION = ("al menos", "como máximo") -> >=, <= (inclusive)
    (MIFEVAL, "es"): {"al menos": _GE, "como máximo": _LE},
    (MIFEVAL, "fr"): {"moins de": _LT, "au moins": _GE},
    (MIFEVAL, "ja"): {"未満": _LT, "以上": _GE},
    # BenchMAX keeps IFEval's English relation words in the kwargs of every language
    **_each(XIFEVAL, XIFEVAL_LANGS, {"less than": _LT, "at least": _GE}),
})
"""(rule set, lang) -> the relation words of the data's kwargs and the comparison each means."""

# ---------------------------------------------------------------- fixed answers and marks

CONSTRAINED: Mapping[tuple[str, str], tuple[str, ...]] = MappingProxyType({
    # M-IFEval: instructions/<lang>_instructions.py, _CONSTRAINED_RESPONSE_OPTIONS
    (MIFEVAL, "en"): ("My answer is yes.", "My answer is no.", "My answer is maybe."),
    (MIFEVAL, "es"): ("Sí.", "No.", "Quizás."),
    (MIFEVAL, "fr"): ("Oui.", "Non.", "Peut-être."),
    (MIFEVAL, "ja"): ("はい、そうです。", "いいえ、違います。", "どちらとも言えません。"),
    # BenchMAX: tasks/ifeval/instructions.py, _CONSTRAINED_RESPONSE_OPTIONS (zh under "zh-CN")
    (XIFEVAL, "en"): ("My answer is yes.", "My answer is no.", "My answer is maybe."),
    (XIFEVAL, "zh"): ("我的回答是肯定的。", "我的回答是否定的。", "我的回答是可能。"),
    (XIFEVAL, "es"): ("Mi respuesta es sí.", "Mi respuesta es no.", "Mi respuesta es tal vez."),
    (XIFEVAL, "fr"): ("Ma réponse est oui.", "Ma réponse est non.", "Ma réponse est peut-être."),
    (XIFEVAL, "de"): ("Meine Antwort ist ja.", "Meine Antwort ist nein.",
                      "Meine Antwort ist vielleicht."),
    (XIFEVAL, "ru"): ("Мой ответ — да.", "Мой ответ — нет.", "Мой ответ — может быть."),
    (XIFEVAL, "ja"): ("私の答えはイエスです。", "私の答えはノーです。", "私の答えは多分です。"),
    (XIFEVAL, "th"): ("คำตอบของฉันคือใช่", "คำตอบของฉันคือไม่", "คำตอบของฉันคือบางที"),
    (XIFEVAL, "sw"): ("Jibu langu ni ndiyo.", "Jibu langu ni hapana.", "Jibu langu ni labda."),
    (XIFEVAL, "bn"): ("আমার উত্তর হ্যাঁ।", "আমার উত্তর না।", "আমার উত্তর হয়তো।"),
    (XIFEVAL, "te"): ("నా సమాధానం అవును.", "నా సమాధానం లేదు.", "నా సమాధానం కావచ్చు."),
})
"""(rule set, lang) -> the answers "Answer with one of the following options" accepts (each a
substring of the stripped response)."""

_ASCII_QUOTES = (('"', '"'),)
_BENCHMAX_QUOTES = tuple((a, b) for a in "\"“„«" for b in "\"”“»")
QUOTES: Mapping[tuple[str, str], tuple[tuple[str, str], ...]] = MappingProxyType({
    (MIFEVAL, "en"): _ASCII_QUOTES, (MIFEVAL, "es"): _ASCII_QUOTES,
    (MIFEVAL, "fr"): (('"', '"'), ("'", "'"), ("«", "»")), (MIFEVAL, "ja"): (("「", "」"),),
    # BenchMAX, every language: opens with one of " “ „ « and closes with one of " ” “ »
    **_each(XIFEVAL, XIFEVAL_LANGS, _BENCHMAX_QUOTES),
})
"""(rule set, lang) -> the (opening, closing) marks that may wrap a whole response
("startend:quotation")."""

_ANGLE_TITLE = (r"<<[^\n]+>>", "<", ">")
TITLES: Mapping[tuple[str, str], tuple[str, str, str]] = MappingProxyType({
    (MIFEVAL, "en"): _ANGLE_TITLE, (MIFEVAL, "es"): _ANGLE_TITLE,
    (MIFEVAL, "fr"): (r"##[^\n]+##", "#", "#"), (MIFEVAL, "ja"): (r"『[^\n]+』", "『", "』"),
    **_each(XIFEVAL, XIFEVAL_LANGS, _ANGLE_TITLE),
})
"""(rule set, lang) -> (pattern of a title, marks stripped on its left, on its right)
("detectable_format:title": ``<<title>>``, ``##title##`` in M-IFEval fr, ``『title』`` in ja)."""

# ---------------------------------------------------------------- words and sentences

WORD_COUNTERS: Mapping[tuple[str, str], str] = MappingProxyType({
    (MIFEVAL, "en"): "regex-w", (MIFEVAL, "fr"): "regex-w",   # nltk RegexpTokenizer(r"\w+")
    (MIFEVAL, "es"): "spacy-es",                              # es_core_news_sm non-punct tokens
    (MIFEVAL, "ja"): "regex-w",                               # (ja counts letters, not words)
    **_each(XIFEVAL, ("en", "de", "es", "fr", "ru", "sw"), "regex-w"),
    (XIFEVAL, "zh"): "sacrebleu-zh",                          # sacrebleu TokenizerZh
    (XIFEVAL, "ja"): "mecab-ipadic",                          # sacrebleu TokenizerJaMecab
    (XIFEVAL, "th"): "flores101-spm",                         # sacrebleu Flores101Tokenizer
    (XIFEVAL, "bn"): "whitespace", (XIFEVAL, "te"): "whitespace",
})
"""(rule set, lang) -> the authors' word counter (``segment.BENCHMARK_WORD_COUNTERS``)."""

SENTENCE_COUNTERS: Mapping[tuple[str, str], str] = MappingProxyType({
    (MIFEVAL, "en"): "punkt-en", (MIFEVAL, "fr"): "punkt-fr", (MIFEVAL, "es"): "spacy-es",
    (MIFEVAL, "ja"): "ja-sentence-segmenter",
    **_each(XIFEVAL, ("en", "de", "es", "fr", "ru", "sw", "te"), "punkt-en"),
    (XIFEVAL, "zh"): "benchmax-zh", (XIFEVAL, "ja"): "benchmax-zh",
    (XIFEVAL, "th"): "pythainlp-crfcut", (XIFEVAL, "bn"): "benchmax-bn",
})
"""(rule set, lang) -> the authors' sentence counter (``segment.BENCHMARK_SENTENCE_COUNTERS``)."""

OFFLINE_SUBSTITUTES: Mapping[str, str] = MappingProxyType({
    "punkt-en": "NLTK's Punkt English model (downloaded at run time; not on the package index) "
                "-> a Punkt-like rule splitter",
    "punkt-fr": "NLTK's Punkt French model (downloaded at run time) -> a Punkt-like rule "
                "splitter",
    "spacy-es": "spaCy's es_core_news_sm and xx_sent_ud_sm (M-IFEval downloads them at run "
                "time; the index has only a 2021 build, for spaCy 3.1) -> xling's Spanish words "
                "and a Punkt-like sentence splitter",
    "flores101-spm": "Flores-101 SentencePiece model (sacrebleu downloads it at first use; no "
                     "package ships it) -> PyThaiNLP newmm words",
    "nltk-word-tokenize": "nltk.word_tokenize (needs the Punkt model) -> a Treebank-like "
                          "tokenizer (hyphenated words and U.S.-style acronyms whole, 's split)",
})
"""The authors' resources that cannot run offline -> what xling uses instead."""

TOKEN_COUNTERS: Mapping[tuple[str, str], str | None] = MappingProxyType({
    (MIFEVAL, "en"): "nltk-word-tokenize", (MIFEVAL, "fr"): "nltk-word-tokenize",
    (MIFEVAL, "es"): "spacy-es", (MIFEVAL, "ja"): None,
    **_each(XIFEVAL, XIFEVAL_LANGS, "nltk-word-tokenize"),
})
"""(rule set, lang) -> the authors' tokenizer of the instructions that count tokens another way
(capital words, words with ñ/ü/accents; a key of OFFLINE_SUBSTITUTES when offline), None where
the rule set has none of them in that language."""
_TOKEN_INSTRUCTIONS = {  # base id -> which counter it uses
    "length_constraints:number_words": WORD_COUNTERS,
    "length_constraints:number_sentences": SENTENCE_COUNTERS,
    "change_case:capital_word_frequency": TOKEN_COUNTERS,
    "special_character:enie": TOKEN_COUNTERS, "special_character:dieresis": TOKEN_COUNTERS,
    "special_character:tildes": TOKEN_COUNTERS,
}

LITERALS: Mapping[str, tuple[Mapping[tuple[str, str], Any], str]] = MappingProxyType({
    "INSTRUCTIONS": (INSTRUCTIONS, "the instruction ids its authors' registry has"),
    "RELATIONS": (RELATIONS, "the relation words of its kwargs ('less than', 'at least')"),
    "CONSTRAINED": (CONSTRAINED, "the constrained-response options ('My answer is yes.', ...)"),
    "QUOTES": (QUOTES, "the quotation marks that may wrap a response"),
    "TITLES": (TITLES, "how a title is marked (<<title>>)"),
    "WORD_COUNTERS": (WORD_COUNTERS, "the authors' word counter"),
    "SENTENCE_COUNTERS": (SENTENCE_COUNTERS, "the authors' sentence counter"),
    "TOKEN_COUNTERS": (TOKEN_COUNTERS, "the authors' tokenizer (or None)"),
})
"""Every per-language table of this module: name -> (table, what a row holds). A (rule set,
language) pair needs a row in each; ``missing_literals`` names the ones it lacks."""


def missing_literals(name: str, lang: str) -> list[str]:
    """The tables of ``LITERALS`` without a row for (``name``, ``lang``), as "TABLE[(name, lang)]
    (what it holds)".

    >>> missing_literals("xifeval", "de")
    []
    >>> missing_literals("m-ifeval", "de")[0]
    "INSTRUCTIONS[('m-ifeval', 'de')] (the instruction ids its authors' registry has)"
    """
    return [f"{table_name}[{(name, lang)!r}] ({what})"
            for table_name, (table, what) in LITERALS.items() if (name, lang) not in table]


# ---------------------------------------------------------------- the rules of one language


@dataclass(frozen=True)
class Rules:
    """One benchmark's rules in one language: ``rules_for(name, lang)``."""

    name: str
    """"m-ifeval" or "xifeval"."""
    lang: str
    """xling's language code (BenchMAX writes zh as "zh-CN")."""

    def __post_init__(self) -> None:
        missing = missing_literals(self.name, self.lang)
        if missing:
            have = ", ".join(LANGS.get(self.name, ()))
            raise XlingError(
                f"{self.name} has no instruction rules for language {self.lang!r} (it has "
                f"{have}); to add them, fill in xling/scoring/ifeval_rules.py: "
                + "; ".join(missing)
                + (" (or score other languages with xifeval's rules)" if self.name == MIFEVAL
                   else ""))

    @property
    def instructions(self) -> frozenset[str]:
        return INSTRUCTIONS[(self.name, self.lang)]

    @property
    def constrained(self) -> tuple[str, ...]:
        return CONSTRAINED[(self.name, self.lang)]

    @property
    def quotes(self) -> tuple[tuple[str, str], ...]:
        return QUOTES[(self.name, self.lang)]

    @property
    def title(self) -> tuple[str, str, str]:
        return TITLES[(self.name, self.lang)]

    @property
    def words(self) -> str:
        return WORD_COUNTERS[(self.name, self.lang)]

    @property
    def sentences(self) -> str:
        return SENTENCE_COUNTERS[(self.name, self.lang)]

    def relation(self, word: object) -> Relation:
        """The comparison a relation word of this rule set and language means.

        Raises:
            XlingError: a word the authors' checker does not know (a data error).
        """
        table = RELATIONS[(self.name, self.lang)]
        try:
            return table[str(word).strip()]
        except KeyError:
            raise XlingError(f"unknown relation {word!r} for {self.name} {self.lang}; known: "
                             f"{', '.join(table)}") from None

    def counter(self, base_id: str) -> str | None:
        """The authors' counter an instruction uses here (None: no word/sentence/token count)."""
        table = _TOKEN_INSTRUCTIONS.get(base_id)
        return None if table is None else table[(self.name, self.lang)]

    def substitute(self, base_id: str) -> str | None:
        """What xling uses instead of the authors' counter for this instruction, when that
        counter cannot run offline; None when xling runs the authors' own."""
        return OFFLINE_SUBSTITUTES.get(self.counter(base_id) or "")


def rules_for(name: str, lang: str) -> Rules:
    """The rules of benchmark ``name`` ("m-ifeval" | "xifeval") in ``lang``.

    Raises:
        XlingError: an unknown rule set or language, or a language the benchmark has no rules
            for (naming each table to fill in, ``missing_literals``).
    """
    if name not in RULE_SETS:
        raise XlingError(f"unknown ifeval rule set {name!r}; known: {', '.join(RULE_SETS)}")
    get_language(lang)
    return Rules(name, lang)


def describe_substitutes(name: str) -> str:
    """Where rule set ``name`` checks with an offline substitute, in one line: per substitute,
    the instructions and languages it stands in for (``xling benchmarks`` prints it).

    >>> describe_substitutes("xifeval").split("; ")[0]  # doctest: +ELLIPSIS
    'number_words in th: Flores-101 SentencePiece model ...'
    """
    uses: dict[str, dict[str, list[str]]] = {}
    for (rule_set, lang), ids in INSTRUCTIONS.items():
        for base in sorted(ids):
            counter = Rules(rule_set, lang).counter(base) if rule_set == name else None
            if counter in OFFLINE_SUBSTITUTES:
                uses.setdefault(counter, {}).setdefault(base.split(":")[1], []).append(lang)
    parts = []
    for counter, by_id in uses.items():
        where = ", ".join(f"{i} in {' '.join(langs)}" for i, langs in by_id.items())
        parts.append(f"{where}: {OFFLINE_SUBSTITUTES[counter]}")
    return "; ".join(sorted(parts, key=lambda p: not p.startswith("number_words"))) or "none"


_PREFIXED = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z]{2,4})?:[^:]+:[^:]+$")


def infer_rules(instruction_ids: Iterable[str]) -> str:
    """The rule set of meta that does not name one: "m-ifeval" when the ids carry M-IFEval's
    language prefix (``ja:letters:kanji``), else "xifeval" (IFEval's and BenchMAX's ids).

    Raises:
        XlingError: prefixed and unprefixed ids mixed in one prompt.
    """
    ids = [str(i).strip() for i in instruction_ids]
    prefixed = {bool(_PREFIXED.match(i)) for i in ids}
    if len(prefixed) > 1:
        raise XlingError(f"instruction ids mix M-IFEval's language-prefixed form and IFEval's: "
                         f"{ids}; set meta['ifeval_rules'] to one of {', '.join(RULE_SETS)}")
    return MIFEVAL if prefixed == {True} else XIFEVAL
