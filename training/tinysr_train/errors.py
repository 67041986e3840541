"""The one error base class of tinysr-train: every failure the package reports on purpose carries a stable `code`.

Owns: `TinySRError`. May import: the standard library only.
Each package keeps its own subclass (ConfigError, CheckpointError, StageError, DataError, EvalError, ExportError,
ImportWeightsError, LossError, PruneError, ReferenceModelError) with its own codes and messages, so callers can catch
one package's errors or all of them (`except TinySRError`); the CLI prints any of them as `error [CODE]: message`.
"""

from __future__ import annotations


class TinySRError(Exception):
    """A failure with a stable `code` (the CLI prints `error [CODE]: message`); `str()` is the human message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
