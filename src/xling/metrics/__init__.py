"""Stage 5: metrics over verdict tables — accuracy with CI, Avg, Gen, MTI, language rates, bootstrap.

Pure functions (numpy and scipy only); every formula lives here exactly once and the report, the
study runner, the benchmarks' summaries and the tests import it. Accuracies are fractions in
[0, 1]; reports print percentages. Formulas are those of ../shared/REFERENCE_STUDIES.md.

One module per question a reader asks: ``accuracy`` (one run per language: accuracy with its
Wilson interval, pass@k, runs, ``summarize_rows``), ``language`` (consistency, off-target rates,
the thinking summary), ``transfer`` (Avg, Gen, MTI across languages), ``bootstrap`` (the one
resampling loop and the intervals on it), ``benchmarks`` (PolyMath's DW-ACC, IFEval's four
accuracies). Every name is importable from ``xling.metrics``.

>>> round(gen_score({"en": 0.8, "de": 0.5}, {"en": 0.6, "de": 0.0}), 4)
0.5
"""

from __future__ import annotations

from xling.metrics.accuracy import (
    Accuracy,
    acc_by_lang,
    accuracy,
    failure_counts,
    item_set_key,
    mean_pass_at_k,
    pass_at_k,
    run_stats,
    summarize_rows,
    wilson_interval,
)
from xling.metrics.benchmarks import POLYMATH_WEIGHTS, difficulty_weighted_accuracy, ifeval_accuracy
from xling.metrics.bootstrap import (
    BootstrapCI,
    bootstrap_ci,
    bootstrap_gains,
    bootstrap_gen,
    bootstrap_mti,
    correctness_matrix,
    paired_bootstrap,
    resample,
)
from xling.metrics.language import (
    MIXED_BELOW,
    consistency_rate,
    mean_off_target,
    off_target_rate,
    reasoning_language_rates,
    thinking_summary,
)
from xling.metrics.transfer import (
    GenResult,
    average,
    gen_details,
    gen_score,
    mti,
    transfer_accuracy,
)

__all__ = ["Accuracy", "BootstrapCI", "GenResult", "MIXED_BELOW", "POLYMATH_WEIGHTS",
           "acc_by_lang", "accuracy", "average", "bootstrap_ci", "bootstrap_gains", "bootstrap_gen", "bootstrap_mti",
           "consistency_rate", "correctness_matrix", "difficulty_weighted_accuracy",
           "failure_counts", "gen_details", "gen_score", "ifeval_accuracy", "item_set_key",
           "mean_off_target", "mean_pass_at_k", "mti", "off_target_rate", "paired_bootstrap",
           "pass_at_k", "reasoning_language_rates", "resample", "run_stats", "summarize_rows",
           "thinking_summary", "transfer_accuracy", "wilson_interval"]
