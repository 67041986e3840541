"""Errors of the data pipeline: one exception type carrying a stable code.

Owns: `DataError` and its codes. May import: tinysr_train.errors only.
Messages name the path or argument at fault, what was expected, what was found and what to do.
"""

from __future__ import annotations

from typing import Literal

from tinysr_train.errors import TinySRError

DataErrorCode = Literal[
    "DATA_EVALUATION_SET",  # the source folder is (or sits inside) an evaluation set: training on it would leak
    "DATA_BAD_ARGUMENT",  # a size, count or image shape the pipeline cannot use
    "DATA_NO_IMAGES",  # the source folder holds no readable photo large enough to crop
    "DATA_CONFIG",  # a recipe key the data commands read is missing or has the wrong type
    "DATA_PAIRS_MISMATCH",  # the pairs folder was written with other settings: resuming into it would mix them
    "DATA_NO_PAIRS",  # the pairs folder is empty or an HQ image has no LQ partner
    "DATA_CACHE_MISSING",  # a cache file a step needs has not been built yet
    "DATA_CACHE_STALE",  # a cache file exists but was built from other pairs, reference or teacher
]


class DataError(TinySRError):
    """A data-pipeline failure. `code` is stable; the message says what to do."""

    def __init__(self, code: DataErrorCode, message: str) -> None:
        super().__init__(code, message)
        self.code: DataErrorCode = code
