"""Reading and writing row files: jsonl, tsv, parquet.

Stage: data (and every stage that persists rows). A malformed row is an ``XlingError`` naming
``file:line``, never a silent skip. Writes are atomic (temp file + rename), so a killed run never
leaves a half-written file that looks finished, and give the file the permissions a plain
``open`` would (0o666 minus the umask; an existing file keeps its mode), so reports and metrics
on a shared machine are as readable as any other file the user writes.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.jsonl"
>>> _ = write_jsonl(p, [{"a": 1}]); read_jsonl(p)
[{'a': 1}]
"""

from __future__ import annotations

import csv
import json
import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from xling.schema import XlingError


def _require(path: Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise XlingError(f"file not found: {path}")
    return path


def read_jsonl(path: str | Path, required: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Read one JSON object per line; blank lines are skipped.

    Args:
        required: keys every row must have.

    Raises:
        XlingError: missing file, invalid JSON, a non-object row or a missing key (with file:line).
    """
    path = _require(Path(path))
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise XlingError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise XlingError(f"{path}:{lineno}: expected a JSON object, got {type(row).__name__}")
            missing = [k for k in required if k not in row]
            if missing:
                raise XlingError(f"{path}:{lineno}: missing key(s) {', '.join(missing)}")
            rows.append(row)
    return rows


def read_tsv(path: str | Path, n_columns: int) -> list[list[str]]:
    """Read a header-less TSV with exactly ``n_columns`` per row (quotes are literal text).

    Raises:
        XlingError: a row with the wrong number of columns (with file:line).
    """
    path = _require(Path(path))
    rows: list[list[str]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        # QUOTE_NONE: MGSM's Spanish line 215 contains a literal '"'.
        for lineno, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row:
                continue
            if len(row) != n_columns:
                raise XlingError(
                    f"{path}:{lineno}: expected {n_columns} tab-separated columns, got {len(row)}"
                )
            rows.append(row)
    return rows


def _temp_beside(path: Path) -> tuple[int, Path]:
    """Create a new hidden temp file next to ``path``: (fd, its path).

    Created with mode 0o666, so the kernel applies the umask exactly as for a plain ``open``
    (``tempfile.mkstemp`` would give 0o600); an existing ``path`` lends its mode instead.
    """
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        except FileNotFoundError:
            pass
        return fd, tmp
    raise FileExistsError(f"no free temp file name next to {path}")


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temp file in the same directory and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> Path:
    """Write rows as jsonl, atomically."""
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return atomic_write_text(path, text)


def write_json(path: str | Path, obj: Any) -> Path:
    """Write one JSON document (indented, UTF-8), atomically."""
    return atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def read_parquet(path: str | Path) -> list[dict[str, Any]]:
    """Read a parquet file into a list of row dicts."""
    import pyarrow.parquet as pq

    return pq.read_table(_require(Path(path))).to_pylist()


def write_parquet(path: str | Path, rows: list[dict[str, Any]]) -> Path:
    """Write row dicts as parquet, atomically (temp file + rename)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            pq.write_table(pa.Table.from_pylist(rows), fh)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
