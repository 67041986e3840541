"""Errors of the pruning stages: one exception type carrying a stable code. May import: tinysr_train.errors only."""

from __future__ import annotations

from typing import Literal

from tinysr_train.errors import TinySRError

PruneErrorCode = Literal[
    "PRUNE_CONFIG",  # a prune.* / recoverability.* value the stage cannot run with
    "PRUNE_DATA",  # the latent cache is too small for the configured hold-out
]


class PruneError(TinySRError):
    """A pruning-stage failure. `code` is stable; the message names the key or file and what to do."""

    def __init__(self, code: PruneErrorCode, message: str) -> None:
        super().__init__(code, message)
        self.code: PruneErrorCode = code
