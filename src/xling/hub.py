"""The Hugging Face hub, asked quickly and answered in one line.

Stage: below data and checkpoint (imports only ``schema`` and ``provenance``). Without a network, ``datasets`` and
``transformers`` retry for 25-35 s and end in a traceback of more than a hundred lines; with
``HF_HUB_OFFLINE=1`` and nothing cached, in a traceback at once. Here one request with a short
timeout (``TIMEOUT_S``) says whether the hub answers, and every failure is one ``XlingError``
naming the dataset or model and what to do (``--source`` with a local copy, a cached copy with
``HF_HUB_OFFLINE=1``, logging in). Benchmarks load hub data through ``load_dataset`` /
``download_file``; ``xling study run`` checks each hub model its cells start from once, before
any cell (``check_model``). Every dataset read here is pinned to the commit the hub names and
recorded with it (``provenance.note_hub``: ``id@commit``), so results say which version of the
data they came from; ``model_revision`` gives a hub model's commit for the same record
(``checkpoint`` notes the models it loads).
Try:  python -c "from xling import hub; hub.check_model('Qwen/Qwen2.5-0.5B')"
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from xling.provenance import note_hub
from xling.schema import XlingError

TIMEOUT_S = 10.0
"""Seconds the reachability request waits (the hub answers in well under one)."""
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")


def offline() -> bool:
    """Whether the hub is switched off (``HF_HUB_OFFLINE`` / ``HF_DATASETS_OFFLINE`` set true)."""
    return any(os.environ.get(v, "").strip().upper() in ("1", "ON", "YES", "TRUE")
               for v in OFFLINE_VARIABLES)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _unreachable(exc: BaseException) -> bool:
    """A network failure (no DNS, refused, timed out), not an answer of the hub."""
    from huggingface_hub.errors import HfHubHTTPError

    if isinstance(exc, HfHubHTTPError):
        return False
    root = type(exc).__module__.split(".")[0]
    return isinstance(exc, OSError | TimeoutError) or root in ("httpx", "httpx2", "requests",
                                                                 "urllib3")


def cached_revision(repo_id: str, repo_type: str = "model", revision: str = "main") -> str | None:
    """The commit the local hub cache holds for ``revision`` of ``repo_id`` (its ``refs`` file),
    or None when nothing is cached."""
    from huggingface_hub import constants
    from huggingface_hub.file_download import repo_folder_name

    ref = (Path(constants.HF_HUB_CACHE) / repo_folder_name(repo_id=repo_id, repo_type=repo_type)
           / "refs" / revision)
    try:
        return ref.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _snapshot_revision(path: str | Path) -> str | None:
    """The commit of a file in the hub cache (``.../snapshots/<commit>/<file>``), or None."""
    parts = Path(path).parts
    return parts[parts.index("snapshots") + 1] if "snapshots" in parts[:-1] else None


def check_dataset(hub_id: str) -> str | None:
    """One quick request for dataset ``hub_id`` (nothing when offline: the cache decides), once
    per process: a benchmark loads one file per language (PolyMath: per language and level), and
    every one of them is read at the same commit.

    Returns:
        The commit the hub names for it (None when offline, gated or not given).

    Raises:
        XlingError: the hub cannot be reached, or has no such dataset; naming it and --source.
    """
    if offline():
        return None
    return _dataset_commit(hub_id)


@functools.cache  # answers only: a failure raises, and is asked again next time
def _dataset_commit(hub_id: str) -> str | None:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    try:
        info = HfApi().dataset_info(hub_id, timeout=TIMEOUT_S)
    except GatedRepoError:
        return None  # the load says what it needs (accepted terms, a login)
    except RepositoryNotFoundError:
        raise XlingError(f"no dataset {hub_id!r} on the Hugging Face hub (or it is private: log in "
                         "with `hf auth login`); pass --source FOLDER with a local copy") from None
    except Exception as exc:
        if not _unreachable(exc):
            raise
        raise XlingError(f"cannot reach the Hugging Face hub for the dataset {hub_id!r} "
                         f"({_reason(exc)}); pass --source FOLDER with a local copy, or set "
                         "HF_HUB_OFFLINE=1 to use a cached one") from None
    sha = getattr(info, "sha", None)
    return sha if isinstance(sha, str) and sha else None


def _load_failed(hub_id: str, exc: BaseException) -> XlingError:
    if offline():
        return XlingError(f"the dataset {hub_id!r} is not in the local cache and HF_HUB_OFFLINE is "
                          f"set ({_reason(exc)}); pass --source FOLDER with a local copy")
    return XlingError(f"cannot load the dataset {hub_id!r} from the Hugging Face hub "
                      f"({_reason(exc)}); pass --source FOLDER with a local copy")


def load_dataset(hub_id: str, *args: Any, **kwargs: Any) -> Any:
    """``datasets.load_dataset(hub_id, ...)`` after ``check_dataset``, failing in one line; the
    load is pinned to the commit the hub names (unless ``revision`` is given) and recorded with
    it (``provenance.note_hub``; offline: the commit the cache holds, if known).

    Raises:
        XlingError: unreachable hub, unknown or gated dataset, a file or config it lacks, or
            offline without a cached copy; naming ``hub_id`` and --source.
    """
    sha = check_dataset(hub_id)
    if sha is not None and kwargs.get("revision") is None:
        kwargs["revision"] = sha
    import datasets

    try:
        data = datasets.load_dataset(hub_id, *args, **kwargs)
    except (OSError, ValueError) as exc:  # ConnectionError, DatasetNotFoundError, no such file
        raise _load_failed(hub_id, exc) from None
    except Exception as exc:
        if not _unreachable(exc):
            raise
        raise _load_failed(hub_id, exc) from None
    note_hub(hub_id, kwargs.get("revision") or cached_revision(hub_id, "dataset"))
    return data


def download_file(hub_id: str, filename: str) -> Path:
    """``hf_hub_download`` of one file of dataset ``hub_id``, failing in one line, pinned and
    recorded with its commit (as ``load_dataset``)."""
    sha = check_dataset(hub_id)
    from huggingface_hub import hf_hub_download

    try:
        path = Path(hf_hub_download(hub_id, filename, repo_type="dataset", revision=sha))
    except Exception as exc:
        if not (isinstance(exc, OSError | ValueError) or _unreachable(exc)):
            raise
        raise _load_failed(hub_id, exc) from None
    note_hub(hub_id, sha or _snapshot_revision(path))
    return path


def check_model(name: str) -> None:
    """Whether the hub model ``name`` will load: cached locally, or found by one quick request.

    A model id that does not exist otherwise costs 30 s of retries each time it is loaded (a
    study loads it once per cell), so callers check each id once, before any work.

    Raises:
        XlingError: not on the hub (or private), gated, unreachable, or offline and not cached.
    """
    if name in _MODELS_FOUND:  # a study's runner and each evaluation ask for the same model
        return
    _find_model(name)
    _MODELS_FOUND.add(name)


_MODELS_FOUND: set[str] = set()
"""Hub models ``check_model`` found in this process."""


def _find_model(name: str) -> None:
    from huggingface_hub import HfApi, try_to_load_from_cache
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    try:
        if isinstance(try_to_load_from_cache(name, "config.json"), str):
            return
    except Exception:  # noqa: BLE001 - a malformed id is not cached; the request below says why
        pass
    if offline():
        raise XlingError(f"model {name!r} is not in the local hub cache and HF_HUB_OFFLINE is set; "
                         "give a local path, or download it where the hub is reachable")
    try:
        HfApi().model_info(name, timeout=TIMEOUT_S)
    except GatedRepoError:
        raise XlingError(f"model {name!r} is gated on the hub: accept its terms there and log in "
                         "(`hf auth login`)") from None
    except RepositoryNotFoundError:
        raise XlingError(f"no model {name!r} on the Hugging Face hub (or it is private: log in "
                         "with `hf auth login`); a local model path must exist") from None
    except Exception as exc:
        if not _unreachable(exc):
            raise XlingError(f"model {name!r}: the hub answered {_reason(exc)}") from None
        raise XlingError(f"cannot reach the Hugging Face hub to find model {name!r} "
                         f"({_reason(exc)}); give a local path, or set HF_HUB_OFFLINE=1 to use a "
                         "cached copy") from None


def model_revision(name: str) -> str | None:
    """The commit of hub model ``name`` as the local hub cache holds it (the snapshot its
    ``config.json`` is in, else the cached ``main``), or None: a local path, or nothing cached."""
    if Path(name).expanduser().exists():
        return None
    from huggingface_hub import try_to_load_from_cache

    try:
        path = try_to_load_from_cache(name, "config.json")
    except Exception:  # noqa: BLE001 - a malformed id is not cached
        return None
    return (_snapshot_revision(path) if isinstance(path, str) else None) or cached_revision(name)
