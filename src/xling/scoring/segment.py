"""Words and sentences per language: what "50 words" or "3 sentences" means in each language.

Stage: score (instruction-following checks, ``scoring.ifeval``). The language registry names the
method (``Language.word_segmenter``, ``Language.sentence_end``); this module implements them:

- ``space`` (en de es fr ru sw bn te): a word is a run of letters, digits and combining marks,
  IFEval's ``\\w+`` definition (so ``don't`` is 2 words, as in IFEval) extended with the
  combining vowel signs of Indic scripts, which Python's ``\\w`` leaves out (``বাংলা`` is 1 word,
  not 3), and with numbers kept whole (``3.5`` and ``1,234`` are 1 word; IFEval counts 2).
- ``chars`` (zh): every Han character is a word (the way Chinese length limits, 字数, are
  meant); a run of Latin letters or digits inside Chinese text is one word.
- ``janome`` (ja): Janome 0.5 morphological analysis (pure Python, bundled IPADIC dictionary, no
  download; the segmenter M-IFEval itself uses); punctuation and symbol tokens are not words.
- ``newmm`` (th): PyThaiNLP's dictionary-based maximal matching (``newmm-safe``, bounded time on
  long text; bundled dictionary, no download).

Accuracy of the two real segmenters against hand segmentations of six everyday sentences each
(``tests/test_scoring_ifeval.py::test_segmenter_accuracy_on_hand_checked_sentences`` recomputes
it; boundary F1 = F1 of the word-end positions):

    segmenter  hand words  found  boundary F1  exact count  where it differs
    janome     ja 42       41     0.99         5 / 6        十分 read as "enough", not 十·分 "ten minutes"
    newmm      th 30       26     0.93         2 / 6        keeps dictionary compounds (อ่านหนังสือ,
                                                            ไปเที่ยว, ดีมาก, ตอนเช้า) that a BEST-style
                                                            hand segmentation splits

So Thai counts run about 10% below a split-every-compound count: a Thai "at least N words"
is judged by newmm's (dictionary) notion of a word.

Sentences: a line break always ends a sentence (headings and list items count, as M-IFEval's
Japanese splitter does); within a line a sentence ends after one of the language's
``sentence_end`` characters (``。！？`` for zh/ja, ``।`` for bn, a space for th, which writes no
full stop). A full stop is not an end inside a number (``3.14``), after a single letter
(``J. K. Rowling``, ``z. B.``), after a common abbreviation (``Mr.``, ``e.g.``) or after a list
number at the start of a line (``1. Item``). Closing quotes and brackets stay with their
sentence. Segments without a letter or digit are not sentences.
The benchmarks' own counters (``BENCHMARK_WORD_COUNTERS``, ``BENCHMARK_SENTENCE_COUNTERS``) are
here too, by name, for checking a benchmark's instructions as its authors do
(``scoring.ifeval_rules`` says which one each benchmark uses per language): IFEval's ``\\w+``
(``regex-w``), BenchMAX's whitespace split (bn, te), sacrebleu's Chinese tokenizer
(``sacrebleu-zh``: every Han character and every punctuation mark is a token), MeCab with the
IPA dictionary (``mecab-ipadic``, sacrebleu's Japanese tokenizer, punctuation included),
BenchMAX's sentence regexes (``benchmax-zh`` for zh and ja, ``benchmax-bn``), PyThaiNLP's CRF
sentence splitter (``pythainlp-crfcut``) and M-IFEval's Japanese pipeline
(``ja-sentence-segmenter``). A counter whose resource is not installable offline (NLTK Punkt,
spaCy models, the Flores-101 SentencePiece model) maps to xling's closest counter above.
Try:  python -c "from xling.scoring.segment import count_words as c; print(c('私は東京大学で日本語を勉強しています。', 'ja'))"

>>> count_words("Hello, world! Don't panic.", "en")
5
>>> count_words("我爱北京 ABC 123。", "zh")
6
>>> count_sentences("Dr. Smith paid $3.50. Then he left!\\n1. A list item", "en")
3
>>> benchmark_count_words("我爱北京 ABC 123。你好，世界！", "sacrebleu-zh", "zh")
13
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import lru_cache

from xling.languages import get_language
from xling.schema import XlingError

_MARKS = "\u0300-\u036f\u0900-\u0963\u0966-\u0dff\u200c\u200d"
"""Combining marks and Indic letters/vowel signs (minus the dandas U+0964/5, which are
punctuation) that belong inside a word; ZWNJ/ZWJ join Bengali conjuncts."""
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_NUMBER = r"\d+(?:[.,\u202f\u00a0]\d+)*"  # 3.5, 1,234.5, 12 000: one word each
_SPACE_WORD = re.compile(rf"{_NUMBER}(?![\w{_MARKS}])|[\w{_MARKS}]+")
_CHARS_WORD = re.compile(rf"[{_HAN}]|(?:(?![{_HAN}])[\w{_MARKS}])+")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st vs e.g i.e cf fig vol approx dept inc ltd "
    "mme mlle sra srta dra ud uds p.ej z.b d.h usw bzw nr".split()
)
_CLOSERS = "\"'”’»」』）)]】〉》"
_lock = threading.Lock()

Span = tuple[int, int]


def _regex_spans(pattern: re.Pattern[str]) -> Callable[[str], list[Span]]:
    return lambda text: [m.span() for m in pattern.finditer(text)]


def _token_spans(text: str, tokens: list[str]) -> list[Span]:
    """Character offsets of ``tokens`` (in order) in ``text``; tokens without a letter or digit
    (punctuation, symbols, spaces) are dropped."""
    spans: list[Span] = []
    pos = 0
    for token in tokens:
        start = text.find(token, pos)
        if start < 0:  # a segmenter that normalised its input: fall back to the running offset
            start = pos
        pos = start + len(token)
        if any(ch.isalnum() for ch in token):
            spans.append((start, pos))
    return spans


@lru_cache(maxsize=1)
def _janome():
    try:
        from janome.tokenizer import Tokenizer
    except ImportError:  # pragma: no cover - janome is a dependency
        raise XlingError("Japanese word counts need janome: pip install janome") from None
    return Tokenizer()


@lru_cache(maxsize=256)  # the loose IFEval check segments the same response up to 8 times
def janome_tokens(text: str) -> tuple[tuple[str, str], ...]:
    """Janome's (surface, part of speech) tokens of ``text``, e.g. ``('東京', '名詞,固有名詞,...')``."""
    tokenizer = _janome()
    with _lock:  # one shared tokenizer; janome's lattice is not documented as thread-safe
        return tuple((t.surface, t.part_of_speech) for t in tokenizer.tokenize(text))


