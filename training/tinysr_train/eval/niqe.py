"""NIQE (Mittal et al. 2013) as pyiqa computes its `niqe` metric, with the standard pristine-image model of the
authors' MATLAB release (mu_prisparam, cov_prisparam; BasicSR ships it as `niqe_pris_params.npz`).

Owns: the 36 NSS features per 96 x 96 block at two scales, MATLAB's antialiased bicubic half-size resize, and the
Mahalanobis-style distance to the pristine model. Torch, float64. May import: numpy, torch, `.metrics`, `.errors`.
Lower is better.

pyiqa's rules, followed literally (reports/metric-validation.md compares with the values logged beside the OSEDiff
outputs): the image is reduced to rounded 0-255 luma, cropped to a whole number of 96 px blocks; at each scale the
MSCN map is (I - mu) / (sigma + 1) with a 7x7 Gaussian of sigma 7/6 and replicated borders; per block an asymmetric
generalised Gaussian fit (shape from a 0.001 grid by nearest r(gamma)) of MSCN and of its products with the
circularly shifted block (right, down, down-right, down-left); the second scale is MATLAB's imresize(0.5) (bicubic
a = -0.5, antialiased, symmetric padding) evaluated in float32 as pyiqa does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .errors import EvalError
from .metrics import gaussian_window, weighted_channels

BLOCK = 96
PARAMS_FILE = "niqe_pris_params.npz"
_SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))
# BT.601 luma without the studio offset (pyiqa's default colour space for NIQE is YIQ, whose Y is this).
_LUMA = (0.299, 0.587, 0.114)
_CUBIC_A = -0.5  # MATLAB's bicubic


@dataclass(frozen=True)
class NiqeModel:
    mean: torch.Tensor  # 36, float64
    covariance: torch.Tensor  # 36 x 36, float64
    source: str


@lru_cache(maxsize=4)
def load_niqe_model(path: Path) -> NiqeModel:
    """Reads `mu_pris_param` / `cov_pris_param` from the npz; EvalError('EVAL_MODEL_FILES') when unreadable."""
    try:
        with np.load(path) as data:
            mean = np.asarray(data["mu_pris_param"], dtype=np.float64).reshape(-1)
            covariance = np.asarray(data["cov_pris_param"], dtype=np.float64)
    except (OSError, KeyError, ValueError) as err:
        raise EvalError("EVAL_MODEL_FILES", f"{path}: cannot read the NIQE pristine model: {err}") from err
    if mean.shape != (36,) or covariance.shape != (36, 36):
        raise EvalError(
            "EVAL_MODEL_FILES",
            f"{path}: expected a 36-vector and a 36 x 36 matrix, got {mean.shape}, {covariance.shape}",
        )
    return NiqeModel(torch.from_numpy(mean), torch.from_numpy(covariance), str(path))


def _mscn(image: torch.Tensor) -> torch.Tensor:
    window = gaussian_window(7, 7.0 / 6.0)
    padded = F.pad(image, (3, 3, 3, 3), mode="replicate")
    mu = F.conv2d(padded, window)
    second = F.conv2d(F.pad(image * image, (3, 3, 3, 3), mode="replicate"), window)
    sigma = torch.sqrt((second - mu * mu).abs() + torch.finfo(torch.float64).eps)
    return (image - mu) / (sigma + 1.0)


@lru_cache(maxsize=1)
def _shape_grid() -> tuple[torch.Tensor, torch.Tensor]:
    # pyiqa builds the grid in float32 (torch.arange's default) and evaluates it in float64: keep both roundings.
    shapes = torch.arange(0.2, 10 + 0.001, 0.001).double()
    ratio = torch.exp(2 * torch.lgamma(2.0 / shapes) - (torch.lgamma(1.0 / shapes) + torch.lgamma(3.0 / shapes)))
    return shapes, ratio


def _aggd(blocks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(shape, left scale, right scale) per block of B x h x w."""
    shapes, ratio = _shape_grid()
    left_mask, right_mask = blocks < 0, blocks > 0
    left_std = torch.sqrt((blocks * left_mask).pow(2).sum(dim=(1, 2)) / left_mask.sum(dim=(1, 2)).float())
    right_std = torch.sqrt((blocks * right_mask).pow(2).sum(dim=(1, 2)) / right_mask.sum(dim=(1, 2)).float())
    gamma_hat = left_std / right_std
    rhat = blocks.abs().mean(dim=(1, 2)).pow(2) / blocks.pow(2).mean(dim=(1, 2))
    rhat_norm = rhat * (gamma_hat.pow(3) + 1) * (gamma_hat + 1) / (gamma_hat.pow(2) + 1).pow(2)
    shape = shapes[(ratio[None, :] - rhat_norm[:, None]).abs().argmin(dim=1)]
    to_scale = torch.exp(torch.lgamma(1 / shape) - torch.lgamma(3 / shape)).sqrt()
    return shape, left_std * to_scale, right_std * to_scale


