"""Errors raised by the model family. Owns the exception types only; imports only tinysr_train.errors."""

from __future__ import annotations

from pathlib import Path

from tinysr_train.errors import TinySRError


class MissingWeightsError(TinySRError, FileNotFoundError):
    """Weight or conditioning files a loader needs are absent. Never answered by falling back to random weights.

    `missing` lists every absent path, so one message tells the user everything they must fetch.
    """

    code = "MISSING_WEIGHTS"

    def __init__(self, what: str, missing: list[Path], hint: str) -> None:
        self.what = what
        self.missing = [Path(p) for p in missing]
        listed = "\n".join(f"  - {p}" for p in self.missing)
        super().__init__(self.code, f"cannot load {what}: {len(self.missing)} file(s) missing:\n{listed}\n{hint}")


class TileSizeError(TinySRError, ValueError):
    """A cached student (fixed positional embedding and modulation) was given a latent of another size."""

    code = "WRONG_TILE_SIZE"

    def __init__(self, message: str) -> None:
        super().__init__(self.code, message)