def _janome_spans(text: str) -> list[Span]:
    return _token_spans(text, [surface for surface, _ in janome_tokens(text)])


@lru_cache(maxsize=256)
def _newmm_tokens(text: str) -> tuple[str, ...]:
    try:
        from pythainlp.tokenize import word_tokenize
    except ImportError:  # pragma: no cover - pythainlp is a dependency
        raise XlingError("Thai word counts need pythainlp: pip install pythainlp") from None
    return tuple(word_tokenize(text, engine="newmm-safe", keep_whitespace=False))


def _newmm_spans(text: str) -> list[Span]:
    return _token_spans(text, list(_newmm_tokens(text)))


SEGMENTERS: dict[str, Callable[[str], list[Span]]] = {
    "space": _regex_spans(_SPACE_WORD),
    "chars": _regex_spans(_CHARS_WORD),
    "janome": _janome_spans,
    "newmm": _newmm_spans,
}
"""``Language.word_segmenter`` name -> function(text) -> word spans (start, end)."""


def word_spans(text: str, lang: str) -> list[Span]:
    """Character offsets ``(start, end)`` of the words of ``text`` in ``lang``, in order."""
    name = get_language(lang).word_segmenter
    try:
        segmenter = SEGMENTERS[name]
    except KeyError:
        raise XlingError(f"language {lang!r} names an unknown word segmenter {name!r}; "
                         f"known: {', '.join(SEGMENTERS)}") from None
    return segmenter(text)


def words(text: str, lang: str) -> list[str]:
    """The words of ``text`` in ``lang`` (punctuation dropped).

    >>> words("ผมชอบกินข้าวผัดมาก", "th")
    ['ผม', 'ชอบ', 'กิน', 'ข้าวผัด', 'มาก']
    """
    return [text[a:b] for a, b in word_spans(text, lang)]


