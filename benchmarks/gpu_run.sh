#!/usr/bin/env bash
# The GPU checks of issue 22, run ON the lent machine from the repository root, after
# benchmarks/gpu_prepare.sh here. One part per device call (each fits one 10-minute command):
#   e2e    benchmarks/generate_speed.py --gpu --part e2e   -> results/generate_speed_gpu_e2e.json
#          (~8 min by the issue's H200 figures; the ten-language second-process runs are cut)
#   grpo   benchmarks/grpo_overhead.py --gpu               -> results/grpo_overhead_gpu.json (~4 min)
#   paths  benchmarks/generate_speed.py --gpu --part paths -> results/generate_speed_gpu.json (~7 min)
#   tiny   all three at --tiny size (a smoke test of this script, ~3 min on the GPU machine)
# The result file and the log are copied to $OUT (fetched back by the device tool); commit the
# JSON from there into benchmarks/results/.
#   run(command="bash benchmarks/gpu_run.sh e2e", carry=[".whl", ".gpu_data"], timeout_s=600)
set -uo pipefail
part=${1:?usage: gpu_run.sh e2e|grpo|paths|tiny}
out=${OUT:-/tmp/out}; mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD/src XLING_SHARED_DATA=$PWD/.gpu_data PYTHONUNBUFFERED=1
python3 - <<'PY' || exit 1
import importlib, torch
for name in ("transformers", "trl", "datasets", "math_verify", "py3langid", "xling.cli"):
    importlib.import_module(name)
import transformers, trl
print("torch", torch.__version__, "cuda", torch.cuda.is_available(),
      torch.cuda.get_device_name() if torch.cuda.is_available() else "-",
      "transformers", transformers.__version__, "trl", trl.__version__)
PY
nvidia-smi --query-gpu=name,memory.used,memory.total,clocks.sm --format=csv || true
run() { echo "+ $*"; "$@" 2>&1 | tee -a "$out/gpu_run_$part.log"; }
r=benchmarks/results
case $part in
  e2e)   run python3 benchmarks/generate_speed.py --gpu --part e2e --budget-s 420
         files="$r/generate_speed_gpu_e2e.json" ;;
  grpo)  run python3 benchmarks/grpo_overhead.py --gpu --budget-s 240
         files="$r/grpo_overhead_gpu.json" ;;
  paths) run python3 benchmarks/generate_speed.py --gpu --part paths --budget-s 400
         files="$r/generate_speed_gpu.json" ;;
  tiny)  run python3 benchmarks/generate_speed.py --gpu --tiny
         run python3 benchmarks/grpo_overhead.py --gpu --tiny
         files="$r/generate_speed_gpu_tiny.json $r/generate_speed_gpu_e2e_tiny.json $r/grpo_overhead_gpu_tiny.json" ;;
  *) echo "unknown part $part" >&2; exit 2 ;;
esac
cp $files "$out"/ && ls -la "$out"
