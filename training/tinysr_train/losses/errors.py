"""Errors of the training losses: one exception type carrying a stable code.

Owns: `LossError` and its codes. May import: tinysr_train.errors only.
Messages name the loss, the file or argument at fault, what was expected and what to do.
"""

from __future__ import annotations

from typing import Literal

from tinysr_train.errors import TinySRError

LossErrorCode = Literal[
    "LOSS_WEIGHTS_MISSING",  # a loss built on pretrained weights was given none, or files that do not exist
    "LOSS_WEIGHTS_FORMAT",  # a weights file lacks the keys or shapes the loss needs
    "LOSS_UNKNOWN_NAME",  # a perceptual loss or discriminator name this package does not know
    "LOSS_BAD_ARGUMENT",  # an argument the named loss cannot use (weights for a from-scratch discriminator, ...)
]


class LossError(TinySRError):
    """A loss that cannot be built. `code` is stable; the message says what to do."""

    def __init__(self, code: LossErrorCode, message: str) -> None:
        super().__init__(code, message)
        self.code: LossErrorCode = code
