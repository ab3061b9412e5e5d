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

from xling.languages import LANGUAGES
from xling.schema import XlingError

MIFEVAL, XIFEVAL = "m-ifeval", "xifeval"
RULE_SETS: tuple[str, ...] = (MIFEVAL, XIFEVAL)
"""``meta["ifeval_rules"]`` values: M-IFEval's checkers, BenchMAX's xIFEval checkers."""

MIFEVAL_LANGS: tuple[str, ...] = ("en", "es", "fr", "ja")
XIFEVAL_LANGS: tuple[str, ...] = tuple(LANGUAGES)
"""BenchMAX has 17 languages; these are the ones xling's registry has (the 10 study languages
and te); ar cs hu ko sr vi are not registered in xling."""

_LT, _LE, _GE = operator.lt, operator.le, operator.ge
Relation = Callable[[int, int], bool]

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
    **{(XIFEVAL, lang): _IFEVAL_IDS for lang in XIFEVAL_LANGS},
})
"""(rule set, lang) -> the instruction ids (without language prefix) its authors' registry has."""

# ---------------------------------------------------------------- relation words

_RELATIONS: Mapping[tuple[str, str], Mapping[str, Relation]] = MappingProxyType({
    (MIFEVAL, "en"): {"less than": _LT, "at least": _GE},
    # M-IFEval es: _COMPARISON_RELATION = ("al menos", "como máximo") -> >=, <= (inclusive)
    (MIFEVAL, "es"): {"al menos": _GE, "como máximo": _LE},
    (MIFEVAL, "fr"): {"moins de": _LT, "au moins": _GE},
    (MIFEVAL, "ja"): {"未満": _LT, "以上": _GE},
    **{(XIFEVAL, lang): {"less than": _LT, "at least": _GE} for lang in XIFEVAL_LANGS},
})

# ---------------------------------------------------------------- fixed answers

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

# ---------------------------------------------------------------- words and sentences

WORD_COUNTERS: Mapping[tuple[str, str], str] = MappingProxyType({
    (MIFEVAL, "en"): "regex-w", (MIFEVAL, "fr"): "regex-w",   # nltk RegexpTokenizer(r"\w+")
    (MIFEVAL, "es"): "spacy-es",                              # es_core_news_sm non-punct tokens
    **{(XIFEVAL, lang): "regex-w" for lang in XIFEVAL_LANGS},
    (XIFEVAL, "zh"): "sacrebleu-zh",                          # sacrebleu TokenizerZh
    (XIFEVAL, "ja"): "mecab-ipadic",                          # sacrebleu TokenizerJaMecab
    (XIFEVAL, "th"): "flores101-spm",                         # sacrebleu Flores101Tokenizer
    (XIFEVAL, "bn"): "whitespace", (XIFEVAL, "te"): "whitespace",
})
"""(rule set, lang) -> the authors' word counter (``segment.BENCHMARK_WORD_COUNTERS``)."""

SENTENCE_COUNTERS: Mapping[tuple[str, str], str] = MappingProxyType({
    (MIFEVAL, "en"): "punkt-en", (MIFEVAL, "fr"): "punkt-fr", (MIFEVAL, "es"): "spacy-es",
    (MIFEVAL, "ja"): "ja-sentence-segmenter",
    **{(XIFEVAL, lang): "punkt-en" for lang in XIFEVAL_LANGS},
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

# Instructions whose checker counts tokens another way (not words/sentences): the authors'
# tokenizer per (rule set, lang) -> counter name (a key of OFFLINE_SUBSTITUTES when offline).
_TOKEN_COUNTERS: Mapping[tuple[str, str], str] = MappingProxyType({
    (MIFEVAL, "en"): "nltk-word-tokenize", (MIFEVAL, "fr"): "nltk-word-tokenize",
    (MIFEVAL, "es"): "spacy-es",
    **{(XIFEVAL, lang): "nltk-word-tokenize" for lang in XIFEVAL_LANGS},
})
_TOKEN_INSTRUCTIONS = {  # base id -> which counter it uses
    "length_constraints:number_words": WORD_COUNTERS,
    "length_constraints:number_sentences": SENTENCE_COUNTERS,
    "change_case:capital_word_frequency": _TOKEN_COUNTERS,
    "special_character:enie": _TOKEN_COUNTERS, "special_character:dieresis": _TOKEN_COUNTERS,
    "special_character:tildes": _TOKEN_COUNTERS,
}

# ---------------------------------------------------------------- the rules of one language


@dataclass(frozen=True)
class Rules:
    """One benchmark's rules in one language: ``rules_for(name, lang)``."""

    name: str
    """"m-ifeval" or "xifeval"."""
    lang: str
    """xling's language code (BenchMAX writes zh as "zh-CN")."""

    @property
    def instructions(self) -> frozenset[str]:
        return INSTRUCTIONS[(self.name, self.lang)]

    @property
    def constrained(self) -> tuple[str, ...]:
        try:
            return CONSTRAINED[(self.name, self.lang)]
        except KeyError:  # pragma: no cover - every registered pair has options
            raise XlingError(f"{self.name} has no constrained-response options for "
                             f"{self.lang!r}") from None

    @property
    def words(self) -> str:
        return WORD_COUNTERS.get((self.name, self.lang), "regex-w")

    @property
    def sentences(self) -> str:
        return SENTENCE_COUNTERS.get((self.name, self.lang), "punkt-en")

    def relation(self, word: object) -> Relation:
        """The comparison a relation word of this rule set and language means.

        Raises:
            XlingError: a word the authors' checker does not know (a data error).
        """
        table = _RELATIONS[(self.name, self.lang)]
        try:
            return table[str(word).strip()]
        except KeyError:
            raise XlingError(f"unknown relation {word!r} for {self.name} {self.lang}; known: "
                             f"{', '.join(table)}") from None

    def counter(self, base_id: str) -> str | None:
        """The authors' counter an instruction uses here (None: no word/sentence/token count)."""
        table = _TOKEN_INSTRUCTIONS.get(base_id)
        return None if table is None else table.get((self.name, self.lang))

    def substitute(self, base_id: str) -> str | None:
        """What xling uses instead of the authors' counter for this instruction, when that
        counter cannot run offline; None when xling runs the authors' own."""
        return OFFLINE_SUBSTITUTES.get(self.counter(base_id) or "")


def rules_for(name: str, lang: str) -> Rules:
    """The rules of benchmark ``name`` ("m-ifeval" | "xifeval") in ``lang``.

    Raises:
        XlingError: an unknown rule set, or a language the benchmark has no rules for.
    """
    if name not in RULE_SETS:
        raise XlingError(f"unknown ifeval rule set {name!r}; known: {', '.join(RULE_SETS)}")
    have = MIFEVAL_LANGS if name == MIFEVAL else XIFEVAL_LANGS
    if lang not in have:
        raise XlingError(f"{name} has no instruction rules for language {lang!r}; it has "
                         f"{', '.join(have)}" + ("; score other languages with xifeval's rules"
                                                 if name == MIFEVAL else ""))
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
