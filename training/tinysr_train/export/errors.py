"""Errors raised by the export package: data with a stable `code`, messages that name the model and what to do.

May import: the standard library and tinysr_train.errors.
"""

from __future__ import annotations

from tinysr_train.errors import TinySRError


class ExportError(TinySRError):
    """An export that cannot go ahead or did not produce a valid model folder."""


class ParityError(ExportError):
    """onnxruntime disagrees with PyTorch beyond the tolerance; no manifest is written."""

    def __init__(self, message: str, *, max_abs_error: float, tolerance: float) -> None:
        super().__init__("EXPORT_PARITY", message)
        self.max_abs_error = max_abs_error
        self.tolerance = tolerance
