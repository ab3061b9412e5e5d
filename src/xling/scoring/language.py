"""Response language: dominant language, composition by segment, consistency with a target.

Stage: score (also the consistency reward). Math, LaTeX, code, URLs and numbers are deleted
before detection (PolyMath does the same), the text is split into lines and sentences, and each
segment is classified among the candidate languages only (default: every registered language,
so a new entry in ``languages.py`` is detected everywhere or fails loudly).
Deterministic, offline, thread-safe.

Library choice, by measurement (benchmarks/langid_choice.py -> results/langid_choice.json),
each detector restricted to the ten study languages, accuracy over the ten languages:

    set (n)                               langid   py3langid   lingua
    MGSM questions (2,500)                100.0%    100.0%     100.0%
    first 30 characters (2,500)            96.6%     99.7%      98.8%
    first 15 characters (2,500)            86.2%     95.9%      91.0%
    exemplar-answer sentences (255)        96.1%    100.0%     100.0%
    LaTeX-heavy answers (80)              100.0%    100.0%     100.0%
    ms per question (2 shared cores)       0.13      0.08       0.33

py3langid (a maintained fork of langid, study A's tool, with the same model file) is the most
accurate on short text, the fastest, and a 4.5 MB dependency against lingua's 96 MB; so xling
uses py3langid. On these sets stripping math changed nothing measurable (the prose dominates);
it is kept because numbers and LaTeX carry no language and dominate short math-heavy segments.

Mixed responses: ``language_composition`` gives each language's share of the letters;
``detect_language`` is the language with the largest share; ``language_share(text, lang)`` is
``lang``'s share (RL's consistency reward); ``is_consistent(text, lang)`` is
True iff that dominant language is ``lang`` (evaluation's verdict, RL's logged metric), so a response that is 60% German and 40% English
is consistent with German and not with English. Text with nothing detectable (only math) has
no language and is not consistent with any.
Try:  python -c "from xling.scoring.language import language_composition as c; print(c('Hallo Welt, wie geht es dir heute? The answer is four.'))"

>>> detect_language("Die Antwort ist $x = 18$, weil wir zwei Zahlen addieren.")
'de'
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from functools import lru_cache

from xling.languages import LANGUAGES
from xling.schema import XlingError

MAX_CHARS = 10_000
"""Only the first this many characters are classified: bounded time on any input."""
_MIN_LETTERS = 2
_CLEAN = [re.compile(p, re.DOTALL) for p in (  # bounded quantifiers keep every pattern linear
    r"```.{0,5000}?```", r"`[^`\n]{0,200}`",                                    # code
    r"\$\$.{0,2000}?\$\$", r"\$[^$\n]{0,500}\$", r"\\\[.{0,2000}?\\\]", r"\\\(.{0,500}?\\\)",  # math
    r"\\begin\{(\w{1,20}\*?)\}.{0,2000}?\\end\{\1\}", r"\\[a-zA-Z]+\*?",           # LaTeX
    r"https?://\S+", r"<[^>\n]{1,40}>",                                       # URLs, tags
    r"[\d+\-*/=^<>×÷±%(){}\[\]|_\\]+",                                        # numbers, operators
)]
_SEGMENT = re.compile(r"[^\n.!?。！？।]+[.!?。！？।]*")
_LETTER = re.compile(r"[^\W\d_]")
_lock = threading.Lock()

REGISTERED: tuple[str, ...] = tuple(LANGUAGES)
"""Default candidates: every registered language (a Telugu answer must not be labelled Swahili
because Telugu was not a candidate). A study may restrict them to its own languages."""


def clean_text(text: str) -> str:
    """Delete code, math, LaTeX, URLs, tags and numbers; keep the prose.

    >>> clean_text("So $x^2 = 4$ und \\\\boxed{2}, also 2 + 2 = 4.")
    'So und , also .'
    """
    for pattern in _CLEAN:
        text = pattern.sub(" ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


@lru_cache(maxsize=8)
def _identifier(candidates: tuple[str, ...]):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    with _lock:
        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
        unknown = [c for c in candidates if c not in identifier.nb_classes]
        if unknown:  # a registered language the model cannot detect would be silently mislabelled
            raise XlingError(f"the language identifier (py3langid) has no model for {unknown}")
        identifier.set_languages(list(candidates))
    return identifier


def _classify(text: str, candidates: tuple[str, ...]) -> str:
    return _identifier(tuple(candidates)).classify(text)[0]


def language_composition(text: str, candidates: tuple[str, ...] = REGISTERED) -> dict[str, float]:
    """Share of each language, by lines and sentences weighted by their number of letters.

    Returns:
        ISO 639-1 code -> fraction in (0, 1], summing to 1; ``{}`` if nothing is detectable.
    """
    return dict(_composition(text, tuple(candidates)))


@lru_cache(maxsize=16384)
def _composition(text: str, candidates: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    # Cached: an RL step asks for the consistency reward and the logged consistency metric of
    # the same completion, and evaluation scores then aggregates it; each text is detected once.
    letters: Counter[str] = Counter()
    for segment in _SEGMENT.findall(clean_text(text[:MAX_CHARS])):
        weight = len(_LETTER.findall(segment))
        if weight >= _MIN_LETTERS:
            letters[_classify(segment, candidates)] += weight
    total = sum(letters.values())
    return tuple((lang, n / total) for lang, n in letters.most_common()) if total else ()


def detect_language(text: str, candidates: tuple[str, ...] = REGISTERED) -> str | None:
    """The dominant language of ``text`` (largest letter share), or None if undetectable."""
    composition = language_composition(text, candidates)
    return max(composition, key=composition.__getitem__) if composition else None


def _with(lang: str) -> tuple[str, ...]:
    return REGISTERED if lang in REGISTERED else (*REGISTERED, lang)


def is_consistent(text: str, lang: str) -> bool:
    """True iff the dominant language of ``text`` is ``lang`` (see the module docstring): study
    A's consistency verdict, used by evaluation and by the RL runs' logged consistency metric."""
    return detect_language(text, _with(lang)) == lang


def language_share(text: str, lang: str) -> float:
    """Share of ``lang`` in ``text``'s language composition, in [0, 1] (0.0 if nothing is
    detectable): the consistency *reward* of RL (train/rewards.py), partial drift penalised in
    proportion. ``is_consistent`` is the same composition's dominant-language verdict.

    >>> language_share("Die Antwort ist vier, weil zwei und zwei vier ergibt.", "de")
    1.0
    """
    return dict(_composition(text, _with(lang))).get(lang, 0.0)
