"""Unsharp masking (USM) of ground-truth images, as Real-ESRGAN sharpens its GT before training.

Owns: `usm_sharpen` and the OpenCV-default Gaussian kernel it blurs with. Deterministic: no random draws.
May import: torch, numpy, the standard library and `.degrade` (its padding rule).

Follows BasicSR `basicsr/utils/img_process_util.py` (`usm_sharp` / `USMSharp`), which Real-ESRGAN's model applies to
every GT batch (`gt_usm = usm_sharpener(gt)`, weight 0.5, radius 50, threshold 10):
    residual = img - gaussian_blur(img);  mask = |residual| * 255 > threshold;  soft = gaussian_blur(mask)
    out = soft * clip(img + weight * residual, 0, 1) + (1 - soft) * img
The kernel is OpenCV's `getGaussianKernel(radius, 0)` (radius made odd): sigma = 0.3 * ((size - 1) / 2 - 1) + 0.8, or
OpenCV's fixed tables for sizes up to 7. BasicSR filters with the 2-D outer product; this filters separably (rows, then
columns), which is the same linear filter up to float rounding and 25 times cheaper at size 51.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .degrade import pad_for_filter
from .errors import DataError

# OpenCV's `small_gaussian_tab`: what getGaussianKernel returns for sizes 1..7 when sigma <= 0.
_OPENCV_SMALL_GAUSSIANS: dict[int, tuple[float, ...]] = {
    1: (1.0,),
    3: (0.25, 0.5, 0.25),
    5: (0.0625, 0.25, 0.375, 0.25, 0.0625),
    7: (0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125),
}


def opencv_gaussian_kernel(size: int) -> np.ndarray:
    """OpenCV's `getGaussianKernel(size, sigma=0)`: a 1-D odd-sized float64 kernel summing to 1."""
    if size < 1 or size % 2 == 0:
        raise DataError("DATA_BAD_ARGUMENT", f"Gaussian kernel size must be a positive odd integer, got {size!r}")
    if size in _OPENCV_SMALL_GAUSSIANS:
        return np.asarray(_OPENCV_SMALL_GAUSSIANS[size])
    sigma = 0.3 * ((size - 1) * 0.5 - 1.0) + 0.8
    x = np.arange(size) - (size - 1) / 2
    kernel = np.exp(-(x**2) / (2.0 * sigma**2))
    return kernel / kernel.sum()


def _separable_blur(image: torch.Tensor, kernel: np.ndarray) -> torch.Tensor:
    """Filter a [C,H,W] image with `kernel` along rows and then columns (padding: `pad_for_filter`)."""
    channels, size = image.shape[0], kernel.shape[0]
    padded = pad_for_filter(image, size // 2)
    weight = torch.from_numpy(kernel).to(image.dtype)
    rows = F.conv2d(padded, weight.view(1, 1, 1, size).expand(channels, 1, 1, size), groups=channels)
    return F.conv2d(rows, weight.view(1, 1, size, 1).expand(channels, 1, size, 1), groups=channels)[0]


def usm_sharpen(image: torch.Tensor, weight: float = 0.5, radius: int = 50, threshold: float = 10.0) -> torch.Tensor:
    """Sharpen a [C,H,W] float image in [0, 1] by unsharp masking, only where the detail exceeds `threshold` 8-bit
    levels (softened by the same blur). Flat regions are returned unchanged; the result stays in [0, 1]."""
    if image.ndim != 3:
        raise DataError("DATA_BAD_ARGUMENT", f"usm_sharpen expects a [C,H,W] tensor, got shape {tuple(image.shape)}")
    if not (math.isfinite(weight) and weight >= 0 and radius >= 1):
        raise DataError(
            "DATA_BAD_ARGUMENT", f"usm_sharpen needs weight >= 0 and radius >= 1, got weight={weight}, radius={radius}"
        )
    kernel = opencv_gaussian_kernel(radius + 1 if radius % 2 == 0 else radius)
    image = image.to(torch.float32)
    residual = image - _separable_blur(image, kernel)
    mask = ((residual.abs() * 255.0) > threshold).to(torch.float32)
    soft_mask = _separable_blur(mask, kernel)
    sharp = (image + weight * residual).clamp(0.0, 1.0)
    return soft_mask * sharp + (1.0 - soft_mask) * image
