"""Errors of the reference-teacher tooling: one exception type carrying a stable code.

Owns: `ReferenceModelError` and its codes. May import: tinysr_train.errors only.
Messages name the file (and layer) at fault, what was expected, what was found and what to do.
"""

from __future__ import annotations

from typing import Literal

from tinysr_train.errors import TinySRError

ReferenceErrorCode = Literal[
    "NCNN_PARAM_INVALID",  # the .param text does not follow ncnn's format
    "NCNN_LAYER_UNSUPPORTED",  # a layer type (or layer option) whose weight layout or maths we do not implement
    "NCNN_BIN_TRUNCATED",  # the .bin ends before every layer's weights were read
    "NCNN_BIN_TRAILING_BYTES",  # the .bin holds bytes that no layer reads
    "NCNN_BIN_BAD_TAG",  # a weight blob's storage tag is neither fp16 nor raw fp32
    "REFERENCE_ARCH_UNRECOGNISED",  # the graph is neither the compact SRVGG net nor RRDBNet
    "REFERENCE_GRAPH_MISMATCH",  # the PyTorch module disagrees with the ncnn graph it was built from
    "REFERENCE_FETCH_FAILED",  # npm could not fetch or the package content is not what was pinned
    "REFERENCE_FILE_MISSING",  # a model file the command needs is not there
    "REFERENCE_EXPORTER_MISSING",  # the ONNX exporter of tinysr_train.export is not available
]


class ReferenceModelError(TinySRError):
    """A failure with a stable `code` (the CLI prints `error [CODE]: message`); `str()` is the human message."""

    def __init__(self, code: ReferenceErrorCode, message: str) -> None:
        super().__init__(code, message)
        self.code: ReferenceErrorCode = code
