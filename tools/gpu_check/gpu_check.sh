#!/usr/bin/env bash
# The GPU check of docs/benchmarks.md in one call (about 5-8 min on one
# H100-class GPU): the gpu-marked tests, 50 training iterations of
# Gated-SCNN and DeepLabV3+ (R-50-D8, 512x1024, batch 2) in fp32, fp16 AMP
# and bf16 AMP with the sync-debug step, and 2-process NCCL DDP when two
# GPUs are visible. Results: work_dirs/gpu_check/*.json and the log.
#   bash tools/gpu_check/gpu_check.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-work_dirs/gpu_check}
PY=${PYTHON:-python}
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
GPUS=$("$PY" -c 'import torch; print(torch.cuda.device_count())')
if [ "$GPUS" -lt 1 ]; then
    echo "gpu_check: no CUDA device visible" >&2
    exit 1
fi
"$PY" -c 'import torch; print(torch.cuda.get_device_name(), torch.__version__)'
echo "== gpu-marked tests"
timeout 240 "$PY" -m pytest -m gpu -q -p no:cacheprovider tests \
    2>&1 | tee "$OUT/gpu_tests.log" | tail -5
echo "== training: fp32, fp16 AMP, bf16 AMP; sync-debug step"
timeout 300 "$PY" tools/gpu_check/gpu_check.py --out "$OUT/train.json" \
    2>&1 | grep -v -i warn | tee "$OUT/train.log"
if [ "$GPUS" -ge 2 ]; then
    echo "== 2-process NCCL DDP"
    timeout 120 "$PY" -m torch.distributed.run --nproc_per_node 2 \
        tools/gpu_check/gpu_check.py --iters 10 --warmup 1 \
        --out "$OUT/ddp.json" 2>&1 | grep -v -i warn | tee "$OUT/ddp.log"
else
    echo "== DDP skipped: $GPUS GPU visible"
fi