def block_features(blocks: torch.Tensor) -> torch.Tensor:
    """B x 18 NSS features of B x h x w MSCN blocks."""
    shape, left, right = _aggd(blocks)
    features = [shape, (left + right) / 2]
    for shift in _SHIFTS:
        shape, left, right = _aggd(blocks * torch.roll(blocks, shift, dims=(1, 2)))
        mean = (right - left) * torch.exp(torch.lgamma(2 / shape) - torch.lgamma(1 / shape))
        features += [shape, mean, left, right]
    return torch.stack(features, dim=1)


def _cut_blocks(image: torch.Tensor, size: int) -> torch.Tensor:
    """1 x 1 x H x W (H, W multiples of size) -> B x size x size, row-major."""
    _, _, height, width = image.shape
    tiles = image.reshape(height // size, size, width // size, size).permute(0, 2, 1, 3)
    return tiles.reshape(-1, size, size)


def _matlab_half_weights(length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Taps (out x k indices into the input, symmetric-padded) and k x out weights of MATLAB imresize(0.5)."""
    scale = 0.5
    taps = math.ceil(4 / scale) + 2
    out = math.ceil(length * scale)
    position = (torch.arange(out, dtype=torch.float32) + 0.5) / scale - 0.5
    first = position.floor() - taps // 2 + 1
    index = first[:, None] + torch.arange(taps, dtype=torch.float32)[None, :]
    distance = (position[:, None] - index) * scale
    ax = distance.abs()
    a = _CUBIC_A
    near = ((a + 2) * ax**3 - (a + 3) * ax**2 + 1) * (ax <= 1)
    far = (a * ax**3 - 5 * a * ax**2 + 8 * a * ax - 4 * a) * ((ax > 1) & (ax <= 2))
    weights = (near + far).T.contiguous()  # k x out: normalised and applied tap by tap, in pyiqa's float32 order
    weights = weights / weights.sum(dim=0, keepdim=True)
    # MATLAB's symmetric padding repeats the edge sample: -1 -> 0, -2 -> 1, L -> L - 1.
    idx = index.long()
    idx = torch.where(idx < 0, -idx - 1, idx)
    idx = torch.where(idx >= length, 2 * length - 1 - idx, idx)
    return idx, weights


def matlab_half_size(image: torch.Tensor) -> torch.Tensor:
    """MATLAB imresize(image, 0.5) (bicubic, antialiased) of a 1 x 1 x H x W tensor, computed in float32."""
    result = image.float()
    for dim in (2, 3):
        idx, weights = _matlab_half_weights(result.shape[dim])
        moved = result.movedim(dim, -1)
        taps = moved[..., idx.T]  # ... x k x out
        acc = taps[..., 0, :] * weights[0]
        for k in range(1, weights.shape[0]):
            acc = acc + taps[..., k, :] * weights[k]
        result = acc.movedim(-1, dim)
    return result.to(image.dtype)


def niqe_features(rgb: torch.Tensor) -> torch.Tensor:
    """B x 36 features (B = number of 96 px blocks) of a 1 x 3 x H x W RGB image in [0, 1]."""
    image = torch.round(weighted_channels(rgb, _LUMA) * 255.0).double()
    rows, cols = image.shape[2] // BLOCK, image.shape[3] // BLOCK
    if rows == 0 or cols == 0:
        raise ValueError(f"NIQE needs an image of at least {BLOCK} x {BLOCK} px, got {tuple(image.shape[2:])}")
    image = image[..., : rows * BLOCK, : cols * BLOCK]
    per_scale = []
    for scale in (1, 2):
        per_scale.append(block_features(_cut_blocks(_mscn(image), BLOCK // scale)))
        if scale == 1:
            image = matlab_half_size(image / 255.0) * 255.0
    return torch.cat(per_scale, dim=1)


def niqe(model: NiqeModel, rgb: torch.Tensor) -> float:
    """NIQE of a 1 x 3 x H x W RGB image in [0, 1] (lower is better)."""
    features = niqe_features(rgb)
    # pyiqa's nanmean / nancov: a flat block gives NaN features; the mean skips NaN per feature, the covariance
    # drops every block with any NaN.
    mean = torch.nanmean(features, dim=0)
    covariance = torch.cov(features[~torch.isnan(features).any(dim=1)].T)
    inverse = torch.linalg.pinv((model.covariance + covariance) / 2)
    diff = model.mean - mean
    return float(torch.sqrt(diff @ inverse @ diff))
