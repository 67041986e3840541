"""`gradient-l1`: the perceptual-loss substitute used when LPIPS' pretrained weights are not available.

Multi-scale L1 between Sobel gradients: at full size and at each of a few 2x average-pooled levels, the mean absolute
difference of the horizontal and vertical Sobel responses, per channel, averaged over levels. It rewards matching
edges and texture at several scales (what a blurry L1/L2 reconstruction misses) and needs no weights. Unlike LPIPS it
is blind to a constant offset and to smooth colour shifts, which the stage's reconstruction term covers.
May import: torch and `.base`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .base import PerceptualLoss

GRADIENT_L1_LEVELS = 3  # full size, 1/2, 1/4
# Sobel kernels scaled by 1/8, so a unit-slope ramp has gradient 1 per pixel.
_SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8.0


def sobel(image: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """N x C x H x W -> N x 2C x H x W: x and y Sobel responses of every channel (replicate padding)."""
    channels = image.shape[1]
    padded = F.pad(image, (1, 1, 1, 1), mode="replicate")
    return F.conv2d(padded, kernels.repeat(channels, 1, 1, 1), groups=channels)


class GradientL1(PerceptualLoss):
    def __init__(self, levels: int = GRADIENT_L1_LEVELS) -> None:
        super().__init__(
            f"gradient-l1 (substitute for LPIPS, no pretrained weights): L1 between Sobel gradients at {levels} "
            "scales (2x average pooling between levels)"
        )
        self.levels = levels
        self.register_buffer("kernels", torch.stack([_SOBEL_X, _SOBEL_X.T]).unsqueeze(1), persistent=False)
        self.freeze()

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        total = x.new_zeros(())
        for level in range(self.levels):
            if level:
                x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
            total = total + F.l1_loss(sobel(x, self.kernels), sobel(y, self.kernels))
        return total / self.levels
