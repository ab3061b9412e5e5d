"""The output folder of a translation: results appended after every batch, a restart's view of
them, and the final parallel files with their card, written so a kill never leaves a card that does
not load.

Stage: translate (see ``xling.translate``).
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from pathlib import Path
from typing import Any

from xling.schema import Example, XlingError
from xling.translate.config import TranslateConfig
from xling.translate.source import Source

log = logging.getLogger(__name__)


class Store:
    """The output folder: appended results, a restart's view of them, the final files."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.passed_dir = out / "passed"
        self.dropped_path = out / "dropped.jsonl"

    def passed_path(self, lang: str) -> Path:
        return self.passed_dir / f"{lang}.jsonl"

    def has_results(self) -> bool:
        """Whether any item was saved (passed or dropped), in any language."""
        files = [self.dropped_path, *self.passed_dir.glob("*.jsonl")]
        return any(p.is_file() and p.stat().st_size > 0 for p in files)

    def read(self, path: Path) -> list[dict[str, Any]]:
        """Rows of an appended file; a torn last line (a killed write) is cut off, anything else
        malformed is an error naming file:line."""
        if not path.is_file():
            return []
        lines = path.read_text(encoding="utf-8").split("\n")
        rows, torn = [], False
        for i, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                if i == len(lines):  # no newline after it: the write was cut
                    torn = True
                    break
                raise XlingError(f"{path}:{i}: invalid JSON ({exc.msg})") from None
        if torn:
            from xling.data.io import write_jsonl

            log.warning("%s: dropping a partly written last line (the run was killed)", path)
            write_jsonl(path, rows)
        return rows

    def append(self, path: Path, rows: list[dict[str, Any]]) -> None:
        """Append rows and flush them to disk (one write per batch)."""
        if not rows:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
            fh.flush()
            os.fsync(fh.fileno())


def copy_row(ex: Example, lang: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """An item in the source language itself: copied, not translated (model 'source')."""
    row: dict[str, Any] = {"id": ex.parallel_id, "lang": lang, "question": ex.question,
                           "answer": ex.answer}
    if ex.solution and "solution" in fields:
        row["solution"] = ex.solution
    if ex.choices:
        row["choices"] = list(ex.choices)
    return row | {"source_text": None, "model": "source", "prompt": None, "checks": {},
                  "attempts": 0}


def check_fingerprint(out: Path, fp: dict[str, Any], store: Store) -> None:
    """Refuse to mix translations of two configs in one folder. The config is recorded only
    with results (``translate``'s ``save``); one recorded without any (a failed start of an
    older version) is stale and removed."""
    path = out / "translate.json"
    if not path.is_file():
        return
    have = json.loads(path.read_text(encoding="utf-8"))
    if have == fp:
        return
    if not store.has_results():
        log.info("%s: a config recorded without results; replacing it", path)
        path.unlink()
        return
    diff = sorted(k for k in set(fp) | set(have) if have.get(k) != fp.get(k))
    raise XlingError(f"{out} holds a translation made with another config (differs in: "
                     f"{', '.join(diff)}); use another --out")


def finish(cfg: TranslateConfig, source: Source, store: Store) -> dict[str, Any]:
    """Write the parallel files and the card from what is on disk; returns the summary.

    The files are written under a temporary folder and the card loaded from there; only when it
    loads are they moved into place (the old card is removed first and the new one moved last,
    so a kill at any moment leaves the earlier card with its files, no card, or the new card
    with its files: never a card that does not load). Without an item that passed in every
    language nothing is written (an earlier card stays).

    Raises:
        XlingError: the new card does not load (the earlier outputs are left as they were).
    """
    import shutil

    from xling.data.benchmarks.card import CARD_FILE, load_card, write_card
    from xling.data.io import write_jsonl

    order = {ex.parallel_id: i for i, ex in enumerate(source.examples)}
    passed = {lang: {str(r["id"]): r for r in store.read(store.passed_path(lang))}
              for lang in cfg.langs}
    dropped = store.read(store.dropped_path)
    per_lang: dict[str, Any] = {}
    for lang in cfg.langs:
        mine = [d for d in dropped if d["lang"] == lang]
        rows = list(passed[lang].values())
        per_lang[lang] = {
            "items": len(rows) + len(mine), "passed": len(rows),
            "retried": sum(r["attempts"] > 1 for r in rows) + sum(d["attempts"] > 1 for d in mine),
            "dropped": dict(Counter(d["reason"] for d in mine)),
            "pass_rate": len(rows) / max(1, len(rows) + len(mine)),
        }
    common = set.intersection(*(set(p) for p in passed.values())) if passed else set()
    ids = sorted(common, key=lambda i: (order.get(i, len(order)), i))
    # A card role must be a column of every row: items without a solution get "solution": null.
    has_solution = any("solution" in passed[lang][i] for lang in cfg.langs for i in ids)
    files: dict[str, list[dict[str, Any]]] = {}
    for lang in cfg.langs:
        rows = [passed[lang][i] for i in ids]
        files[lang] = [{**r, "solution": r.get("solution")} for r in rows] if has_solution else rows
        per_lang[lang]["in_card"] = len(ids)
        lost = len(passed[lang]) - len(ids)
        if lost:
            log.warning("%s: %d items passed in %s but not in every language: left out of "
                        "%s.jsonl (kept in passed/%s.jsonl)", store.out, lost, lang, lang, lang)
    summary: dict[str, Any] = {
        "source": source.name, "model": cfg.model, "verify_model": cfg.verify_model,
        "checks": list(cfg.checks) + (["judge"] if cfg.verify_model else [])
        + (["backtranslation"] if cfg.min_chrf is not None else []),
        "parallel_items": len(ids), "langs": per_lang,
        "dropped": [{"lang": d["lang"], "id": d["id"], "reason": d["reason"], "detail": d["detail"]}
                    for d in dropped],
    }
    for leftover in store.out.glob(".staging-*"):  # of a run killed while writing its outputs
        shutil.rmtree(leftover, ignore_errors=True)
    if not ids:
        log.warning("%s: no item passed in every language; no card written", store.out)
        return summary
    fields = {"id": "id", "question": "question", "answer": "answer"}
    if has_solution:
        fields["solution"] = "solution"
    if all("choices" in passed[lang][i] for lang in cfg.langs for i in ids):
        fields["choices"] = "choices"
    name = cfg.name or f"{source.name}-mt"
    staging = store.out / f".staging-{os.getpid()}"
    try:
        for lang, rows in files.items():
            write_jsonl(staging / f"{lang}.jsonl", rows)
        card = write_card(
            staging / CARD_FILE, name=name, files={lang: f"{lang}.jsonl" for lang in cfg.langs},
            fields=fields, scorer=source.scorer, paper_metric=source.paper_metric,
            description=f"{source.name} translated from {cfg.source_lang} by {cfg.model}"
            + (f", checked by {cfg.verify_model}" if cfg.verify_model else ""),
            provenance={"translation": "summary.json", "source": source.name, "model": cfg.model,
                        "verify_model": cfg.verify_model, "checks": summary["checks"]})
        try:
            load_card(card)  # what we wrote must load: fail here, not in a later eval
        except XlingError as exc:
            raise XlingError(f"{store.out}: the new card does not load, so the earlier outputs "
                             f"are left as they were: {exc}") from None
        (store.out / CARD_FILE).unlink(missing_ok=True)
        for lang in files:
            os.replace(staging / f"{lang}.jsonl", store.out / f"{lang}.jsonl")
        os.replace(card, store.out / CARD_FILE)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary["card"] = name
    return summary
