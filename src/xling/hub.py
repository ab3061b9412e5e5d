"""The Hugging Face hub, asked quickly and answered in one line.

Stage: below data and checkpoint (imports only ``schema``). Without a network, ``datasets`` and
``transformers`` retry for 25-35 s and end in a traceback of more than a hundred lines; with
``HF_HUB_OFFLINE=1`` and nothing cached, in a traceback at once. Here one request with a short
timeout (``TIMEOUT_S``) says whether the hub answers, and every failure is one ``XlingError``
naming the dataset or model and what to do (``--source`` with a local copy, a cached copy with
``HF_HUB_OFFLINE=1``, logging in). Benchmarks load hub data through ``load_dataset`` /
``download_file``; ``xling study run`` checks each hub model its cells start from once, before
any cell (``check_model``).
Try:  python -c "from xling import hub; hub.check_model('Qwen/Qwen2.5-0.5B')"
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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


def check_dataset(hub_id: str) -> None:
    """One quick request for dataset ``hub_id`` (nothing when offline: the cache decides).

    Raises:
        XlingError: the hub cannot be reached, or has no such dataset; naming it and --source.
    """
    if offline():
        return
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    try:
        HfApi().dataset_info(hub_id, timeout=TIMEOUT_S)
    except GatedRepoError:
        return  # the load says what it needs (accepted terms, a login)
    except RepositoryNotFoundError:
        raise XlingError(f"no dataset {hub_id!r} on the Hugging Face hub (or it is private: log in "
                         "with `hf auth login`); pass --source FOLDER with a local copy") from None
    except Exception as exc:
        if not _unreachable(exc):
            raise
        raise XlingError(f"cannot reach the Hugging Face hub for the dataset {hub_id!r} "
                         f"({_reason(exc)}); pass --source FOLDER with a local copy, or set "
                         "HF_HUB_OFFLINE=1 to use a cached one") from None


def _load_failed(hub_id: str, exc: BaseException) -> XlingError:
    if offline():
        return XlingError(f"the dataset {hub_id!r} is not in the local cache and HF_HUB_OFFLINE is "
                          f"set ({_reason(exc)}); pass --source FOLDER with a local copy")
    return XlingError(f"cannot load the dataset {hub_id!r} from the Hugging Face hub "
                      f"({_reason(exc)}); pass --source FOLDER with a local copy")


def load_dataset(hub_id: str, *args: Any, **kwargs: Any) -> Any:
    """``datasets.load_dataset(hub_id, ...)`` after ``check_dataset``, failing in one line.

    Raises:
        XlingError: unreachable hub, unknown or gated dataset, a file or config it lacks, or
            offline without a cached copy; naming ``hub_id`` and --source.
    """
    check_dataset(hub_id)
    import datasets

    try:
        return datasets.load_dataset(hub_id, *args, **kwargs)
    except (OSError, ValueError) as exc:  # ConnectionError, DatasetNotFoundError, no such file
        raise _load_failed(hub_id, exc) from None
    except Exception as exc:
        if not _unreachable(exc):
            raise
        raise _load_failed(hub_id, exc) from None


def download_file(hub_id: str, filename: str) -> Path:
    """``hf_hub_download`` of one file of dataset ``hub_id``, failing in one line (as
    ``load_dataset``)."""
    check_dataset(hub_id)
    from huggingface_hub import hf_hub_download

    try:
        return Path(hf_hub_download(hub_id, filename, repo_type="dataset"))
    except Exception as exc:
        if not (isinstance(exc, OSError | ValueError) or _unreachable(exc)):
            raise
        raise _load_failed(hub_id, exc) from None


def check_model(name: str) -> None:
    """Whether the hub model ``name`` will load: cached locally, or found by one quick request.

    A model id that does not exist otherwise costs 30 s of retries each time it is loaded (a
    study loads it once per cell), so callers check each id once, before any work.

    Raises:
        XlingError: not on the hub (or private), gated, unreachable, or offline and not cached.
    """
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
