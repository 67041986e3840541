"""Reader for pyiqa-style evaluation logs (the `metrics.log` beside published SR outputs, e.g. OSEDiff's), so our
metrics can be validated image by image against the values their authors logged.

Owns: parsing lines `... - INFO: <dir>/<image> | PSNR: 25.79; SSIM: 0.85; NIQE: 5.67 | Runtime: ...` into
{image name: {metric: value}}. May import: the standard library, `.errors`.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import EvalError

_LINE = re.compile(r"INFO: (?:\S+/)?(?P<image>[^/|\s]+) \| (?P<metrics>[^|]+)\|")
_METRIC = re.compile(r"(?P<name>[A-Za-z][\w+-]*): (?P<value>-?[\d.]+(?:[eE][-+]?\d+)?|nan|inf)")


def read_metric_log(path: Path) -> dict[str, dict[str, float]]:
    """Per-image metrics of a pyiqa log, keyed by image file name and lower-case metric name ('psnr', 'ssim', ...)."""
    if not path.is_file():
        raise EvalError("EVAL_LOG", f"{path}: metrics log not found")
    table: dict[str, dict[str, float]] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _LINE.search(line)
        if match is None:
            continue
        values = {m["name"].lower(): float(m["value"]) for m in _METRIC.finditer(match["metrics"])}
        if values:
            table[match["image"]] = values
    if not table:
        raise EvalError("EVAL_LOG", f"{path}: no per-image lines of the form '<dir>/<image> | PSNR: ...; SSIM: ... |'")
    return table
