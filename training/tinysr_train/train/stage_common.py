"""What every training stage shares besides the runner: the caches' protocols and loader, the real-teacher switch,
the section checks and the optimizer.

Owns: `PixelCache`, `LatentCache`, `load_cache`, `pretrained_teacher`, `check_loss_weights`, `check_positive_int`,
`build_optimizer`. The learning-rate schedule, mixed precision, gradient clipping and EMA are the runner's
(`StageRunner.add(..., warmup_steps=, ema=)`), so a stage only builds its optimizer here and registers it.
May import: torch, tinysr_train.train.runner; the pair cache lazily.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import torch
from torch import nn

from tinysr_train.train.runner import StageError

if TYPE_CHECKING:
    from tinysr_train.data.cache import PairCache


class PixelCache(Protocol):
    """What the teacher stages need from `tinysr_train.data.cache.PairCache` (pixels in [0, 1], N x 3 x H x W)."""

    def pixels(self, indices: Sequence[int] | torch.Tensor) -> dict[str, torch.Tensor]: ...

    def sample_indices(self, generator: torch.Generator, batch: int) -> torch.Tensor: ...


class LatentCache(Protocol):
    """What the VAE-compression stage needs from `tinysr_train.data.cache.PairCache`."""

    def __len__(self) -> int: ...

    def pixels(self, indices: torch.Tensor) -> dict[str, torch.Tensor]: ...

    def latents(self, indices: torch.Tensor) -> dict[str, torch.Tensor]: ...


def load_cache(cfg: Mapping[str, Any]) -> PairCache:
    """The recipe's pixel/latent cache (`paths.cache`)."""
    from tinysr_train.data.cache import PairCache

    return PairCache.load(Path(cfg["paths"]["cache"]))


def pretrained_teacher(cfg: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """`teacher.pretrained` (the real SD3 + TSD-SR weights: transformer, vae, conditioning, lora), or None when the
    recipe trains its own small teacher. Both teacher stages skip their training when it is set."""
    return (cfg.get("teacher") or {}).get("pretrained")


def build_optimizer(params: Sequence[nn.Parameter], section: Mapping[str, Any]) -> torch.optim.AdamW:
    """AdamW at the section's `lr` and `weight_decay` (the runner schedules the lr when given `warmup_steps`)."""
    return torch.optim.AdamW(params, lr=float(section["lr"]), weight_decay=float(section["weight_decay"]))


def check_loss_weights(
    section: Mapping[str, Any], name: str, *, required: Sequence[str], optional: Sequence[str] = ()
) -> None:
    weights = section["loss_weights"]
    known = (*required, *optional)
    unknown = [key for key in weights if key not in known]
    missing = [key for key in required if key not in weights]
    if unknown or missing:
        raise StageError(
            "STAGE_CONFIG",
            f"{name}.loss_weights has unknown terms {unknown} and lacks {missing}; this stage needs "
            f"{', '.join(required)}" + (f" and may weight {', '.join(optional)}" if optional else ""),
        )


def check_positive_int(section: Mapping[str, Any], name: str, key: str) -> None:
    value = section[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise StageError("STAGE_CONFIG", f"{name}.{key} must be a positive integer, found {value!r}")
