"""What a run read: local data files (by content hash), hub datasets and hub models at their commit.

Stage: foundation (imports only ``schema``), so that every reader can say what it read: the data
loaders (files, through ``data.record_reads``'s audit hook, and hub ids), ``hub`` (the commit of
each dataset it loads) and ``checkpoint`` (the commit of each hub model it loads). A recording is
open inside ``data.record_reads()`` (or ``recording``); outside one, every ``note_*`` is a no-op.
Evaluation and training store ``DataReads.record()`` with their results; the study report lists
it as provenance.

>>> with recording() as reads:
...     note_hub("org/set")
...     note_hub("org/set", "0123abcd")
...     note_model("org/model", "89ef")
>>> reads.record()
{'files': {}, 'hub': ['org/set@0123abcd'], 'models': ['org/model@89ef']}
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class DataReads:
    """What some work read: local files (in first-read order), hub datasets and hub models, each
    hub entry ``id@commit`` when the commit is known (else the bare id).

    Filled inside ``recording``; stored with results as ``record()``.
    """

    files: list[Path] = field(default_factory=list)
    hub: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """``{"files": {path: first 16 hex digits of its sha256}, "hub": [dataset ids],
        "models": [hub model ids]}`` (JSON); hub entries are ``id@commit`` where known."""
        return {"files": {str(p): hashlib.sha256(p.read_bytes()).hexdigest()[:16]
                          for p in self.files if p.is_file()},
                "hub": list(self.hub), "models": list(self.models)}


_READS: contextvars.ContextVar[tuple[DataReads, bool] | None] = contextvars.ContextVar(
    "xling_reads", default=None)
SKIP_PREFIXES = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix,
                       str(Path(__file__).resolve().parent),  # the python, the venv, xling
                       # the hub's caches: hub data is recorded by id and commit, not by file
                       *(str(Path(os.environ[v]).expanduser().resolve()) for v in
                         ("HF_HOME", "HF_HUB_CACHE", "HF_DATASETS_CACHE") if os.environ.get(v)),
                       str((Path.home() / ".cache" / "huggingface").resolve())})
"""Files under these folders are never listed (the interpreter, its packages, xling, hub caches)."""


@contextlib.contextmanager
def recording(into: DataReads | None = None, *, files: bool = True) -> Iterator[DataReads]:
    """Record what is read inside the block into ``into`` (a new ``DataReads`` by default).

    ``files=False`` records hub datasets and models only (loading a model opens its config and
    tokenizer files, which are not data). ``data.record_reads`` is this plus the audit hook that
    sees every file opened.
    """
    reads = DataReads() if into is None else into
    token = _READS.set((reads, files))
    try:
        yield reads
    finally:
        _READS.reset(token)


def recording_files() -> bool:
    """Whether a recording that lists files is open (the audit hook's quick test)."""
    current = _READS.get()
    return current is not None and current[1]


def note_read(path: str | os.PathLike) -> None:
    """Record that the file ``path`` was read (inside a recording with files; a no-op outside)."""
    current = _READS.get()
    if current is None or not current[1] or not isinstance(path, (str, os.PathLike)):
        return
    reads = current[0]
    p = Path(os.fspath(path)).resolve()
    if p in reads.files or str(p).startswith(SKIP_PREFIXES) or not p.is_file():
        return
    reads.files.append(p)


def _note(entries: list[str], repo_id: str, revision: str | None) -> None:
    ref = f"{repo_id}@{revision}" if revision else repo_id
    if revision and repo_id in entries:  # the bare id noted before the commit was known
        entries[entries.index(repo_id)] = ref
    elif ref not in entries and not (revision is None and any(
            e.startswith(f"{repo_id}@") for e in entries)):
        entries.append(ref)


def note_hub(hub_id: str, revision: str | None = None) -> None:
    """Record that the hub dataset ``hub_id`` was read, at commit ``revision`` when known (a
    later note with the commit completes an earlier bare one)."""
    current = _READS.get()
    if current is not None:
        _note(current[0].hub, hub_id, revision)


def note_model(name: str, revision: str | None = None) -> None:
    """Record that the hub model ``name`` was loaded, at commit ``revision`` when known."""
    current = _READS.get()
    if current is not None:
        _note(current[0].models, name, revision)
