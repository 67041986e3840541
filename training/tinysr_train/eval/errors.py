"""Errors of the evaluation command: one exception type carrying a stable code.

Owns: `EvalError` and its codes. May import: tinysr_train.errors only.
Messages name the key, file or value at fault, what was expected and what to do.
"""

from __future__ import annotations

from typing import Literal

from tinysr_train.errors import TinySRError

EvalErrorCode = Literal[
    "EVAL_CONFIG",  # the `eval` section is missing a key or holds a value of the wrong type
    "EVAL_NO_IMAGES",  # an LR / HR / output folder holds no images, or an LR image has no HR partner
    "EVAL_SIZE_MISMATCH",  # an SR image and its ground truth differ in size
    "EVAL_METHOD",  # a method spec that cannot be parsed or run (unknown kind, missing file, bad manifest)
    "EVAL_MODEL_FILES",  # a no-reference model file (BRISQUE yml, NIQE params) is unreadable or fails its checksum
    "EVAL_FETCH",  # fetching a no-reference model file through apt or pip failed
    "EVAL_LOG",  # a metrics log cannot be parsed
    "EVAL_RECORD",  # --record-quality has no exported model (onnx: method) to record into
]


class EvalError(TinySRError):
    """An evaluation failure. `code` is stable; the message says what to do."""

    def __init__(self, code: EvalErrorCode, message: str) -> None:
        super().__init__(code, message)
        self.code: EvalErrorCode = code
