"""Training checkpoints: one file holding the weights, optimizer state, step, the resolved config and its hash.

Written atomically (temporary file + rename) so an interrupted save never leaves a truncated checkpoint, and read back
with `torch.load(weights_only=True)`, so only tensors and plain containers are accepted (no arbitrary pickles).
May import: torch, tinysr_train.{atomic, config, errors}.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from tinysr_train.atomic import atomic_write
from tinysr_train.config import config_diff, config_hash
from tinysr_train.errors import TinySRError

CHECKPOINT_FORMAT = "tinysr-train-checkpoint"
CHECKPOINT_FORMAT_VERSION = 1


class CheckpointError(TinySRError):
    """A checkpoint that cannot be written, read or used. `code` is stable; the message names the file."""


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    model_state: dict[str, torch.Tensor]
    optimizer_state: dict[str, Any] | None
    step: int
    config: dict[str, Any]
    config_hash: str
    extra: dict[str, Any] = field(default_factory=dict)


def save_checkpoint(
    path: str | Path,
    *,
    model_state: Mapping[str, torch.Tensor],
    optimizer_state: Mapping[str, Any] | None = None,
    step: int,
    config: Mapping[str, Any],
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Writes the checkpoint atomically; `extra` must hold only tensors and plain Python values."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": CHECKPOINT_FORMAT,
        "format_version": CHECKPOINT_FORMAT_VERSION,
        "step": int(step),
        "config": dict(config),
        "config_hash": config_hash(config),
        "model": dict(model_state),
        "optimizer": dict(optimizer_state) if optimizer_state is not None else None,
        "extra": dict(extra or {}),
    }
    return atomic_write(target, lambda tmp: torch.save(payload, tmp))


def load_checkpoint(
    path: str | Path,
    *,
    expected_config: Mapping[str, Any] | None = None,
    map_location: str | torch.device = "cpu",
) -> Checkpoint:
    """Reads a checkpoint written by `save_checkpoint`.

    With `expected_config`, raises CheckpointError('CHECKPOINT_CONFIG_MISMATCH') naming the differing keys unless the
    stored config hashes the same (use it when resuming: a resumed run must continue the same recipe).
    """
    source = Path(path)
    if not source.is_file():
        raise CheckpointError("CHECKPOINT_NOT_FOUND", f"checkpoint {source} does not exist")
    try:
        payload = torch.load(source, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises pickle, zip and runtime errors for foreign or damaged files
        raise CheckpointError(
            "CHECKPOINT_FORMAT",
            f"{source} is not a readable tinysr-train checkpoint ({' '.join(str(err).split())[:300]}); "
            "checkpoints are written by tinysr_train.checkpoint.save_checkpoint",
        ) from err
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(
            "CHECKPOINT_FORMAT",
            f"{source} is a torch file but not a tinysr-train checkpoint (no format={CHECKPOINT_FORMAT!r}); "
            "to use foreign weights, go through an importer (tinysr_train.importers)",
        )
    if payload.get("format_version") != CHECKPOINT_FORMAT_VERSION:
        raise CheckpointError(
            "CHECKPOINT_VERSION",
            f"{source} has checkpoint format version {payload.get('format_version')!r}; "
            f"this tinysr-train reads version {CHECKPOINT_FORMAT_VERSION}",
        )
    stored_config = payload["config"]
    stored_hash = payload["config_hash"]
    if config_hash(stored_config) != stored_hash:
        raise CheckpointError(
            "CHECKPOINT_CORRUPT", f"{source}: the stored config does not match its stored hash {stored_hash}"
        )
    if expected_config is not None and config_hash(expected_config) != stored_hash:
        differing = config_diff(expected_config, stored_config)
        raise CheckpointError(
            "CHECKPOINT_CONFIG_MISMATCH",
            f"{source} was written with another config; differing keys: {', '.join(differing)}. "
            "Resume with the checkpoint's own config (its resolved config is stored inside) or start a new run.",
        )
    return Checkpoint(
        path=source,
        model_state=payload["model"],
        optimizer_state=payload["optimizer"],
        step=payload["step"],
        config=stored_config,
        config_hash=stored_hash,
        extra=payload["extra"],
    )