def count_words(text: str, lang: str) -> int:
    """Number of words of ``text`` in ``lang`` (see the module docstring for each method)."""
    return len(word_spans(text, lang))


def _is_stop(line: str, i: int) -> bool:
    """Whether the full stop at ``line[i]`` ends a sentence (not a number, initial, abbreviation
    or list number)."""
    nxt = line[i + 1] if i + 1 < len(line) else ""
    if nxt and not nxt.isspace() and nxt not in _CLOSERS and nxt not in ".!?":
        return False  # 3.14, e.g, www.example.com
    head = line[:i]
    word = re.search(r"([\w.]+)$", head)
    if word is None:
        return True
    token = word.group(1)
    if len(token) == 1 and token.isalpha():
        return False  # an initial: J. K. Rowling, z. B.
    if token.lower() in _ABBREVIATIONS:
        return False
    return not (token.isdigit() and not head[: word.start()].strip())  # "1. item" at line start


def _split_line(line: str, ends: str) -> list[str]:
    out: list[str] = []
    start = i = 0
    while i < len(line):
        ch = line[i]
        if ch in ends and (ch != "." or _is_stop(line, i)):
            j = i + 1
            while j < len(line) and (line[j] in ends and line[j] != " " or line[j] in _CLOSERS):
                j += 1  # "?!", "...", "。」" stay together
            spaced = re.match(r"\s+[»”\"]", line[j:])  # French: « Bonjour. »
            if spaced:
                j += spaced.end()
            out.append(line[start:j])
            start = i = j
            continue
        i += 1
    out.append(line[start:])
    return out


def sentences(text: str, lang: str) -> list[str]:
    """The sentences of ``text`` in ``lang``, stripped (see the module docstring for the rules).

    >>> sentences("今日は晴れです。明日は雨でしょう！", "ja")
    ['今日は晴れです。', '明日は雨でしょう！']
    """
    ends = get_language(lang).sentence_end
    out: list[str] = []
    for line in text.splitlines():
        for piece in _split_line(line, ends):
            piece = piece.strip()
            if any(ch.isalnum() for ch in piece):
                out.append(piece)
    return out


def count_sentences(text: str, lang: str) -> int:
    """Number of sentences of ``text`` in ``lang``."""
    return len(sentences(text, lang))


# ---------------------------------------------------------------- the benchmarks' own counters


def _regex_w(text: str) -> int:
    """IFEval's ``nltk.tokenize.RegexpTokenizer(r"\\w+")`` (= ``re.findall``; ``don't`` is 2)."""
    return len(re.findall(r"\w+", text))


def _whitespace(text: str) -> int:
    """BenchMAX's bn/te words: ``len(text.strip().split())``."""
    return len(text.strip().split())


@lru_cache(maxsize=1)
def _sacrebleu_zh():
    from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh

    return TokenizerZh()


def _sacrebleu_zh_words(text: str) -> int:
    """BenchMAX's zh words: sacrebleu's ``TokenizerZh`` tokens (Han characters one by one,
    punctuation counted)."""
    return len(_sacrebleu_zh()(text.strip()).split())


@lru_cache(maxsize=1)
def _mecab():
    try:
        from sacrebleu.tokenizers.tokenizer_ja_mecab import TokenizerJaMecab

        return TokenizerJaMecab()
    except (ImportError, RuntimeError):  # pragma: no cover - mecab-python3 and ipadic are deps
        raise XlingError("xIFEval's Japanese word counts need MeCab: pip install "
                         "'mecab-python3>=1.0.9,<2' 'ipadic>=1.0,<2'") from None


def _mecab_words(text: str) -> int:
    """BenchMAX's ja words: sacrebleu's ``TokenizerJaMecab`` (MeCab, IPA dictionary, wakati)."""
    tokenizer = _mecab()
    with _lock:  # one shared MeCab tagger
        return len(tokenizer(text.strip()).split())


def _benchmax_zh_sentences(text: str) -> int:
    """BenchMAX's ``count_chinese_sentences`` (zh and ja): a line break after 。！？!? (or ``......``,
    ``……``) unless a closing quote follows, then lines; blank lines count as BenchMAX counts them."""
    text = re.sub(r"([。！!？\?]|\.{6}|……)\s*([^”’\"」\s])", r"\1\n\2", text)
    text = re.sub(r"(([。！!？\?]|\.{6}|……)\s*[”’\"」])\s*([^,，。！!？\?\s])", r"\1\n\3", text)
    return len(text.strip().split("\n"))


