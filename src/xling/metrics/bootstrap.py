"""Intervals by resampling parallel questions: the one bootstrap loop (``resample``) and the
paired, Gen and MTI intervals built on it; ``correctness_matrix`` pivots eval rows for them.

Stage: metrics (see ``xling.metrics``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from xling.metrics.transfer import gen_score, mti
from xling.schema import XlingError


def paired_bootstrap(
    x: Sequence[float],
    y: Sequence[float],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    statistic: Callable[[Any, Any], float] | None = None,
) -> BootstrapCI:
    """Paired bootstrap of ``statistic(x, y)`` (default: mean(x) − mean(y)) over items.

    ``x[i]`` and ``y[i]`` are the scores of the same item (e.g. the same parallel question) under
    two runs; items are resampled with replacement, keeping pairs together (``bootstrap_ci``).

    Returns:
        (observed, lo, hi): the statistic and its 95% percentile interval, as a ``BootstrapCI``
        (resamples where ``statistic`` raised ``XlingError`` are counted in ``dropped``).
    """
    import numpy as np

    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xa.shape != ya.shape or xa.ndim != 1 or len(xa) == 0:
        raise XlingError(f"paired bootstrap needs two equal-length score lists, got {xa.shape}, {ya.shape}")
    stat = statistic or (lambda a, b: float(a.mean() - b.mean()))
    return bootstrap_ci(lambda idx: stat(xa[idx], ya[idx]), len(xa), n_boot=n_boot, seed=seed,
                        what="the paired statistic")


def correctness_matrix(
    rows: Iterable[Mapping[str, Any]], langs: Sequence[str], pids: Sequence[str] | None = None
) -> tuple[list[str], Any]:
    """Pivot eval rows into a [n_questions, n_langs] array of mean correctness over samples.

    Only parallel questions present in every language are kept (pass ``pids`` to align several
    runs on the same questions). Returns (parallel ids, array).
    """
    import numpy as np

    cells: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in rows:
        cells[(row["parallel_id"], row["lang"])].append(float(bool(row["correct"])))
    if pids is None:
        found = {pid for pid, _ in cells}
        pids = sorted(p for p in found if all((p, lang) in cells for lang in langs))
    missing = [(p, lang) for p in pids for lang in langs if (p, lang) not in cells]
    if missing:
        raise XlingError(f"no result for question {missing[0][0]} in {missing[0][1]}")
    mat = np.array([[sum(cells[(p, lang)]) / len(cells[(p, lang)]) for lang in langs] for p in pids])
    return list(pids), mat.reshape(len(pids), len(langs))


class BootstrapCI(tuple):
    """``(estimate, lo, hi)``, unpacked as a plain 3-tuple, that also carries ``dropped``: how many
    of the ``n_boot`` resamples had no defined value (and so are not in the interval)."""

    dropped: int = 0
    n_boot: int = 0


def resample(
    stat: Callable[[Any], Any], n: int, *, n_boot: int = 2000, seed: int = 0
) -> tuple[list[Any], int]:
    """The one bootstrap loop: ``stat(idx)`` over ``n_boot`` resamples of ``range(n)`` with
    replacement (``idx`` an int array of length n; numpy ``default_rng(seed)``, one
    ``integers(0, n, n)`` draw per resample, so two calls with one seed see the same resamples).

    A resample where ``stat`` raises ``XlingError`` has no defined value: it is left out and
    counted. Returns (values of the defined resamples, number dropped).

    >>> values, dropped = resample(lambda idx: float(idx.mean()), 4, n_boot=10)
    >>> len(values), dropped
    (10, 0)
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    values: list[Any] = []
    dropped = 0
    for _ in range(n_boot):
        idx = rng.integers(0, n, size=n)
        try:
            values.append(stat(idx))
        except XlingError:  # undefined in this resample (e.g. Gen with the base at 100%)
            dropped += 1
    return values, dropped


def bootstrap_ci(
    stat: Callable[[Any], float], n: int, *, n_boot: int = 2000, seed: int = 0,
    what: str = "the statistic", why: str = "",
) -> BootstrapCI:
    """``stat`` on all ``n`` items with its 95% percentile interval over ``resample``.

    Every bootstrap interval of xling (``paired_bootstrap``, ``bootstrap_gen``,
    ``bootstrap_mti``) comes from ``resample``; resamples without a value are counted in the
    result's ``dropped`` and the interval is over the ``n_boot - dropped`` others.

    >>> ci = bootstrap_ci(lambda idx: float(idx.mean()), 4, n_boot=200)
    >>> ci[0], ci[1] <= ci[0] <= ci[2], ci.dropped, ci.n_boot
    (1.5, True, 0, 200)

    Raises:
        XlingError: ``n`` < 1, or ``stat`` undefined in every resample (or on all items).
    """
    import numpy as np

    if n < 1:
        raise XlingError(f"bootstrap of {what} needs at least one item")
    values, dropped = resample(stat, n, n_boot=n_boot, seed=seed)
    if not values:
        raise XlingError(f"bootstrap: {what} is undefined in all {n_boot} resamples"
                         + (f" ({why})" if why else ""))
    lo, hi = np.percentile(values, [2.5, 97.5])
    result = BootstrapCI((float(stat(np.arange(n))), float(lo), float(hi)))
    result.dropped, result.n_boot = dropped, n_boot
    return result


