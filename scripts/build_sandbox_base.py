"""Rebuild the shipped sandbox base model from its committed recipe.

The default ``SandboxRecipe`` (src/xling/study/sandbox_base.py) is built here and copied to
``src/xling/assets/sandbox-base/`` so that ``xling demo`` needs no pretraining on a fresh machine.
The same recipe rebuilt anywhere gives the same model on CPU (seeded); ``tests/test_sandbox_base.py``
checks that the shipped files carry the recipe's key and that the recipe's first steps reproduce
the shipped training log.
Run:  python scripts/build_sandbox_base.py   (about 15-30 min on 2 CPU cores)
"""

import logging
import shutil
import sys
import tempfile
import time

from xling.study.sandbox_base import ASSET, SandboxRecipe, build_base


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        built = build_base(SandboxRecipe(), cache_dir=tmp)
        shutil.rmtree(ASSET, ignore_errors=True)
        shutil.copytree(built, ASSET, ignore=shutil.ignore_patterns("_trainer", "*.tmp"))
    print(f"shipped base model -> {ASSET} ({time.perf_counter() - start:.0f}s)", file=sys.stderr)


if __name__ == "__main__":
    main()
