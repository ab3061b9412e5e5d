"""Reading and writing row files (jsonl, tsv, parquet) and YAML files.

Stage: data (and every stage that persists rows). A malformed row is an ``XlingError`` naming
``file:line`` (1-based), never a silent skip: invalid JSON, a wrong column count, a missing key,
bytes that are not UTF-8, a YAML key written twice (``read_yaml``); ``check_text`` / ``check_number_answer`` refuse an empty question or a
gold answer that is empty or (for numeric benchmarks) not a number. Writes are atomic (temp file + rename), so a killed run never
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
import functools
import io
import json
import os
import re
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


def read_text(path: str | Path) -> str:
    """The whole file as UTF-8 text.

    Raises:
        XlingError: missing file, or bytes that are not UTF-8 (with file:line, 1-based).
    """
    path = _require(Path(path))
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise XlingError(f"{path}:{line}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from None


def read_jsonl_numbered(
    path: str | Path, required: Sequence[str] = ()
) -> list[tuple[int, dict[str, Any]]]:
    """``read_jsonl`` with each row's 1-based line number: ``[(line, row), ...]``."""
    path = Path(path)
    rows: list[tuple[int, dict[str, Any]]] = []
    for lineno, line in enumerate(io.StringIO(read_text(path), newline=None), start=1):
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
        rows.append((lineno, row))
    return rows


def read_jsonl(path: str | Path, required: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Read one JSON object per line; blank lines are skipped.

    Args:
        required: keys every row must have.

    Raises:
        XlingError: missing file, invalid UTF-8, invalid JSON, a non-object row or a missing key
            (with file:line).
    """
    return [row for _, row in read_jsonl_numbered(path, required)]


def read_tsv_numbered(path: str | Path, n_columns: int) -> list[tuple[int, list[str]]]:
    """``read_tsv`` with each row's 1-based line number: ``[(line, row), ...]``."""
    path = Path(path)
    rows: list[tuple[int, list[str]]] = []
    text = io.StringIO(read_text(path), newline="")
    # QUOTE_NONE: MGSM's Spanish line 215 contains a literal '"' (one line = one row).
    for lineno, row in enumerate(csv.reader(text, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
        if not row:
            continue
        if len(row) != n_columns:
            raise XlingError(
                f"{path}:{lineno}: expected {n_columns} tab-separated columns, got {len(row)}"
            )
        rows.append((lineno, row))
    return rows


def read_tsv(path: str | Path, n_columns: int) -> list[list[str]]:
    """Read a header-less TSV with exactly ``n_columns`` per row (quotes are literal text).

    Raises:
        XlingError: invalid UTF-8 or a row with the wrong number of columns (with file:line).
    """
    return [row for _, row in read_tsv_numbered(path, n_columns)]


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int, first: int) -> None:
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


@functools.cache
def _unique_key_loader() -> type:
    """A yaml SafeLoader whose mappings refuse a key written twice (PyYAML keeps the last one,
    so ``files: {en: en.jsonl, en: de.jsonl}`` would silently evaluate "en" on German)."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, int] = {}
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue  # '<<: *anchor' keys may be overridden, as YAML allows
                    key = self.construct_object(key_node, deep=True)
                    line = key_node.start_mark.line + 1
                    try:
                        if key in seen:
                            raise _DuplicateKey(key, line, seen[key])
                    except TypeError:  # an unhashable key: PyYAML reports it itself
                        continue
                    seen[key] = line
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


def read_yaml(path: str | Path) -> Any:
    """A YAML file (plain data, as ``yaml.safe_load``) in which no mapping has a key twice.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.yaml"
    >>> _ = p.write_text("files:\\n  en: en.jsonl\\n  en: de.jsonl\\n")
    >>> try:
    ...     read_yaml(p)
    ... except XlingError as exc:
    ...     print(str(exc).split(": ", 1)[1])
    duplicate key 'en' (first at line 2); each key may appear once

    Raises:
        XlingError: missing file, bytes that are not UTF-8, invalid YAML or a duplicate key,
            each naming ``file:line``.
    """
    import yaml

    path = Path(path)
    text = read_text(path)
    try:
        return yaml.load(text, Loader=_unique_key_loader())  # noqa: S506 - a SafeLoader
    except _DuplicateKey as dup:
        raise XlingError(f"{path}:{dup.line}: duplicate key {dup.key!r} (first at line "
                         f"{dup.first}); each key may appear once") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise XlingError(f"{path}{where}: invalid YAML ({getattr(exc, 'problem', None) or exc})"
                         ) from None


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def check_text(value: Any, what: str, where: str) -> str:
    """``value`` as a stripped, non-empty string; ``where`` is ``file:line`` (or a hub row).

    >>> check_text("  Q? ", "question", "f.tsv:3")
    'Q?'

    Raises:
        XlingError: ``value`` is missing or blank (``"<where>: empty <what>"``).
    """
    text = "" if value is None else str(value).strip()
    if not text:
        raise XlingError(f"{where}: empty {what}")
    return text


def check_number_answer(value: Any, where: str) -> str:
    """A numeric gold answer, thousands commas removed (``"1,000"`` -> ``"1000"``).

    For benchmarks whose golds are numbers by definition (MGSM, GSM8K): anything else is a
    malformed row, not a question every model gets wrong.

    >>> check_number_answer(" 114,200", "mgsm_en.tsv:202")
    '114200'

    Raises:
        XlingError: empty or not a number (``-?digits[.digits]``), naming ``where``.
    """
    gold = check_text(value, "gold answer", where).replace(",", "")
    if not _NUMBER.fullmatch(gold):
        raise XlingError(f"{where}: gold answer {str(value).strip()!r} is not a number")
    return gold


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

    from xling.data.sources import note_read

    note_read(path)  # pyarrow opens files outside Python's audit events (data.record_reads)
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
