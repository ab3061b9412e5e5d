"""Mechanism probes of study A (Huang et al., arXiv 2509.23657): why training generalises.

Stage: probes (after train; reads checkpoints and sampled generations, feeds report; the
evaluation's settings come in ``ProbeContext.settings``).
- ``perplexity``: mean question perplexity per language under a model (study A: German highest).
- ``similarity``: self-BLEU between k sampled responses to one question (exploration).
- ``composition``: the mean share of each language in the responses, per question language.
- ``drift``: final-layer hidden-state drift base -> trained, h_diff = h_trained - h_base, PCA.

A probe is one module listed in ``PROBES`` with two functions (``Probe``):
``run(ctx: ProbeContext) -> dict | None`` (the cell's entry in ``probes.json``; None = the probe
does not apply to this cell) and ``section(results: dict[label, ProbeResult], out) -> Section |
None`` (its report section). Adding a probe = one module + one row here + one test; the study
file's ``probes:`` is checked against this table, or names a user's probe by a dotted path. Models load with ``xling.checkpoint``;
torch/transformers are imported inside the functions that need them.

Try:  python -c "from xling.probes import get_probe; print(get_probe('composition').run)"
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from xling.evaluation.settings import EvalSettings
from xling.schema import Example, Section, markdown_table

PROBES: dict[str, str] = {
    "perplexity": "xling.probes.perplexity",
    "similarity": "xling.probes.similarity",
    "composition": "xling.probes.composition",
    "drift": "xling.probes.drift",
}
"""Probe name -> the module holding its ``run`` and ``section``; report sections follow this order."""


@dataclass(frozen=True)
class ProbeContext:
    """What a probe may read for one cell of a study (``study.probing`` builds it)."""

    model: str
    """The cell's model: checkpoint directory or hub id."""
    base: str
    """The model the cell started from (the study's base model)."""
    examples: list[Example]
    """The probe questions (parallel across languages; ``study.probing.PROBE_QUESTIONS`` each)."""
    run_dir: Path
    """The cell's run directory; a probe may write files there (e.g. ``drift.npz``)."""
    eval_file: Path
    """The cell's per-sample eval rows of the study's first benchmark (parquet)."""
    trained: bool = True
    """False for a base cell (evaluated as it is): probes of training (drift) skip it."""
    seed: int = 0
    backend: str = "hf"
    """Generation backend for probes that sample (``xling.generate.BACKENDS``)."""
    settings: EvalSettings = EvalSettings()
    """The study's evaluation settings (probes that sample read the prompt style, the length
    cap and the hf batch size from them)."""


@dataclass(frozen=True)
class ProbeResult:
    """One cell's stored result of one probe, as a probe's ``section`` reads it."""

    value: Any
    """The probe's entry in the cell's ``probes.json``."""
    run_dir: Path
    """The cell's run directory (for files the probe wrote there)."""
    seed: int = 0


@runtime_checkable
class Probe(Protocol):
    """What ``PROBES`` resolves to: a module (or object) with these two functions."""

    def run(self, ctx: ProbeContext) -> dict[str, Any] | None: ...

    def section(self, results: dict[str, ProbeResult], out: Path) -> Section | None: ...


def get_probe(name: str) -> Probe:
    """The probe registered as ``name``, or a user's probe named by a dotted path (a module
    ``"my_pkg.probe:"`` or an object ``"my_pkg.probe:PROBE"`` with ``run`` and ``section``).

    Raises:
        XlingError: unknown name (listing the known ones), a dotted path that does not import,
            or an object without ``run`` and ``section``.
    """
    from xling.registry import resolve

    return resolve(PROBES, name, "probe", expect=Probe)


def lang_table(results: dict[str, ProbeResult], fmt: str = "{:.3f}") -> str:
    """model × language table of per-language numbers ``{lang: value}``; columns are the first
    cell's languages, a language a cell lacks is "—"."""
    langs = list(next(iter(results.values())).value)
    rows = [[label, *(fmt.format(r.value[lang]) if lang in r.value else "—" for lang in langs)]
            for label, r in results.items()]
    return markdown_table(["model", *langs], rows)


def encode_batch(tokenizer: Any, texts: list[str], device: Any) -> tuple[Any, Any]:
    """Tokenize ``texts`` and right-pad them by hand into (input_ids, attention_mask).

    Right padding keeps every real token at its unpadded position, so under a causal mask a
    text's numbers do not depend on the batch it shares. The pad id is irrelevant (masked), so
    tokenizers without a pad token work. Both tensors are [batch, max_len] (int64) on ``device``.
    """
    import torch

    ids = [tokenizer(t)["input_ids"] for t in texts]
    width = max(1, max(len(x) for x in ids))
    input_ids = torch.zeros(len(ids), width, dtype=torch.long)
    mask = torch.zeros(len(ids), width, dtype=torch.long)
    for i, row in enumerate(ids):
        input_ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
        mask[i, : len(row)] = 1
    return input_ids.to(device), mask.to(device)
