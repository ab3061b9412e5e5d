"""Controls of a study: checks that the world can show the effect it is used to measure.

Stage: report. A study's ``controls:`` names cells by role (``study.spec.CONTROL_ROLES``); each
role has a criterion, applied to per-language gains over the study's base with paired bootstrap
intervals over the parallel questions (``metrics.resample``, 2,000 resamples):

- ``positive`` (e.g. training on the skill in every language): holds when *every* language's
  gain has a 95% interval above 0 — the world lets training teach the skill everywhere.
- ``negative`` (e.g. training on problems the base already solves): holds when *no* language
  moves beyond noise: every language's gain has a simultaneous 95% interval (Bonferroni over
  the languages: each at 1 - 0.05 / L) that contains 0 — ten plain 95% intervals would flag one
  language in about 40% of null runs.
- ``transfer`` (e.g. training on the skill in one language): not a pass/fail control but the
  measurement itself: the mean gain over the languages the cell was not trained on, with its
  95% interval, reported whatever it is ("transfer: yes" when the interval lies above 0).

>>> import numpy as np
>>> base = np.zeros((50, 2)); trained = np.ones((50, 2))
>>> [v["held"] for v in control_verdicts({"B": base, "P": trained, "N": base}, "B",
...  {"positive": "P", "negative": "N"}, ["en", "de"], {"P": ("en", "de"), "N": ("de",)})]
[True, True]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from xling.schema import Section, markdown_table

CRITERIA: dict[str, str] = {
    "positive": "every language gains (each 95% interval above 0)",
    "negative": "no language moves (each simultaneous 95% interval contains 0)",
    "transfer": "measured: mean gain over the languages not trained on (95% interval)",
}
"""Role -> the criterion as the report states it."""


def control_verdicts(
    mats: Mapping[str, Any], base: str, controls: Mapping[str, str], langs: Sequence[str],
    train_langs: Mapping[str, Sequence[str]], seeds: Mapping[str, int] | None = None,
) -> list[dict[str, Any]]:
    """One verdict per control: ``{role, cell, gains, lo, hi, held, ...}``.

    Args:
        mats: cell label -> [n_questions, n_langs] correctness over the same parallel questions.
        base: the label of the base cell (gains are over it).
        controls: role -> cell label (``StudySpec.controls``).
        langs: the columns of the matrices.
        train_langs: cell label -> its training languages (the transfer role leaves them out).
        seeds: cell label -> the bootstrap seed (the cell's seed, as the report's other
            intervals for that cell use; default 0).

    ``held`` is True/False for positive and negative, and for transfer whether the unseen-language
    mean gain's interval lies above 0.
    """
    import numpy as np

    from xling.metrics import bootstrap_gains, paired_bootstrap

    out = []
    for role, label in controls.items():
        if label not in mats:
            continue
        level = 1 - 0.05 / len(langs) if role == "negative" else 0.95
        seed = (seeds or {}).get(label, 0)
        gains, lo, hi = bootstrap_gains(mats[label], mats[base], level=level, seed=seed)
        verdict: dict[str, Any] = {"role": role, "cell": label, "gains": gains, "lo": lo, "hi": hi,
                                   "level": level}
        if role == "positive":
            verdict["held"] = bool((lo > 0).all())
        elif role == "negative":
            verdict["held"] = bool(((lo <= 0) & (hi >= 0)).all())
        else:
            unseen = [j for j, lang in enumerate(langs) if lang not in train_langs[label]]
            model, ref = np.asarray(mats[label]), np.asarray(mats[base])
            mean = paired_bootstrap(model[:, unseen].mean(1), ref[:, unseen].mean(1), seed=seed)
            verdict["unseen"] = [langs[j] for j in unseen]
            verdict["unseen_gain"] = tuple(float(v) for v in mean)
            verdict["held"] = bool(mean[1] > 0)
        out.append(verdict)
    return out


def controls_section(verdicts: list[dict[str, Any]], langs: Sequence[str], bench: str,
                     missing: Sequence[str] = ()) -> Section:
    """The report's controls table: per-language gains (points) and each control's verdict;
    ``missing`` names controls whose cell has not finished."""
    rows = []
    for v in verdicts:
        cells = [f"{100 * g:+.1f} [{100 * a:+.1f}, {100 * b:+.1f}]"
                 for g, a, b in zip(v["gains"], v["lo"], v["hi"], strict=True)]
        if v["role"] == "transfer":
            g, a, b = v["unseen_gain"]
            verdict = (f"mean gain {100 * g:+.1f} [{100 * a:+.1f}, {100 * b:+.1f}] → "
                       f"transfer: {'yes' if v['held'] else 'no'}")
        else:
            verdict = "held" if v["held"] else "**did not hold**"
        rows.append([v["role"], v["cell"], CRITERIA[v["role"]], *cells, verdict])
    md = markdown_table(["control", "cell", "criterion", *langs, "verdict"], rows)
    md += ("\n\n_Gains over the base in points with paired-bootstrap intervals over the parallel "
           "questions (2,000 resamples): 95% for the positive control and the transfer probe, "
           "simultaneous 95% (Bonferroni over the languages) for the negative control._")
    if missing:
        md += f"\n\n_Not finished yet: {', '.join(missing)}._"
    return Section(f"{bench}: controls", md)
