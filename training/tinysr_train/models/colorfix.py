"""Colour correction of a super-resolved image against its bicubic-upscaled LR input (spec section 1).

Owns AdaIN and 5-level a-trous wavelet colour fix, as pure torch functions on N x 3 x H x W tensors in [0, 1].
Imports torch only. The app applies the same rule to the whole stitched image, so the exported tile graph has no
colour fix.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

ADAIN_EPS = 1e-5
WAVELET_LEVELS = 5


def _check_pair(sr: torch.Tensor, lr_up: torch.Tensor) -> None:
    if sr.ndim != 4 or sr.shape != lr_up.shape:
        raise ValueError(
            f"colour fix expects sr and lr_up of the same N x C x H x W shape, got {tuple(sr.shape)} and "
            f"{tuple(lr_up.shape)}; upscale the LR image to the SR size first"
        )


def _channel_mean_std(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    flat = image.flatten(2)
    mean = flat.mean(dim=2)[..., None, None]
    # Unbiased variance plus epsilon, as the official implementation.
    std = (flat.var(dim=2, unbiased=True) + ADAIN_EPS).sqrt()[..., None, None]
    return mean, std


def adain_color_fix(sr: torch.Tensor, lr_up: torch.Tensor) -> torch.Tensor:
    """Replace each channel's mean and std of `sr` by those of `lr_up`, then clamp to [0, 1]."""
    _check_pair(sr, lr_up)
    sr_mean, sr_std = _channel_mean_std(sr)
    lr_mean, lr_std = _channel_mean_std(lr_up)
    return ((sr - sr_mean) / sr_std * lr_std + lr_mean).clamp(0.0, 1.0)


def _atrous_blur(image: torch.Tensor, dilation: int) -> torch.Tensor:
    # 3x3 binomial kernel [1,2,1]^T [1,2,1] / 16, one per channel, spread by the dilation (the "holes" of a trous).
    taps = torch.tensor([1.0, 2.0, 1.0], dtype=image.dtype, device=image.device)
    kernel = (taps[:, None] * taps[None, :] / 16.0).expand(image.shape[1], 1, 3, 3)
    padded = F.pad(image, (dilation, dilation, dilation, dilation), mode="replicate")
    return F.conv2d(padded, kernel, dilation=dilation, groups=image.shape[1])


def wavelet_decompose(image: torch.Tensor, levels: int = WAVELET_LEVELS) -> tuple[torch.Tensor, torch.Tensor]:
    """Split `image` into (high, low) frequencies with `levels` a-trous steps (dilation 2^i); high + low == image."""
    high = torch.zeros_like(image)
    low = image
    for level in range(levels):
        blurred = _atrous_blur(low, 2**level)
        high = high + (low - blurred)
        low = blurred
    return high, low


def wavelet_color_fix(sr: torch.Tensor, lr_up: torch.Tensor) -> torch.Tensor:
    """Keep the high frequencies of `sr`, take the low frequencies (colour) from `lr_up`, clamp to [0, 1]."""
    _check_pair(sr, lr_up)
    sr_high, _ = wavelet_decompose(sr)
    _, lr_low = wavelet_decompose(lr_up)
    return (sr_high + lr_low).clamp(0.0, 1.0)
