#!/usr/bin/env bash
# Creates or refreshes the training workspace's virtualenv at training/.venv (idempotent: it reinstalls only when
# pyproject.toml changed). torch is installed first, alone and pinned, so no dependency can pull a CUDA build.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
venv="$here/.venv"
stamp="$venv/.installed-from"
want=$(sha256sum "$here/pyproject.toml" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "setting up the training virtualenv in $venv (first run or pyproject.toml changed)"
[ -x "$venv/bin/python" ] || python3.11 -m venv "$venv" 2>/dev/null || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "torch==2.13.0"
"$venv/bin/python" -m pip install --quiet -e "$here[dev]"
echo "$want" > "$stamp"
