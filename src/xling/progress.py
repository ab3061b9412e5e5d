"""The one progress helper: a tqdm bar over any loop over samples or batches.

Stage: all. Quiet when stderr is not a TTY (CI, log files, pytest), so library code can wrap
every long loop without printing into captured output.

>>> list(progress([1, 2], desc="demo"))
[1, 2]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress(
    iterable: Iterable[T], desc: str = "", total: int | None = None, *, enabled: bool = True
) -> Iterator[T]:
    """Wrap ``iterable`` in a tqdm bar on a TTY; a plain iterator otherwise.

    Args:
        iterable: what to loop over.
        desc: bar label, e.g. ``"generate"``.
        total: number of items if ``iterable`` has no ``len``.
        enabled: False turns the bar off even on a TTY.
    """
    from tqdm.auto import tqdm

    return iter(tqdm(iterable, desc=desc, total=total, disable=None if enabled else True,
                     dynamic_ncols=True, leave=False))
