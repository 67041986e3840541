"""The generic x4 fixture model: bicubic x4 plus a small seeded conv residual through a pixel shuffle, clamped.

Free-size (fully convolutional, no down-sampling) with a bounded receptive field, so the app's tiling tests can check
that tiled output equals whole-image output away from the borders. Its weights are random (seeded), not trained.
May import: torch.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

SCALE = 4
# Bicubic x4 (align_corners=False) reads LR pixels floor(c) - 1 .. floor(c) + 2 around c = (x + 0.5) / 4 - 0.5,
# which lies at most 2 LR px from the output pixel's own LR pixel.
BICUBIC_REACH = 2
# The last conv's weights are scaled down so the output stays close to bicubic (a plausible image for visual checks).
RESIDUAL_GAIN = 0.1


class GenericTinyX4(nn.Module):
    """x -> clamp(bicubic_x4(x) + pixel_shuffle(convs(x)), 0, 1); `convs` 3 x 3 convs with ReLU between them."""

    def __init__(self, *, features: int = 16, convs: int = 3, seed: int = 0) -> None:
        super().__init__()
        if convs < 1:
            raise ValueError(f"convs must be >= 1, found {convs}")
        generator_state = torch.random.get_rng_state()
        torch.manual_seed(seed)
        try:
            widths = [3] + [features] * (convs - 1) + [3 * SCALE * SCALE]
            layers: list[nn.Module] = []
            for index, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:])):
                if index:
                    layers.append(nn.ReLU())
                layers.append(nn.Conv2d(c_in, c_out, kernel_size=3, padding=1))
            self.body = nn.Sequential(*layers)
            last = layers[-1]
            assert isinstance(last, nn.Conv2d)
            with torch.no_grad():
                last.weight.mul_(RESIDUAL_GAIN)
                last.bias.mul_(RESIDUAL_GAIN)
        finally:
            torch.random.set_rng_state(generator_state)
        self.convs = convs
        self.shuffle = nn.PixelShuffle(SCALE)

    @property
    def receptive_field(self) -> int:
        """LR px each side that influence one output pixel: each 3 x 3 conv reaches 1 px further."""
        return max(BICUBIC_REACH, self.convs)

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        upsampled = F.interpolate(lr, scale_factor=SCALE, mode="bicubic", align_corners=False)
        return (upsampled + self.shuffle(self.body(lr))).clamp(0.0, 1.0)
