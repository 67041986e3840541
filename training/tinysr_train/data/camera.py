"""Camera-like degradation: HQ image -> LQ image at 1/4 size that looks like a real camera's low-resolution capture.

Owns `CameraDegradationConfig` and `camera_degrade`. May import: torch, numpy and `.degrade` (its blur, resize, noise
and JPEG steps, so there is one definition of each).

Why a second model beside Real-ESRGAN's: real camera LR (RealSR, DRealSR, RealSRSet) is mostly optical blur with
little noise, while the second-order model's heavy noise and JPEG dominate its pairs, so a small network trained on
them learns to smooth where real photos need sharpening (measured when this recipe was designed: see
training/reports/warm-recipe.md). This model is one round: isotropic Gaussian blur of the HQ crop, bicubic x4
down-sampling with antialiasing, mild Gaussian noise (colour or grey) and a JPEG round trip of moderate quality.
Every draw comes from the caller's numpy Generator in a fixed order, so a seed fixes the LQ bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .degrade import add_gaussian_noise, blur, jpeg_compress
from .errors import DataError

KIND = "camera"


@dataclass(frozen=True)
class CameraDegradationConfig:
    """Ranges of the one-round camera model (uniform draws). Sigmas: blur in HQ pixels, noise in 8-bit levels."""

    kind: str = KIND  # recorded in pairs.json, so pairs made by the two models never mix
    scale: int = 4
    blur_sigma_range: tuple[float, float] = (0.6, 2.0)
    noise_sigma_range: tuple[float, float] = (0.0, 3.0)
    grey_noise_probability: float = 0.4
    jpeg_quality_range: tuple[int, int] = (70, 95)


def gaussian_kernel(sigma: float) -> np.ndarray:
    """Normalised isotropic 2-D Gaussian of odd size covering +-3 sigma."""
    radius = max(1, int(np.ceil(3.0 * sigma)))
    axis = np.arange(-radius, radius + 1, dtype=np.float64)
    line = np.exp(-0.5 * (axis / sigma) ** 2)
    kernel = np.outer(line, line)
    return kernel / kernel.sum()


def camera_degrade(hq: torch.Tensor, rng: np.random.Generator, config: CameraDegradationConfig) -> torch.Tensor:
    """Degrade a [3,H,W] HQ image in [0,1] (H, W divisible by `config.scale`) into its [3,H/s,W/s] LQ, quantised to
    8-bit levels like an image read from disk."""
    if hq.ndim != 3 or hq.shape[0] != 3 or hq.shape[1] % config.scale or hq.shape[2] % config.scale:
        raise DataError(
            "DATA_BAD_ARGUMENT",
            f"camera_degrade expects a [3,H,W] image with H and W divisible by {config.scale}, got {tuple(hq.shape)}",
        )
    image = blur(hq.to(torch.float32).clamp(0.0, 1.0), gaussian_kernel(float(rng.uniform(*config.blur_sigma_range))))
    size = (hq.shape[1] // config.scale, hq.shape[2] // config.scale)
    image = F.interpolate(image[None], size=size, mode="bicubic", align_corners=False, antialias=True)[0]
    sigma = float(rng.uniform(*config.noise_sigma_range)) / 255.0
    image = add_gaussian_noise(image, rng, sigma, grey=bool(rng.uniform() < config.grey_noise_probability))
    quality = int(rng.integers(config.jpeg_quality_range[0], config.jpeg_quality_range[1] + 1))
    image = jpeg_compress(image, quality)
    return (image.clamp(0.0, 1.0) * 255.0).round() / 255.0
