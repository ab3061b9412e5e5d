"""Math answers: last \\boxed{}, per-language answer phrases, bounded equivalence checking.

Stage: score (also the RL reward, so every call is thread-safe and bounded in time).
Extraction: the last closed ``\\boxed{..}`` / ``\\fbox{..}`` (nested braces; a box cut off by the
token limit cuts the text there and gives nothing), else the last answer phrase of the
language or of English (``languages.Language.answer_phrases``) followed by a number or a
``$..$`` expression, else (lenient mode only) the last number. Numbers are read per language by
``scoring.numbers``. Equivalence: exact rational comparison in-process when both sides are plain
numbers or simple fractions; otherwise Math-Verify (``verify(gold, pred)``, gold first) in a
small worker-process pool under a wall-clock deadline (``configure``); on expiry the verdict is
``reason="timeout"``, the counter in ``stats()`` goes up and the pool is replaced.
Model output is never evaluated as code.
Try:  python -c "from xling.scoring.math import score_math; print(score_math('\\\\boxed{70.000}', '70000', 'de'))"
"""

from __future__ import annotations

import logging
import multiprocessing
import re
import threading
from collections import Counter, deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

from xling.languages import get_language
from xling.schema import Verdict
from xling.scoring.numbers import (
    _SPACES,
    NUMBER_SPAN,
    first_numeral,
    normalize,
    to_ascii_digits,
    to_fraction,
)

log = logging.getLogger(__name__)

SEARCH_CHARS = 10_000
"""Answer phrases and the lenient last number are searched in this many final characters."""
MAX_ANSWER_CHARS = 1_000
"""A box or expression longer than this is not an answer: 'unparsable' without Math-Verify."""
_MAX_BOXES = 32  # at most this many box openings are tried, from the last one backwards
_BOX = re.compile(r"\\(?:boxed|fbox)\s*\{")
_BRACE = re.compile(r"[{}]")
# power towers (a^{b^c}, a^{b}^c, a^b^c) and 5+-digit exponents: only wait for Math-Verify's timeout
_TOWER = re.compile(r"\^\s*\{[^{}]*\^|\^\s*\{[^{}]*\}\s*\^|\^\s*\d+\s*\^|\^\s*\{?\s*\d{5}")
_MATH_SPAN = re.compile(r"\s*(?:\$\$?(.{1,1000}?)\$|\\\((.{1,1000}?)\\\)|\\\[(.{1,1000}?)\\\])",
                        re.DOTALL)


def last_boxed(text: str) -> tuple[str | None, int]:
    """Content of the last closed box, and where the searchable text ends.

    An unclosed box (cut off) is dropped together with everything after it, so the end
    position tells the phrase fallback where to stop.

    >>> last_boxed("so \\\\boxed{\\\\frac{1}{2}} and \\\\fbox {3")
    ('\\\\frac{1}{2}', 27)
    """
    end = len(text)
    for m in reversed(deque(_BOX.finditer(text), maxlen=_MAX_BOXES)):
        if m.start() >= end:
            continue
        depth = 1
        for brace in _BRACE.finditer(text, m.end(), min(end, m.end() + MAX_ANSWER_CHARS + 1)):
            depth += 1 if brace.group() == "{" else -1
            if depth == 0:
                return text[m.end():brace.start()].strip(), end
        end = m.start()  # unclosed (or absurdly long): cut here, look further back
    return None, end


def _phrase_regex(lang: str) -> re.Pattern[str]:
    phrases = [re.escape(p).replace(r"\ ", r"\s*") for p in get_language(lang).answer_phrases]
    return re.compile("|".join(phrases), re.IGNORECASE)


_PHRASES: dict[str, re.Pattern[str]] = {}


def find_phrase_answer(text: str, lang: str) -> tuple[str | None, str]:
    """The expression after the last answer phrase (the language's or English), and its lang."""
    text = text[-SEARCH_CHARS:]
    best: tuple[int, str, int] | None = None
    for code in dict.fromkeys((lang, "en")):
        regex = _PHRASES.get(code) or _PHRASES.setdefault(code, _phrase_regex(code))
        last = None
        for last in regex.finditer(text):  # noqa: B007 - we want the last match
            pass
        if last is not None and (best is None or last.start() > best[0]):
            best = (last.start(), code, last.end())
    if best is None:
        return None, lang
    rest = re.sub(r"^[\s*:：—=]+", "", text[best[2]:best[2] + 2 * MAX_ANSWER_CHARS])
    if delimited := _MATH_SPAN.match(rest):  # $..$, \(..\), \[..\]
        return next(g for g in delimited.groups() if g is not None), best[1]
    return first_numeral(rest.split("\n", 1)[0]), best[1]


def extract_span(completion: str, lang: str, lenient: bool = False) -> tuple[str | None, str]:
    """The raw answer span and the rule that found it ('boxed', 'answer-phrase:<lang>', ...)."""
    boxed, end = last_boxed(completion)
    if boxed is not None:
        return boxed, "boxed"
    span, code = find_phrase_answer(completion[:end], lang)
    if span is not None:
        return span, f"answer-phrase:{code}"
    if lenient:
        tail = _SPACES.sub(" ", to_ascii_digits(completion[:end][-SEARCH_CHARS:]))
        spans = [m.group(0) for m in NUMBER_SPAN.finditer(tail)]
        if spans:
            return spans[-1].strip(), "last-number"
    return None, "no-answer"


