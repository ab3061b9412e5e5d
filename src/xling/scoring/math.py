"""Math answers: last \\boxed{}, per-language answer phrases, bounded equivalence checking.

Stage: score (also the RL reward, so every call is thread-safe and bounded in time).
Extraction: the last closed ``\\boxed{..}`` / ``\\fbox{..}`` (nested braces; a box cut off by the
token limit cuts the text there and gives nothing), else the last answer phrase of the
language or of English (``languages.Language.answer_phrases``) followed by a number or a
``$..$`` expression, else (lenient mode only) the last number. Numbers are read per language by
``scoring.numbers``. Equivalence: exact rational comparison in-process when both sides are plain
numbers or simple fractions; otherwise Math-Verify (``verify(gold, pred)``, gold first) in a
few worker processes (``scoring/_worker.py``: plain child processes speaking JSON lines, so the
caller's script, stdin or notebook is never imported or run again) under a wall-clock deadline
(``configure``). On expiry the verdict is ``reason="timeout"``; a check whose worker dies three
times is ``reason="checker-error"``; both are counted in ``stats()`` and the worker is replaced.
A worker that cannot start at all raises ``XlingError``. Model output is never evaluated as code.
Try:  python -c "from xling.scoring.math import score_math; print(score_math('\\\\boxed{70.000}', '70000', 'de'))"
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
from collections import Counter, deque
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from xling.languages import get_language
from xling.schema import Verdict, XlingError
from xling.scoring.numbers import (
    NUMBER_SPAN,
    first_numeral,
    normalize,
    other_reading,
    plain_numerals,
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
_BOLD = re.compile(r"\*\*([^*\n]{1,200})\*\*")
_MATH_SPAN = re.compile(r"\s*(?:\$\$?(.{1,1000}?)\$|\\\((.{1,1000}?)\\\)|\\\[(.{1,1000}?)\\\])",
                        re.DOTALL)


def last_boxed(text: str) -> tuple[str | None, int]:
    """Content of the last closed, non-empty box, and where the searchable text ends.

    An unclosed box (cut off) is dropped together with everything after it, so the end
    position tells the phrase fallback where to stop. An empty box (``\\boxed{}``: a model
    echoing the instruction) is no answer and does not hide an earlier real one.

    >>> last_boxed("so \\\\boxed{\\\\frac{1}{2}} and \\\\fbox {3")
    ('\\\\frac{1}{2}', 27)
    >>> last_boxed("\\\\boxed{12}. Put it in \\\\boxed{}")[0]
    '12'
    """
    boxes, end = _closed_boxes(text, last=True)
    return (boxes[0] if boxes else None), end


def first_boxed(text: str) -> tuple[str | None, int]:
    """Content of the first closed, non-empty box (PolyMath's rule), and where the searchable
    text ends (as ``last_boxed``).

    >>> first_boxed("\\\\boxed{3}, check: \\\\boxed{4}")[0]
    '3'
    """
    boxes, end = _closed_boxes(text, last=False)
    return (boxes[-1] if boxes else None), end


def _closed_boxes(text: str, last: bool) -> tuple[list[str], int]:
    """Non-empty closed box contents from the last box backwards (one when ``last``; else all
    of the final ``_MAX_BOXES``, the first box last), and the end of the searchable text."""
    end = len(text)
    found: list[str] = []
    for m in reversed(deque(_BOX.finditer(text), maxlen=_MAX_BOXES)):
        if m.start() >= end:
            continue
        depth = 1
        for brace in _BRACE.finditer(text, m.end(), min(end, m.end() + MAX_ANSWER_CHARS + 1)):
            depth += 1 if brace.group() == "{" else -1
            if depth == 0:
                content = text[m.end():brace.start()].strip()
                if content:
                    found.append(content)
                break
        else:
            end = m.start()  # unclosed (or absurdly long): cut here, look further back
            continue
        if last and found:
            break
    return found, end


def phrase_pattern(phrases: Iterable[str]) -> str:
    """One alternation of answer phrases (longest first): spaces optional, and a phrase ending
    in a colon also matches markdown or a quote before it (``**Answer**:``, ``"answer": ``,
    the form JSON-answer prompts ask for)."""
    out = []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        body = phrase.rstrip(":：").rstrip()
        colon = phrase != body
        regex = re.escape(body).replace(r"\ ", r"\s*")
        out.append(regex + (r"[*_\"'”」]*\s*[:：]" if colon else ""))
    return "|".join(out)


def _phrase_regex(lang: str) -> re.Pattern[str]:
    return re.compile(phrase_pattern(get_language(lang).answer_phrases), re.IGNORECASE)


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
    rest = re.sub(r"^[\s*:：—=\"'“”「]+", "", text[best[2]:best[2] + 2 * MAX_ANSWER_CHARS])
    if delimited := _MATH_SPAN.match(rest):  # $..$, \(..\), \[..\]
        return next(g for g in delimited.groups() if g is not None), best[1]
    line = rest.split("\n", 1)[0]
    # A number set in bold on the answer line is the answer the model emphasised
    # ('**Jibu:** Kalamu 8 zitakuwa ... **$12.00**': 12, not the 8 restated from the question).
    bold = [first_numeral(span) for span in _BOLD.findall(line)]
    bold = [b for b in bold if b is not None]
    return (bold[-1] if bold else first_numeral(line)), best[1]


BOX_RULES: tuple[str, ...] = ("last", "first")
"""Which box is the answer: the last (MMATH, Qwen2.5-Math, lm-eval's AIME, study A) or the
first (PolyMath's official scorer)."""


def extract_span(completion: str, lang: str, lenient: bool = False,
                 box: str = "last") -> tuple[str | None, str]:
    """The raw answer span and the rule that found it ('boxed', 'answer-phrase:<lang>', ...).

    ``box``: ``BOX_RULES`` (``first``: PolyMath's first box; the reason is then 'first-box')."""
    if box == "first":
        boxed, end = first_boxed(completion)
        rule = "first-box"
    else:
        boxed, end = last_boxed(completion)
        rule = "boxed"
    if boxed is not None:
        return boxed, rule
    span, code = find_phrase_answer(completion[:end], lang)
    if span is not None:
        return span, f"answer-phrase:{code}"
    if lenient:
        tail = plain_numerals(completion[:end][-SEARCH_CHARS:])
        spans = [m.group(0) for m in NUMBER_SPAN.finditer(tail)]
        if spans:
            return spans[-1].strip(), "last-number"
    return None, "no-answer"


# --- symbolic equivalence in worker processes -------------------------------------------------
# Workers are plain child processes (``python -I -c ... xling.scoring._worker``) speaking JSON
# lines over pipes, not a multiprocessing pool: multiprocessing's spawn and forkserver start
# methods import the caller's ``__main__`` again in every worker, which re-ran unguarded user
# scripts (and broke on scripts read from stdin). A worker is lent to one check at a time; one
# that misses the deadline or dies is killed and replaced.

_config = {"deadline_s": 1.0, "workers": 2}
_counts: Counter[str] = Counter()
_lock = threading.Lock()  # counters and config
_pool_lock = threading.Lock()  # swapping the pool object
START_TIMEOUT_S = 120.0
"""Seconds a new worker may take to import and warm up Math-Verify."""
ATTEMPTS = 3
"""Tries per check when its worker dies (each on a fresh worker); then 'checker-error'."""
_WORKER_CODE = ("import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
                "from xling.scoring._worker import main; main()")


class _WorkerGone(Exception):
    """The worker process ended (or never started); the message is the end of its stderr."""


class _Worker:
    """One worker process, its pipes, and a thread that queues its reply lines."""

    def __init__(self) -> None:
        self._stderr = tempfile.TemporaryFile()
        # The parent's import path plus xling's own root, so the worker imports the same xling
        # and Math-Verify; without the entry Python put first for the caller (its script's
        # folder or the working directory, which -P/-I would drop), so no module of the user's
        # can shadow a library here. -I keeps the working directory off sys.path too.
        unsafe = None if sys.flags.safe_path or not sys.path else sys.path[0]
        paths = [os.path.abspath(p) for i, p in enumerate(sys.path)
                 if p and not (i == 0 and p == unsafe)]
        root = str(Path(__file__).resolve().parents[2])
        paths += [root] if root not in paths else []
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _WORKER_CODE, json.dumps(paths)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr)
        self._replies: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        threading.Thread(target=self._read, name="xling-math-reader", daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self.proc.stdout:  # type: ignore[union-attr]
                self._replies.put(line)
        except (OSError, ValueError):
            pass
        self._replies.put(None)  # end of output: the worker is gone

    def _reply(self, timeout: float) -> dict[str, Any]:
        try:
            line = self._replies.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None
        if line is None:
            raise self._gone()
        try:
            reply = json.loads(line)
        except ValueError:
            raise _WorkerGone(f"garbled reply {line[:200]!r}") from None
        if not isinstance(reply, dict):
            raise _WorkerGone(f"garbled reply {line[:200]!r}")
        return reply

    @classmethod
    def start(cls) -> _Worker:
        """A ready worker. Raises _WorkerGone with its stderr if it does not get ready."""
        worker = cls()
        try:
            if worker._reply(START_TIMEOUT_S).get("ready") is True:
                return worker
            problem = "no ready line"
        except TimeoutError:
            problem = f"not ready after {START_TIMEOUT_S:.0f} s"
        except _WorkerGone as exc:
            worker.kill()
            raise exc from None
        worker.kill()
        raise _WorkerGone(f"{problem}; stderr: {worker.stderr_tail()}")

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request; its reply within ``timeout`` seconds.

        Raises:
            TimeoutError: no reply in time (the worker is still busy: kill it).
            _WorkerGone: the worker ended.
        """
        try:
            self.proc.stdin.write(json.dumps(request).encode("ascii") + b"\n")  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]
        except (OSError, ValueError):
            raise self._gone() from None
        return self._reply(timeout)

    def _gone(self) -> _WorkerGone:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        return _WorkerGone(f"ended (exit code {code}); stderr: {self.stderr_tail()}")

    def stderr_tail(self, chars: int = 600) -> str:
        """The last lines the worker wrote to stderr, on one line."""
        try:
            self._stderr.seek(0)
            text = self._stderr.read().decode("utf-8", "replace")[-chars:]
        except (OSError, ValueError):
            return "(no stderr)"
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return " | ".join(lines[-4:]) or "(no stderr)"

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self._close_files()

    def close(self, timeout: float = 1.0) -> None:
        """Let the worker end on end-of-input; kill it if it does not within ``timeout``."""
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
            self.proc.wait(timeout)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self._close_files()

    def _close_files(self) -> None:
        for fh in (self.proc.stdin, self._stderr):
            try:
                fh.close()  # type: ignore[union-attr]
            except OSError:
                pass


def _start_worker() -> _Worker:
    """Start a worker (two tries). Raises XlingError when none starts: the environment is broken."""
    problem = ""
    for _ in range(2):
        try:
            return _Worker.start()
        except _WorkerGone as exc:
            problem = str(exc)
        except OSError as exc:  # cannot even spawn (no memory, no such executable)
            problem = f"{type(exc).__name__}: {exc}"
    with _lock:
        _counts["start_failures"] += 1
    raise XlingError(f"the Math-Verify worker process ({sys.executable}) did not start: {problem}")


class _Pool:
    """At most ``size`` workers; each check borrows an idle one or starts one."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.idle: list[_Worker] = []
        self.live = 0  # workers idle, lent or starting
        self.closed = False
        self.cond = threading.Condition()

    def borrow(self) -> _Worker | None:
        """An idle or new worker; None if the pool was closed meanwhile (ask for the new pool)."""
        with self.cond:
            while not self.idle and self.live >= self.size and not self.closed:
                self.cond.wait()
            if self.closed:
                return None
            if self.idle:
                return self.idle.pop()
            self.live += 1
        try:
            return _start_worker()
        except BaseException:
            self._forget()
            raise

    def give_back(self, worker: _Worker, healthy: bool) -> None:
        """Return a worker; an unhealthy one (timed out, died) is killed and replaced."""
        with self.cond:
            keep = healthy and not self.closed
            if keep:
                self.idle.append(worker)
                self.cond.notify()
        if keep:
            return
        self._forget()
        if healthy:
            worker.close()
            return
        worker.kill()
        with _lock:
            _counts["pool_restarts"] += 1
        threading.Thread(target=self.fill, kwargs={"quiet": True}, daemon=True).start()

    def _forget(self) -> None:
        with self.cond:
            self.live -= 1
            self.cond.notify()

    def fill(self, quiet: bool = False) -> None:
        """Start workers (in parallel) until ``size`` are live; raises XlingError unless quiet."""
        with self.cond:
            missing = 0 if self.closed else self.size - self.live
            self.live += missing
        errors: list[BaseException] = []

        def one() -> None:
            try:
                worker = _start_worker()
            except BaseException as exc:  # noqa: BLE001 - collected, re-raised below
                errors.append(exc)
                self._forget()
                return
            self.give_back(worker, healthy=True)

        threads = [threading.Thread(target=one, daemon=True) for _ in range(missing)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors and not quiet:
            raise errors[0]

    def close(self) -> None:
        """Close idle workers now; lent ones are closed when given back."""
        with self.cond:
            self.closed = True
            idle, self.idle = self.idle, []
            self.live -= len(idle)
            self.cond.notify_all()
        for worker in idle:
            worker.close()


_pool: _Pool | None = None


def _get_pool() -> _Pool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = _Pool(_config["workers"])
        return _pool


def _after_fork_in_child() -> None:
    """A forked child must not share its parent's workers (or a lock held at fork time)."""
    global _pool, _lock, _pool_lock
    _pool, _lock, _pool_lock = None, threading.Lock(), threading.Lock()


def _shutdown() -> None:
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.close()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_shutdown)


def configure(deadline_s: float | None = None, workers: int | None = None) -> None:
    """Set the wall-clock deadline per symbolic check (seconds) and the worker-process count."""
    global _pool
    old = None
    with _pool_lock:
        if deadline_s is not None:
            if not deadline_s > 0:
                raise XlingError(f"deadline_s must be > 0, got {deadline_s}")
            _config["deadline_s"] = float(deadline_s)
        if workers is not None and workers != _config["workers"]:
            if workers < 1:
                raise XlingError(f"workers must be >= 1, got {workers}")
            _config["workers"] = int(workers)
            old, _pool = _pool, None
    if old is not None:
        old.close()


def stats() -> dict[str, int]:
    """Counters since import: fast, symbolic, timeouts, unparsable, checker_errors (a check that
    Math-Verify raised on, or whose worker died ``ATTEMPTS`` times), pool_restarts (workers
    killed and replaced), start_failures (a worker that never started: XlingError raised)."""
    with _lock:
        return {k: _counts[k] for k in ("fast", "symbolic", "timeouts", "unparsable",
                                        "checker_errors", "pool_restarts", "start_failures")}


def warm_up() -> None:
    """Start the worker processes now (a few seconds once), so the first check is not slowed.

    Raises:
        XlingError: a worker does not start (its stderr is in the message).
    """
    _get_pool().fill()


def _checker_error(gold: str, pred: str, why: str) -> str:
    with _lock:
        _counts["checker_errors"] += 1
    log.warning("symbolic check failed (%s): gold=%r pred=%.80r", why, gold, pred)
    return "checker-error"


def _symbolic(gold: str, pred: str) -> bool | str:
    """True/False, or 'timeout' / 'unparsable' / 'checker-error' (each counted in stats()).

    Raises:
        XlingError: no worker process can be started.
    """
    deadline = _config["deadline_s"]
    request = {"gold": gold, "pred": pred, "seconds": max(1, round(deadline))}
    attempts = 0
    why = ""
    while attempts < ATTEMPTS:
        pool = _get_pool()
        worker = pool.borrow()
        if worker is None:  # reconfigured meanwhile
            continue
        attempts += 1
        healthy = False
        try:
            reply = worker.ask(request, deadline)
            healthy = True
        except TimeoutError:
            with _lock:
                _counts["timeouts"] += 1
            log.warning("symbolic check timed out: gold=%r pred=%.80r", gold, pred)
            return "timeout"
        except _WorkerGone as exc:
            why = f"worker ended: {exc}"
            continue
        finally:
            pool.give_back(worker, healthy)
        if "error" in reply:
            return _checker_error(gold, pred, str(reply["error"]))
        result = reply.get("result")
        if result is None:
            return "unparsable"
        return bool(result)
    return _checker_error(gold, pred, f"{ATTEMPTS} tries; {why}")


def _too_complex(pred: str, gold: str) -> bool:
    """Shapes that only waste Math-Verify's time: huge, deeply nested, or power towers."""
    depth = peak = 0
    for ch in pred:
        depth += 1 if ch in "({[" else -1 if ch in ")}]" else 0
        peak = max(peak, depth)
    return (len(pred) > MAX_ANSWER_CHARS or peak > 40
            or (_TOWER.search(pred) is not None and _TOWER.search(gold) is None))


def compare(span: str, gold: str, lang: str) -> tuple[str, bool, str | None, bool]:
    """Compare one extracted span with gold: (recorded answer, correct, failure reason,
    ambiguous).

    The recorded answer is the canonical number when the span is one (``14টি`` and ``860
    কিলোমিটার`` are recorded as ``14`` and ``860``), else the normalised span. A span is read
    the language's way first; if only its reading with the other decimal convention equals gold
    (``2,125`` in German for MGSM's gold ``2,125``; ``numbers.other_reading``), it is correct
    and flagged ambiguous, so such verdicts are counted. A span identical to the gold once
    normalised is correct without a symbolic check (a 3x3 matrix or an ODE solution written as
    the dataset writes it must not time out).
    """
    span = span[:MAX_ANSWER_CHARS * 2]
    pred, ambiguous = normalize(span, lang)
    gold_norm, _ = normalize(gold, "en")
    recorded, correct, failure = _equal(pred, gold_norm)
    if not correct and failure is None and (other := other_reading(span, lang)) is not None:
        other_recorded, other_correct, _ = _equal(other, gold_norm)
        if other_correct:
            return other_recorded, True, None, True
    return recorded, correct, failure, ambiguous


def _equal(pred: str, gold_norm: str) -> tuple[str, bool, str | None]:
    """(recorded answer, equal, failure reason) for a normalised span against a normalised gold."""
    pred_value, gold_value = to_fraction(pred), to_fraction(gold_norm)
    if pred_value is not None and gold_value is not None:
        with _lock:
            _counts["fast"] += 1
        return _recorded(pred, pred_value), pred_value == gold_value, None
    if " ".join(pred.split()) == " ".join(gold_norm.split()):
        with _lock:
            _counts["fast"] += 1
        return pred, True, None
    if _too_complex(pred, gold_norm):
        with _lock:
            _counts["unparsable"] += 1
        return pred, False, "unparsable"
    with _lock:
        _counts["symbolic"] += 1
    result = _symbolic(gold_norm, pred)
    if isinstance(result, str):
        return pred, False, result
    return pred, result, None


def _recorded(pred: str, value: Fraction | None) -> str:
    """The answer a row records for a numeric span: a fraction as written (``\\frac{1}{3}``),
    any other number as its exact decimal without unit words or classifiers (``14``)."""
    if value is None or "/" in pred or "frac" in pred:
        return pred
    if value.denominator == 1:
        return str(value.numerator)
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f")


def score_math(completion: str, gold: str, lang: str, lenient: bool = False,
               box: str = "last") -> Verdict:
    """Verdict for one completion (response_lang is left for the caller to fill in)."""
    span, reason = extract_span(completion, lang, lenient, box)
    if span is None or not normalize(span, lang)[0]:
        return Verdict(extracted=None, correct=False, reason="no-answer")
    pred, correct, failure, ambiguous = compare(span, gold, lang)
    return Verdict(extracted=pred, correct=correct, reason=failure or reason,
                   ambiguous_number=ambiguous)


# The scorer kinds of ``scoring.SCORERS`` (``Scorer``: answer text, gold, language, options, meta).

def score(text: str, gold: str, lang: str, *, choices: tuple[str, ...] | None = None,
          meta: Any = None) -> Verdict:
    """Scorer "math": the last non-empty box, else the language's last answer phrase."""
    return score_math(text, gold, lang)


def score_first_box(text: str, gold: str, lang: str, *, choices: tuple[str, ...] | None = None,
                    meta: Any = None) -> Verdict:
    """Scorer "math-first-box" (PolyMath): the first non-empty box, else the last answer phrase."""
    return score_math(text, gold, lang, box="first")


def score_lenient(text: str, gold: str, lang: str, *, choices: tuple[str, ...] | None = None,
                  meta: Any = None) -> Verdict:
    """Scorer "math-lenient": as "math", then the last number (lm-eval's flexible-extract)."""
    return score_math(text, gold, lang, lenient=True)
