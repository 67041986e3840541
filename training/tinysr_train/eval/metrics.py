"""Full-reference metrics exactly as pyiqa computes its `psnr` / `ssim` with `test_y_channel=True, color_space='ycbcr'`
(the convention of the published Real-ISR tables, e.g. the OSEDiff logs in ../shared/data/*/osediff_reference).

Owns: the BT.601 luma used by both, PSNR-Y and SSIM-Y. Pure torch functions on N x 3 x H x W tensors in [0, 1].
May import: torch.

The rules, all checked against the logged per-image values (reports/metric-validation.md):
- Y = (65.481 R + 128.553 G + 24.966 B + 16) / 255 on [0, 1] RGB: the studio-swing 16-235 luma of MATLAB's rgb2ycbcr,
  kept in [0, 1] units (so a black image has Y = 16/255, not 0).
- PSNR-Y: on that Y, data range 1, mean over all pixels, 10 log10(1 / (mse + 1e-8)) (pyiqa's eps: identical images
  give 80 dB, not inf), no border crop.
- SSIM-Y: Y scaled to 0-255 and ROUNDED to integers first (pyiqa mimics MATLAB's uint8 input), an 11 x 11 Gaussian
  window of sigma 1.5 (MATLAB's fspecial), 'valid' filtering (no padding), C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2,
  the contrast-structure term clamped at 0 (pyiqa's relu), mean over the valid map, and NO downsampling (pyiqa's
  `ssim` default is downsample=False: the MATLAB reference code's average-pool by round(min(H, W) / 256) is off).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

_Y_WEIGHTS = (65.481, 128.553, 24.966)
_Y_OFFSET = 16.0
PSNR_EPS = 1e-8
SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_DATA_RANGE = 255.0


def _check_pair(x: torch.Tensor, y: torch.Tensor) -> None:
    if x.ndim != 4 or x.shape[1] != 3 or x.shape != y.shape:
        raise ValueError(
            f"metrics expect two N x 3 x H x W RGB tensors of the same shape in [0, 1], got {tuple(x.shape)} and "
            f"{tuple(y.shape)}"
        )


def weighted_channels(rgb: torch.Tensor, weights: tuple[float, float, float]) -> torch.Tensor:
    """N x 1 x H x W sum of w_c * rgb_c as pyiqa forms it: a float32 matmul over the channel axis. Its rounding
    decides which side of .5 a value falls before the 0-255 rounding of SSIM and NIQE, so it is kept exactly."""
    matrix = torch.tensor(weights, dtype=torch.float32, device=rgb.device).view(3, 1)
    return (rgb.float().permute(0, 2, 3, 1) @ matrix).permute(0, 3, 1, 2)


def luma(rgb: torch.Tensor) -> torch.Tensor:
    """N x 1 x H x W BT.601 studio-swing Y in [16/255, 235/255] of N x 3 x H x W RGB in [0, 1], float32."""
    return (weighted_channels(rgb, _Y_WEIGHTS) + _Y_OFFSET) / 255.0


def psnr_y(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR on Y (dB), shape N; pyiqa's eps caps identical images at 80 dB."""
    _check_pair(x, y)
    mse = ((luma(x).double() - luma(y).double()) ** 2).mean(dim=(1, 2, 3))
    return 10.0 * torch.log10(1.0 / (mse + PSNR_EPS))


def gaussian_window(size: int = SSIM_WINDOW, sigma: float = SSIM_SIGMA) -> torch.Tensor:
    """MATLAB's fspecial('gaussian', size, sigma): normalised, taps below eps * max zeroed; 1 x 1 x size x size."""
    half = (size - 1) / 2.0
    axis = torch.arange(size, dtype=torch.float64) - half
    window = torch.exp(-(axis[:, None] ** 2 + axis[None, :] ** 2) / (2.0 * sigma * sigma))
    window[window < torch.finfo(torch.float64).eps * window.max()] = 0.0
    # pyiqa stores the window as float32 before filtering in float64; keep that rounding so values match to 1e-7.
    return (window / window.sum()).float().double().view(1, 1, size, size)


def ssim_y(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-image SSIM on rounded 0-255 Y with an 11x11 sigma 1.5 Gaussian, 'valid' borders; shape N."""
    _check_pair(x, y)
    a = torch.round(luma(x) * 255.0).double()
    b = torch.round(luma(y) * 255.0).double()
    if min(a.shape[-2:]) < SSIM_WINDOW:
        raise ValueError(f"SSIM needs images of at least {SSIM_WINDOW} x {SSIM_WINDOW} px, got {tuple(a.shape[-2:])}")
    window = gaussian_window().to(a.device)
    c1 = (0.01 * SSIM_DATA_RANGE) ** 2
    c2 = (0.03 * SSIM_DATA_RANGE) ** 2
    mu_a, mu_b = F.conv2d(a, window), F.conv2d(b, window)
    var_a = F.conv2d(a * a, window) - mu_a**2
    var_b = F.conv2d(b * b, window) - mu_b**2
    cov = F.conv2d(a * b, window) - mu_a * mu_b
    contrast_structure = F.relu((2.0 * cov + c2) / (var_a + var_b + c2))
    luminance = (2.0 * mu_a * mu_b + c1) / (mu_a**2 + mu_b**2 + c1)
    return (luminance * contrast_structure).mean(dim=(1, 2, 3))

