"""Atomic file writes for the data pipeline: a temporary file in the target's folder, then a rename.

Owns: `atomic_write`. May import: the standard library only.
Why: pairs and caches are resumable: a file that exists must be complete, so an interrupted run (Ctrl-C, a killed job)
leaves either the whole file or none, never a truncated PNG or cache that a rerun would take as done.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(target: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp_path)` to write the content, then rename it onto `target` (same folder, so the rename is atomic).
    The temporary file is removed if `write` fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
