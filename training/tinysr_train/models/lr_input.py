"""How an LR batch becomes a VAE input, defined once for the teacher, the student pipeline and every training stage:
bicubic upscaling (x4 by default) mapped from [0, 1] to [-1, 1], not clamped (the encoders see the bicubic overshoot,
in training and in the exported graph alike). May import: torch."""

from __future__ import annotations

import torch
import torch.nn.functional as F

SCALE = 4  # TinySR and TSD-SR are x4 models


def bicubic_up(lr: torch.Tensor, size: tuple[int, int] | None = None) -> torch.Tensor:
    """Bicubic resize of an N x C x h x w batch to `size` (default: x4), values as they come (no clamp)."""
    height, width = lr.shape[-2:]
    return F.interpolate(lr, size=size or (SCALE * height, SCALE * width), mode="bicubic", align_corners=False)


def vae_input(lr: torch.Tensor, size: tuple[int, int] | None = None) -> torch.Tensor:
    """The encoder input for a [0, 1] LR batch: `bicubic_up` mapped to [-1, 1]."""
    return bicubic_up(lr, size) * 2.0 - 1.0
