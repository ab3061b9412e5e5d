"""Where data is read from, and what a load read.

Stage 1 (data). ``find_shared_data`` locates the staged files (``$XLING_SHARED_DATA`` or
``shared/data`` beside the checkout, never relative to the working directory);
``resolve_source`` turns what the user gave (a folder, a file, a hub id, or nothing) into a local
path or a hub id, refusing a local-looking path that does not exist; ``record_reads`` records the
files, hub datasets and hub models (each at its commit) some work reads, when it reads them
(``xling.provenance``; evaluation and training store the record with their results; the study
report lists it as provenance).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from xling.paths import DATA_SUFFIXES, looks_local
from xling.provenance import DataReads, note_hub, note_model, note_read, recording, recording_files
from xling.schema import XlingError

log = logging.getLogger(__name__)

__all__ = ["DataReads", "find_shared_data", "note_hub", "note_model", "note_read", "record_reads",
           "resolve_source"]


_HOOKED = False


def _audit(event: str, args: tuple) -> None:
    if event != "open" or not recording_files():  # every audit event of the process passes here
        return
    path, mode, flags = args[0], args[1], args[2]
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return  # written, not read
    if mode is None and isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR):
        return
    if not isinstance(path, str | os.PathLike) or not _looks_like_data(Path(os.fspath(path))):
        return  # not a data file: a time zone (pyarrow reads /usr/share/zoneinfo), a config
    note_read(path)


def _looks_like_data(path: Path) -> bool:
    """A data suffix (``paths.DATA_SUFFIXES``), or a file of the staged data (``train.de``)."""
    if path.suffix.lower() in DATA_SUFFIXES:
        return True
    try:
        return path.resolve().is_relative_to(find_shared_data().resolve())
    except XlingError:  # nothing staged
        return False


@contextlib.contextmanager
def record_reads(into: DataReads | None = None, *, files: bool = True) -> Iterator[DataReads]:
    """Record the data files opened, the hub datasets and the hub models read inside the block
    (``provenance.recording``; ``into`` continues an earlier record, ``files=False`` records hub
    reads only).

    Data files are seen through Python's ``open`` audit event (any reader: ``open``,
    ``read_text``, ``zipfile``, ...; only files with a data suffix, ``paths.DATA_SUFFIXES``, or
    under the staged data, so a time zone or configuration file a library opens is not listed)
    plus ``note_read`` for readers outside Python (pyarrow) and data files of any name (a
    card's); files of the interpreter, its packages and xling itself are left out. Hub datasets
    and models are noted with their commit by ``hub`` and ``checkpoint``.

    >>> from xling.data import load_benchmark
    >>> with record_reads() as reads:
    ...     _ = load_benchmark("mgsm", ["de"], limit=1)
    >>> [p.name for p in reads.files]
    ['mgsm_de.tsv']
    """
    global _HOOKED
    if not _HOOKED:
        sys.addaudithook(_audit)  # process-wide and permanent; a no-op outside a recording
        _HOOKED = True
    with recording(into, files=files) as reads:
        yield reads


def find_shared_data() -> Path:
    """Locate the staged benchmark files (``shared/data``), whatever the working directory.

    Order: ``$XLING_SHARED_DATA`` (when set, it must be a folder: a typo is an error, never a
    fallback); ``shared/data`` beside the checkout (``<repo>/../shared/data``, how tests and CI
    run).

    Raises:
        XlingError: ``$XLING_SHARED_DATA`` is not a folder, or nothing is staged beside the
            checkout; the message says how to point xling at the files.
    """
    env = os.environ.get("XLING_SHARED_DATA")
    if env:
        if not Path(env).expanduser().is_dir():
            raise XlingError(f"XLING_SHARED_DATA={env!r} is not a directory")
        return Path(env).expanduser()
    path = Path(__file__).resolve().parents[3].parent / "shared" / "data"  # <repo>/../shared/data
    if path.is_dir():
        return path
    raise XlingError(
        "local benchmark files not found; set XLING_SHARED_DATA to the folder holding mgsm/ "
        "(or pass a hub dataset id as the source)"
    )


def resolve_source(source: str | None, staged: str, hub_id: str | None) -> tuple[Path | None, str | None]:
    """Where a benchmark loads from: ``(local folder, None)`` or ``(None, hub id)``.

    Args:
        source: what the user gave (a folder or file, a hub id) or None for the default.
        staged: the benchmark's folder under the staged data (``find_shared_data() / staged``).
        hub_id: the hub dataset to use when nothing local is given or staged (None: no hub copy).

    Raises:
        XlingError: a local-looking ``source`` that does not exist (never a slow hub retry),
            ``$XLING_SHARED_DATA`` set to something that is not a folder, or no staged copy and
            no hub id.
    """
    if source is not None:
        if Path(source).expanduser().exists():
            return Path(source).expanduser(), None
        if looks_local(source):
            raise XlingError(f"benchmark source {source!r} does not exist")
        note_hub(source)
        return None, source
    if os.environ.get("XLING_SHARED_DATA"):
        folder: Path | None = find_shared_data() / staged  # a mistyped folder raises here
    else:
        try:
            folder = find_shared_data() / staged
        except XlingError:
            folder = None
    if folder is not None and folder.exists():
        return folder, None
    if hub_id is None:
        raise XlingError(f"no staged copy of {staged!r} found and it has no hub id; pass --source")
    log.info("staged %s not found; loading the hub dataset %s", staged, hub_id)
    note_hub(hub_id)
    return None, hub_id
