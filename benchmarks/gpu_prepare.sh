#!/usr/bin/env bash
# Stage what a lent GPU machine needs for benchmarks/gpu_run.sh and its image lacks (run HERE, in
# the repository root, before the device call):
#   .whl/       wheels of xling's dependencies missing from the device image (trl, datasets and
#               theirs, math-verify and its parser, py3langid), at the versions of this venv,
#               for the device's Python 3.12 (about 7 MB)
#   .gpu_data/  the MGSM files (about 1.2 MB), read there through $XLING_SHARED_DATA
# Both are added to the repository's info/exclude, so they travel only when `carry` names them:
#   run(command="bash benchmarks/gpu_run.sh e2e", carry=[".whl", ".gpu_data"], timeout_s=600)
# Usage: bash benchmarks/gpu_prepare.sh [python]   (default: python3; the venv's for versions)
set -euo pipefail
PY=${1:-python3}
cd "$(git rev-parse --show-toplevel)"
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
for d in /.whl/ /.gpu_data/; do grep -qxF "$d" "$exclude" 2>/dev/null || echo "$d" >> "$exclude"; done
version() { "$PY" -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p'; }
rm -rf .whl && mkdir -p .whl
platforms="--platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any"
for name in trl datasets dill multiprocess math-verify latex2sympy2_extended py3langid; do
  v=$(version "$name"); [ -n "$v" ] || { echo "$name is not installed in $PY" >&2; exit 1; }
  # shellcheck disable=SC2086
  "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    $platforms -d .whl "$name==$v"
done
# antlr4-python3-runtime 4.9.3 (math-verify's pin) is published as a source archive only: build
# its pure-Python wheel here.
"$PY" -m pip wheel -q --no-deps -w .whl "antlr4-python3-runtime==$(version antlr4-python3-runtime)"
shared=$("$PY" -c "from xling.data import find_shared_data; print(find_shared_data())")
rm -rf .gpu_data && mkdir -p .gpu_data && cp -r "$shared/mgsm" .gpu_data/
du -sh .whl .gpu_data
