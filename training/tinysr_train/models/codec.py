"""The exact latent codec of the warm-started recipe: pixel-unshuffle at the latent stride, with no weights.

Owns `UnshuffleCodec` (the teacher's VAE for `VAEConfig.codec == "unshuffle"`) and `UnshuffleRefiner`, the tiny
decoder's learned part. May import: torch and the registry.

Why: a VAE trained from random weights on 2 CPU cores never got good enough to carry a model (the old CPU runs decoded
flat grey). Space-to-depth is invertible, so encode -> decode is lossless from step 0 and every later stage starts from
a latent space that already works. The latent is the [-1, 1] image's 8 x 8 x 3 block per latent pixel, unscaled.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class UnshuffleCodec(nn.Module):
    """encode: [-1, 1] image N x 3 x H x W (H, W multiples of `stride`) -> N x 3s^2 x H/s x W/s; decode: the inverse."""

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride

    def encode(self, image: torch.Tensor) -> torch.Tensor:
        return F.pixel_unshuffle(image, self.stride)

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        return F.pixel_shuffle(latent, self.stride)


class UnshuffleRefiner(nn.Module):
    """A residual 3-conv refinement of the codec's decoded image at full resolution: the convolutions see across the
    borders of the transformer's tokens (16 px), which a per-token linear decode cannot. The last conv starts at zero,
    so the refiner starts as the identity and the tiny decoder equals the exact codec at step 0."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(3, channels, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(channels, 3, 3, padding=1),
        )
        nn.init.zeros_(self.layers[-1].weight)
        nn.init.zeros_(self.layers[-1].bias)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return image + self.layers(image)


class UnshuffleEncoder(nn.Module):
    """The tiny VAE's encoder for variant `unshuffle`: the codec itself (no weights)."""

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.codec = UnshuffleCodec(stride)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.codec.encode(image)


class UnshuffleDecoder(nn.Module):
    """The tiny VAE's decoder for variant `unshuffle`: the codec's inverse, then `UnshuffleRefiner`."""

    def __init__(self, stride: int, channels: int) -> None:
        super().__init__()
        self.codec = UnshuffleCodec(stride)
        self.refine = UnshuffleRefiner(channels)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.refine(self.codec.decode(latent))
