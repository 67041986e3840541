#!/usr/bin/env bash
# Runs the training workspace's pytest suite, setting up its virtualenv on first run: the fast tier (plain `pytest`,
# which skips tests marked slow), then the slow tier (`-m slow`: the smoke pipeline, torchrun/DDP, whole-stage runs).
# Arguments go to both runs (e.g. -x); TINYSR_TEST_TIER=fast or slow runs one tier only.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/scripts/setup-venv.sh"
cd "$here"
tier="${TINYSR_TEST_TIER:-all}"
if [[ "$tier" == all || "$tier" == fast ]]; then
  "$here/.venv/bin/python" -m pytest "$@"
fi
if [[ "$tier" == all || "$tier" == slow ]]; then
  status=0
  "$here/.venv/bin/python" -m pytest -m slow "$@" || status=$?
  [[ $status == 0 || $status == 5 ]] || exit $status   # 5: the selection holds no slow test
fi
