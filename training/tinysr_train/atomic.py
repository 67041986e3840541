"""Atomic file writes, the one helper every writer in the package uses: a temporary file in the target's folder, then a
rename.

Owns: `atomic_write`, `atomic_write_text`. May import: the standard library only.
Why: pairs, caches, checkpoints, manifests and reports are resumable or read by later steps: a file that exists must be
complete, so an interrupted run (Ctrl-C, a killed job) leaves either the whole file or none, never a truncated PNG,
cache or checkpoint that a rerun would take as done.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(target: Path, write: Callable[[Path], None], *, suffix: str = ".tmp") -> Path:
    """Call `write(tmp_path)` to write the content, then rename it onto `target` (same folder, so the rename is atomic).
    The temporary file is removed if `write` fails. `suffix` ends the temporary name (e.g. ".png" for writers that
    pick the format from it)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        # mkstemp makes the file owner-only (0600); give it the mode a plain open() would (0666 less the umask), so
        # a manifest or model folder stays readable by whoever runs the app.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_text(target: Path, text: str) -> Path:
    """`atomic_write` of a UTF-8 text."""
    return atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
