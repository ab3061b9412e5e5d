"""A name given by the user: a local path or a hub id? One rule for datasets and models. And
where xling keeps what it builds once per machine (``cache_root``).

Stage: any (no xling imports). A local-looking name that does not exist must fail at once with
a one-line error; passed to the hub it would retry for a minute and end in a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_SUFFIXES: tuple[str, ...] = (".tsv", ".csv", ".json", ".jsonl", ".parquet", ".yaml", ".yml",
                                  ".txt", ".gz", ".zip", ".arrow")
"""File suffixes that make a name a local file (a hub id may contain dots: ``Qwen/Qwen2.5-7B``)."""


def looks_local(source: str | Path) -> bool:
    """Whether ``source`` names a local path rather than a hub id (``org/name``), for datasets and
    models alike: a mistyped local path must fail at once, not retry the hub for a minute.

    Absolute, ``./``/``../``/``~`` paths, a data-file suffix, anything that exists, and
    ``dir/name`` where ``dir`` is an existing folder are local; a hub id is ``name`` or
    ``org/name``.

    >>> looks_local("Qwen/Qwen2.5-7B-Instruct"), looks_local("./runs/typo"), looks_local("x.tsv")
    (False, True, True)
    """
    if isinstance(source, Path):
        return True
    s = str(source)
    parent = Path(s).expanduser().parent
    return (Path(s).expanduser().exists() or s.startswith(("/", "./", "../", "~", "."))
            or s.count("/") > 1 or Path(s).suffix.lower() in DATA_SUFFIXES or "\\" in s
            or (parent != Path(".") and parent.is_dir()))  # 'data/typo' beside a data/ folder


def cache_root() -> Path:
    """xling's cache directory: ``$XLING_CACHE``, else ``~/.cache/xling``. Holds what is built
    once per machine and reused by every process: sandbox base models (``sandbox/``) and the
    static generation path's compile cache (``compile/``)."""
    return Path(os.environ.get("XLING_CACHE", Path.home() / ".cache" / "xling"))
