#!/usr/bin/env bash
# Runs the training workspace's pytest suite, setting up its virtualenv on first run.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/scripts/setup-venv.sh"
cd "$here"
exec "$here/.venv/bin/python" -m pytest "$@"