def bootstrap_gen(
    model: Any, base: Any, other: Any | None = None, *, n_boot: int = 2000, seed: int = 0
) -> BootstrapCI:
    """Gen of ``model`` against ``base`` (or Gen(model) − Gen(other)) with a paired 95% interval.

    Arguments are [n_questions, n_langs] correctness arrays over the same parallel questions
    (``correctness_matrix``); questions are resampled jointly across languages and runs. A
    language where the resampled base is at 100% is skipped inside ``gen_score``, as in Gen; a
    resample where that leaves no language has no Gen: it is dropped and counted in the
    result's ``dropped`` (the interval is over the ``n_boot - dropped`` others).

    Raises:
        XlingError: arrays of different shapes, or every resample undefined.
    """
    import numpy as np

    def gen_of(m: Any, b: Any) -> float:
        langs = [str(j) for j in range(m.shape[1])]
        return gen_score(dict(zip(langs, m.mean(0), strict=True)),
                         dict(zip(langs, b.mean(0), strict=True)))

    def stat(idx: Any) -> float:
        value = gen_of(model[idx], base[idx])
        return value - gen_of(other[idx], base[idx]) if other is not None else value

    model, base = np.asarray(model, dtype=float), np.asarray(base, dtype=float)
    if other is not None:
        other = np.asarray(other, dtype=float)
    n = len(model)
    if n == 0 or model.shape != base.shape or (other is not None and other.shape != model.shape):
        raise XlingError("bootstrap_gen needs non-empty arrays of one shape [questions, langs]")
    return bootstrap_ci(stat, n, n_boot=n_boot, seed=seed, what="Gen",
                        why="the base is at 100% in every language of each")


def bootstrap_gains(model: Any, base: Any, *, level: float = 0.95, n_boot: int = 2000,
                    seed: int = 0) -> tuple[Any, Any, Any]:
    """Per-language gains of ``model`` over ``base`` with paired-bootstrap ``level`` intervals,
    resampling the parallel questions jointly across languages.

    Args:
        model, base: [n_questions, n_langs] correctness over the same parallel questions.

    Returns:
        (gains, lo, hi): three arrays of shape [n_langs], as fractions.
    """
    import numpy as np

    diff = np.asarray(model, dtype=float) - np.asarray(base, dtype=float)
    values, _ = resample(lambda idx: diff[idx].mean(0), len(diff), n_boot=n_boot, seed=seed)
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(np.array(values), [tail, 100 - tail], axis=0)
    return diff.mean(0), lo, hi


def bootstrap_mti(
    post: Any, init: Any, langs: Sequence[str], source: str = "en", *, n_boot: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    """MTI (provisional formula, ``mti``) of a post-trained model over its initial model, with a
    95% percentile interval from resampling the parallel questions jointly across languages.

    Args:
        post, init: [n_questions, n_langs] correctness arrays over the same parallel questions,
            columns in ``langs`` order (``correctness_matrix``).

    Returns:
        {"mti", "ci95", "gains": {lang: post − init}, "gains_ci95": {lang: [lo, hi]} (the same
        resamples), "dropped": resamples where the source gain was 0 (MTI undefined there),
        "n_boot"}. ``mti`` and ``ci95`` are NaN, with the reason in ``undefined``, when the
        observed source gain is 0 or its 95% interval includes 0 (then ``point`` keeps the
        ratio that would have been reported).
    """
    import numpy as np

    post, init = np.asarray(post, dtype=float), np.asarray(init, dtype=float)
    if post.shape != init.shape or post.ndim != 2 or post.shape[1] != len(langs) or not len(post):
        raise XlingError(f"bootstrap_mti needs two [questions, {len(langs)}] arrays of one shape")
    if source not in langs:
        raise XlingError(f"MTI needs the source language {source!r} among {list(langs)}")

    def value(idx: Any) -> float:
        return mti(dict(zip(langs, post[idx].mean(0), strict=True)),
                   dict(zip(langs, init[idx].mean(0), strict=True)), source)

    gains = {lang: float(post[:, j].mean() - init[:, j].mean()) for j, lang in enumerate(langs)}
    everything = np.arange(len(post))
    try:
        observed = float(value(everything))
    except XlingError as exc:
        return {"mti": math.nan, "ci95": [math.nan, math.nan], "gains": gains, "dropped": 0,
                "n_boot": 0, "undefined": str(exc)}
    # Two passes of the one bootstrap loop with one seed: the same resamples for MTI and gains.
    boots, dropped = resample(value, len(post), n_boot=n_boot, seed=seed)  # dropped: no source gain
    _, g_lo, g_hi = bootstrap_gains(post, init, n_boot=n_boot, seed=seed)
    lo, hi = np.percentile(boots, [2.5, 97.5]) if boots else (math.nan, math.nan)
    gains_ci95 = {lang: [float(g_lo[j]), float(g_hi[j])] for j, lang in enumerate(langs)}
    out = {"mti": observed, "ci95": [float(lo), float(hi)], "gains": gains,
           "gains_ci95": gains_ci95, "dropped": dropped, "n_boot": n_boot}
    src_lo, src_hi = gains_ci95[source]
    if src_lo <= 0.0 <= src_hi:
        # A ratio over a gain indistinguishable from none is noise (a large number with a huge
        # interval); report it as undefined, with why, and keep the point value for the record.
        out.update(mti=math.nan, ci95=[math.nan, math.nan], point=observed,
                   undefined=f"the {source} gain's 95% interval [{100 * src_lo:.1f}, "
                             f"{100 * src_hi:.1f}] points includes 0")
    return out
