"""Errors of the data pipeline: one exception type carrying a stable code.

Owns: `DataError` and its codes. May import: nothing from the project.
Messages name the path or argument at fault, what was expected, what was found and what to do.
"""

from __future__ import annotations

from typing import Literal

DataErrorCode = Literal[
    "DATA_EVALUATION_SET",  # the source folder is (or sits inside) an evaluation set: training on it would leak
    "DATA_BAD_ARGUMENT",  # a size, count or image shape the pipeline cannot use
    "DATA_NO_IMAGES",  # the source folder holds no readable photo large enough to crop
]


class DataError(Exception):
    """A data-pipeline failure. `code` is stable; the message says what to do."""

    def __init__(self, code: DataErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: DataErrorCode = code