def _benchmax_bn_sentences(text: str) -> int:
    """BenchMAX's ``count_bengali_sentences``: the same after ``!?।`` (a full stop does not end a
    Bengali sentence there)."""
    text = re.sub(r"([!\?।]|\.{6})\s*([^”’\"\s])", r"\1\n\2", text)
    text = re.sub(r"(([!\?।]|\.{6})\s*[”’\"])\s*([^,!\?।\s])", r"\1\n\3", text)
    return len(text.strip().split("\n"))


def _pythainlp_sentences(text: str) -> int:
    """BenchMAX's th sentences: ``pythainlp.sent_tokenize`` with its default engine (crfcut,
    which needs python-crfsuite)."""
    try:
        from pythainlp.tokenize import sent_tokenize

        with _lock:
            return len(sent_tokenize(text))
    except ModuleNotFoundError as exc:  # pragma: no cover - python-crfsuite is a dependency
        raise XlingError(f"xIFEval's Thai sentence counts need {exc.name}: pip install "
                         "'python-crfsuite>=0.9.7,<0.10'") from None


@lru_cache(maxsize=1)
def _ja_segmenter():
    import functools

    try:
        from ja_sentence_segmenter.common.pipeline import make_pipeline
        from ja_sentence_segmenter.concatenate.simple_concatenator import concatenate_matching
        from ja_sentence_segmenter.normalize.neologd_normalizer import normalize
        from ja_sentence_segmenter.split.simple_splitter import split_newline, split_punctuation
    except ImportError:  # pragma: no cover - ja-sentence-segmenter is a dependency
        raise XlingError("M-IFEval's Japanese sentence counts need ja-sentence-segmenter: "
                         "pip install 'ja-sentence-segmenter>=0.0.2,<0.4'") from None
    # M-IFEval's instruction_utils/ja_instructions_util.count_sentences, step by step:
    # normalise, split at line breaks, join a line ending in の with the next, split after 。!?
    return make_pipeline(
        normalize, split_newline,
        functools.partial(concatenate_matching, former_matching_rule=r"^(?P<result>.+)(の)$",
                          remove_former_matched=False),
        functools.partial(split_punctuation, punctuations=r"。!?"))


def _ja_segmenter_sentences(text: str) -> int:
    """M-IFEval's ja sentences: ja-sentence-segmenter's pipeline (full-width ！？ normalised to
    ``!?`` first, so both widths end a sentence; 。 inside 「…」 or (…) does not)."""
    return len(list(_ja_segmenter()(text)))


_CLITIC = re.compile(r"(?i)^(.+?)('s|'m|'d|'ll|'re|'ve|n't)$")
_EDGE_PUNCT = "".join(chr(c) for c in range(0x21, 0x7F) if not chr(c).isalnum()) + "«»“”‘’„…¿¡"


def _treebank_like(text: str) -> list[str]:
    """Tokens close to ``nltk.word_tokenize``'s for counting words in capitals: white-space
    chunks without their leading and trailing punctuation, English clitics split off as the
    Penn Treebank does (``CITY's`` -> ``CITY``, ``'s``); hyphenated words, elisions and dotted
    acronyms stay whole (``NON-STOP``, ``L'ingénieur``, ``U.S``)."""
    out: list[str] = []
    for chunk in text.split():
        chunk = chunk.strip(_EDGE_PUNCT)
        if chunk:
            clitic = _CLITIC.match(chunk)
            out += [clitic.group(1), clitic.group(2)] if clitic else [chunk]
    return out


_PUNKT_END = re.compile(r"[.!?]+[\"')\]”’»]*(?=\s|$)")