# --- symbolic equivalence in worker processes -------------------------------------------------

_config = {"deadline_s": 1.0, "workers": 2}
_counts: Counter[str] = Counter()
_lock = threading.Lock()  # counters and config
_pool_lock = threading.Lock()  # creating and discarding the pool (slow: never hold _lock)
_pool: ProcessPoolExecutor | None = None
_slots = threading.BoundedSemaphore(2)


def configure(deadline_s: float | None = None, workers: int | None = None) -> None:
    """Set the wall-clock deadline per symbolic check (seconds) and the worker-process count."""
    global _slots
    with _pool_lock:
        if deadline_s is not None:
            _config["deadline_s"] = float(deadline_s)
        if workers is not None and workers != _config["workers"]:
            _config["workers"] = int(workers)
            _slots = threading.BoundedSemaphore(int(workers))
            _discard_locked(_pool)


def stats() -> dict[str, int]:
    """Counters since import: fast, symbolic, timeouts, unparsable, pool_restarts."""
    with _lock:
        return {k: _counts[k] for k in ("fast", "symbolic", "timeouts", "unparsable",
                                        "pool_restarts")}


def _ping() -> bool:
    import math_verify  # noqa: F401 - warms the import in the worker

    return True


def _verify_in_worker(gold: str, pred: str, seconds: int) -> bool | None:
    """Runs in a worker process (its own main thread, so Math-Verify's alarms work)."""
    from math_verify import parse, verify

    parsed = parse(f"${pred}$", parsing_timeout=seconds)
    if not parsed:
        return None
    return bool(verify(parse(f"${gold}$", parsing_timeout=seconds), parsed,
                       timeout_seconds=seconds))


def warm_up() -> None:
    """Start the worker pool now (a few seconds once), so the first check is not slowed."""
    _get_pool()


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
            pool = ProcessPoolExecutor(_config["workers"], mp_context=ctx)
            for future in [pool.submit(_ping) for _ in range(_config["workers"])]:
                future.result(timeout=120)
            _pool = pool
        return _pool


def _discard_locked(pool: ProcessPoolExecutor | None) -> None:
    global _pool
    if pool is None or pool is not _pool:
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    _pool = None
    with _lock:
        _counts["pool_restarts"] += 1


def _symbolic(gold: str, pred: str) -> bool | str:
    """True/False, or 'timeout' / 'unparsable'."""
    seconds = max(1, round(_config["deadline_s"]))
    with _slots:
        for _ in range(3):  # a pool broken by another thread's timeout is retried
            pool = _get_pool()
            try:
                result = pool.submit(_verify_in_worker, gold, pred, seconds).result(
                    timeout=_config["deadline_s"])
            except FutureTimeout:
                with _lock:
                    _counts["timeouts"] += 1
                with _pool_lock:
                    _discard_locked(pool)
                threading.Thread(target=_get_pool, daemon=True).start()  # re-warm in background
                log.warning("symbolic check timed out: gold=%r pred=%.80r", gold, pred)
                return "timeout"
            except (BrokenProcessPool, RuntimeError):
                with _pool_lock:
                    _discard_locked(pool)
                continue
            return "unparsable" if result is None else result
    return "timeout"


def _too_complex(pred: str, gold: str) -> bool:
    """Shapes that only waste Math-Verify's time: huge, deeply nested, or power towers."""
    depth = peak = 0
    for ch in pred:
        depth += 1 if ch in "({[" else -1 if ch in ")}]" else 0
        peak = max(peak, depth)
    return (len(pred) > MAX_ANSWER_CHARS or peak > 40
            or (_TOWER.search(pred) is not None and _TOWER.search(gold) is None))


def judge(span: str, gold: str, lang: str) -> tuple[str, bool, str | None, bool]:
    """Compare one extracted span with gold: (normalised, correct, failure reason, ambiguous)."""
    pred, ambiguous = normalize(span[:MAX_ANSWER_CHARS * 2], lang)
    gold_norm, _ = normalize(gold, "en")
    pred_value, gold_value = to_fraction(pred), to_fraction(gold_norm)
    if pred_value is not None and gold_value is not None:
        with _lock:
            _counts["fast"] += 1
        return pred, pred_value == gold_value, None, ambiguous
    if _too_complex(pred, gold_norm):
        with _lock:
            _counts["unparsable"] += 1
        return pred, False, "unparsable", ambiguous
    with _lock:
        _counts["symbolic"] += 1
    result = _symbolic(gold_norm, pred)
    if isinstance(result, str):
        return pred, False, result, ambiguous
    return pred, result, None, ambiguous


def score_math(completion: str, gold: str, lang: str, lenient: bool = False) -> Verdict:
    """Verdict for one completion (response_lang is left for the caller to fill in)."""
    span, reason = extract_span(completion, lang, lenient)
    if span is None or not normalize(span, lang)[0]:
        return Verdict(extracted=None, correct=False, reason="no-answer")
    pred, correct, failure, ambiguous = judge(span, gold, lang)
    return Verdict(extracted=pred, correct=correct, reason=failure or reason,
                   ambiguous_number=ambiguous)