def _punkt_like_sentences(text: str, lang: str) -> int:
    """Sentences close to NLTK Punkt's (``sent_tokenize``), the offline substitute for it: a
    line break is white space, not an end; a sentence ends at ``.!?`` (closing quotes and
    brackets kept) before white space, except a full stop after an initial or a common
    abbreviation (as in ``sentences``), a number's full stop before a lower-case word, and an
    ellipsis before a lower-case word. A list number before a capital ("1. Determine") ends
    one, as Punkt reads it. Matches M-IFEval's official verdicts on 98.8% of its en and 99.5%
    of its fr number_sentences instructions (17 models' responses), against 83% and 92% for
    ``sentences``, which ends a sentence at every line break."""
    count, start = 0, 0
    for m in _PUNKT_END.finditer(text):
        mark, following = m.group(0), text[m.end():].lstrip()[:1]
        if mark.rstrip("\"')]”’»") == ".":
            line_start = text.rfind("\n", 0, m.start()) + 1
            word = re.search(r"[\w.]+$", text[line_start:m.start()])
            token = word.group(0) if word else ""
            if token.isdigit():
                if following.islower():
                    continue
            elif token.lower() in ("u.s", "u.k") or not _is_stop(text[line_start:m.end()],
                                                                m.start() - line_start):
                continue
        elif mark.startswith("...") and following.islower():
            continue
        if any(ch.isalnum() for ch in text[start:m.end()]):
            count += 1
        start = m.end()
    return count + any(ch.isalnum() for ch in text[start:])


BENCHMARK_WORD_COUNTERS: dict[str, Callable[[str, str], int]] = {
    "regex-w": lambda text, lang: _regex_w(text),
    "whitespace": lambda text, lang: _whitespace(text),
    "sacrebleu-zh": lambda text, lang: _sacrebleu_zh_words(text),
    "mecab-ipadic": lambda text, lang: _mecab_words(text),
    # offline substitutes (scoring.ifeval_rules.OFFLINE_SUBSTITUTES says for what)
    "spacy-es": count_words,
    "flores101-spm": count_words,
}
"""Counter name (``ifeval_rules.WORD_COUNTERS``) -> function(text, lang) -> number of words."""

BENCHMARK_SENTENCE_COUNTERS: dict[str, Callable[[str, str], int]] = {
    "benchmax-zh": lambda text, lang: _benchmax_zh_sentences(text),
    "benchmax-bn": lambda text, lang: _benchmax_bn_sentences(text),
    "pythainlp-crfcut": lambda text, lang: _pythainlp_sentences(text),
    "ja-sentence-segmenter": lambda text, lang: _ja_segmenter_sentences(text),
    # offline substitutes
    "punkt-en": _punkt_like_sentences,
    "punkt-fr": _punkt_like_sentences,
    "spacy-es": _punkt_like_sentences,
}
"""Counter name (``ifeval_rules.SENTENCE_COUNTERS``) -> function(text, lang) -> sentences."""


BENCHMARK_TOKENIZERS: dict[str, Callable[[str, str], list[str]]] = {
    # both offline substitutes: nltk.word_tokenize needs Punkt, spaCy es needs its model
    "nltk-word-tokenize": lambda text, lang: _treebank_like(text),
    "spacy-es": words,
}
"""Tokenizer name -> function(text, lang) -> tokens (words in capitals, words with ñ ü á)."""


def benchmark_tokens(text: str, tokenizer: str, lang: str) -> list[str]:
    """The tokens of ``text`` as the benchmark tokenizer ``tokenizer`` gives them."""
    try:
        return BENCHMARK_TOKENIZERS[tokenizer](text, lang)
    except KeyError:
        raise XlingError(f"unknown tokenizer {tokenizer!r}; known: "
                         f"{', '.join(BENCHMARK_TOKENIZERS)}") from None


def benchmark_count_words(text: str, counter: str, lang: str) -> int:
    """Words of ``text`` as the benchmark counter ``counter`` counts them."""
    try:
        return BENCHMARK_WORD_COUNTERS[counter](text, lang)
    except KeyError:
        raise XlingError(f"unknown word counter {counter!r}; known: "
                         f"{', '.join(BENCHMARK_WORD_COUNTERS)}") from None


def benchmark_count_sentences(text: str, counter: str, lang: str) -> int:
    """Sentences of ``text`` as the benchmark counter ``counter`` counts them."""
    try:
        return BENCHMARK_SENTENCE_COUNTERS[counter](text, lang)
    except KeyError:
        raise XlingError(f"unknown sentence counter {counter!r}; known: "
                         f"{', '.join(BENCHMARK_SENTENCE_COUNTERS)}") from None
