"""Blur kernels of the Real-ESRGAN degradation model, sampled from a numpy Generator.

Owns: the kernel families (isotropic/anisotropic Gaussian, generalized Gaussian, plateau, 2-D sinc), their
Real-ESRGAN parameter ranges (`KernelRanges`) and `random_blur_kernel` / `random_sinc_kernel`, the samplers the
degradation pipeline calls. Every kernel is square, odd-sized, float64 and sums to 1.
May import: numpy and the standard library only.

Follows Wang et al., "Real-ESRGAN" (ICCVW 2021), section 3 and its released training options
(`finetune_realesrgan_x4plus.yml`): sizes 7..21 odd, sigma [0.2, 3] first order and [0.2, 1.5] second order,
generalized beta [0.5, 4], plateau beta [1, 2], sinc probability 0.1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

KERNEL_SIZES: tuple[int, ...] = (7, 9, 11, 13, 15, 17, 19, 21)
MAX_KERNEL_SIZE = KERNEL_SIZES[-1]
# The blur family names, in the order of KernelRanges.family_probabilities.
KERNEL_FAMILIES: tuple[str, ...] = (
    "iso",
    "aniso",
    "generalized_iso",
    "generalized_aniso",
    "plateau_iso",
    "plateau_aniso",
)


@dataclass(frozen=True)
class KernelRanges:
    """Where one degradation round draws its blur kernel from (Real-ESRGAN defaults: first order)."""

    family_probabilities: tuple[float, ...] = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)
    sigma_range: tuple[float, float] = (0.2, 3.0)
    rotation_range: tuple[float, float] = (-math.pi, math.pi)
    generalized_beta_range: tuple[float, float] = (0.5, 4.0)
    plateau_beta_range: tuple[float, float] = (1.0, 2.0)
    sinc_probability: float = 0.1


FIRST_ORDER_KERNELS = KernelRanges()
SECOND_ORDER_KERNELS = KernelRanges(sigma_range=(0.2, 1.5))


def _check_size(size: int) -> None:
    if size < 1 or size % 2 == 0:
        raise ValueError(f"kernel size must be a positive odd integer, got {size!r}")


def _normalised(kernel: np.ndarray) -> np.ndarray:
    return kernel / kernel.sum()


def _inverse_covariance(sigma_x: float, sigma_y: float, rotation: float) -> np.ndarray:
    """The inverse of R diag(sx^2, sy^2) R^T: the quadratic form of a rotated anisotropic Gaussian."""
    rot = np.array([[math.cos(rotation), -math.sin(rotation)], [math.sin(rotation), math.cos(rotation)]])
    covariance = rot @ np.diag([sigma_x**2, sigma_y**2]) @ rot.T
    return np.linalg.inv(covariance)


def _squared_mahalanobis(size: int, sigma_x: float, sigma_y: float, rotation: float) -> np.ndarray:
    """x^T Sigma^-1 x on the size x size grid centred on the middle pixel."""
    _check_size(size)
    half = size // 2
    coords = np.arange(-half, half + 1, dtype=np.float64)
    xx, yy = np.meshgrid(coords, coords)
    grid = np.stack([xx, yy], axis=-1)
    inv = _inverse_covariance(sigma_x, sigma_y, rotation)
    return np.einsum("hwi,ij,hwj->hw", grid, inv, grid)


def gaussian_kernel(size: int, sigma_x: float, sigma_y: float | None = None, rotation: float = 0.0) -> np.ndarray:
    """Gaussian kernel: isotropic when `sigma_y` is None (or equal to `sigma_x`), else anisotropic, rotated."""
    sigma_y = sigma_x if sigma_y is None else sigma_y
    return _normalised(np.exp(-0.5 * _squared_mahalanobis(size, sigma_x, sigma_y, rotation)))


def generalized_gaussian_kernel(
    size: int, sigma_x: float, sigma_y: float | None, rotation: float, beta: float
) -> np.ndarray:
    """exp(-(x^T S^-1 x)^beta / 2): heavier tails than a Gaussian for beta < 1, flatter top for beta > 1."""
    sigma_y = sigma_x if sigma_y is None else sigma_y
    return _normalised(np.exp(-0.5 * np.power(_squared_mahalanobis(size, sigma_x, sigma_y, rotation), beta)))


def plateau_kernel(size: int, sigma_x: float, sigma_y: float | None, rotation: float, beta: float) -> np.ndarray:
    """1 / (1 + (x^T S^-1 x)^beta): a flat top with a long tail (Real-ESRGAN's plateau-shaped distribution)."""
    sigma_y = sigma_x if sigma_y is None else sigma_y
    return _normalised(1.0 / (1.0 + np.power(_squared_mahalanobis(size, sigma_x, sigma_y, rotation), beta)))


def sinc_kernel(size: int, cutoff: float, pad_to: int = 0) -> np.ndarray:
    """Circular low-pass filter: omega_c J1(omega_c r) / (2 pi r), the ideal 2-D filter; ringing and overshoot.

    `cutoff` is omega_c in radians per pixel (0, pi]. `pad_to` (odd, >= size) zero-pads to a larger square.
    """
    _check_size(size)
    if not 0.0 < cutoff <= math.pi:
        raise ValueError(f"sinc cutoff must be in (0, pi], got {cutoff!r}")
    half = size // 2
    coords = np.arange(-half, half + 1, dtype=np.float64)
    xx, yy = np.meshgrid(coords, coords)
    radius = np.hypot(xx, yy)
    kernel = np.empty_like(radius)
    centre = radius == 0
    # J1(z)/z -> 1/2 as z -> 0, so the centre value is omega_c^2 / (4 pi).
    kernel[centre] = cutoff**2 / (4.0 * math.pi)
    kernel[~centre] = cutoff * _bessel_j1(cutoff * radius[~centre]) / (2.0 * math.pi * radius[~centre])
    kernel = _normalised(kernel)
    return pad_kernel(kernel, pad_to) if pad_to else kernel


def pad_kernel(kernel: np.ndarray, size: int) -> np.ndarray:
    """Zero-pad a square odd kernel to `size` x `size`, centred (same filtering, shared tensor shape)."""
    _check_size(size)
    if kernel.shape[0] > size:
        raise ValueError(f"cannot pad a {kernel.shape[0]}-pixel kernel down to {size}")
    margin = (size - kernel.shape[0]) // 2
    return np.pad(kernel, margin)


def _bessel_j1(z: np.ndarray) -> np.ndarray:
    """Bessel function of the first kind, order 1, for z >= 0 (numpy has none; scipy is not a dependency).

    Uses the integral J1(z) = (1/pi) * integral_0^pi cos(t - z sin t) dt, evaluated with the trapezoid rule on 1024
    intervals: the integrand is smooth and periodic, so the error is far below float64 noise for the z <= 45 used
    here (pi times the corner radius of a 21-pixel kernel).
    """
    t = np.linspace(0.0, math.pi, 1025)
    values = np.cos(t[None, :] - np.asarray(z, dtype=np.float64).reshape(-1, 1) * np.sin(t)[None, :])
    return np.trapezoid(values, t, axis=1).reshape(np.shape(z)) / math.pi


def _random_beta(rng: np.random.Generator, beta_range: tuple[float, float]) -> float:
    """Real-ESRGAN draws beta below or above 1 with equal chance, so both shapes are equally common."""
    low, high = beta_range
    return float(rng.uniform(low, 1.0) if rng.uniform() < 0.5 else rng.uniform(1.0, high))


def random_family_kernel(rng: np.random.Generator, family: str, size: int, ranges: KernelRanges) -> np.ndarray:
    """One kernel of a named family with parameters drawn from `ranges`."""
    if family not in KERNEL_FAMILIES:
        raise ValueError(f"unknown kernel family {family!r}; expected one of {', '.join(KERNEL_FAMILIES)}")
    isotropic = family.endswith("iso") and not family.endswith("aniso")
    sigma_x = float(rng.uniform(*ranges.sigma_range))
    sigma_y = sigma_x if isotropic else float(rng.uniform(*ranges.sigma_range))
    rotation = 0.0 if isotropic else float(rng.uniform(*ranges.rotation_range))
    if family.startswith("generalized"):
        beta = _random_beta(rng, ranges.generalized_beta_range)
        return generalized_gaussian_kernel(size, sigma_x, sigma_y, rotation, beta)
    if family.startswith("plateau"):
        return plateau_kernel(size, sigma_x, sigma_y, rotation, _random_beta(rng, ranges.plateau_beta_range))
    return gaussian_kernel(size, sigma_x, sigma_y, rotation)


def random_sinc_kernel(rng: np.random.Generator, size: int | None = None, *, final: bool = False) -> np.ndarray:
    """A sinc kernel padded to MAX_KERNEL_SIZE. Cutoff range as in Real-ESRGAN: [pi/3, pi] for small kernels
    and for the final filter, [pi/5, pi] for kernels of 13 pixels or more (wider kernels carry lower cutoffs)."""
    size = int(rng.choice(KERNEL_SIZES)) if size is None else size
    low = math.pi / 3 if (final or size < 13) else math.pi / 5
    return sinc_kernel(size, float(rng.uniform(low, math.pi)), pad_to=MAX_KERNEL_SIZE)


def random_blur_kernel(rng: np.random.Generator, ranges: KernelRanges) -> np.ndarray:
    """One round's blur kernel: a sinc with probability `ranges.sinc_probability`, else a family drawn by
    `ranges.family_probabilities`; random odd size in 7..21, zero-padded to MAX_KERNEL_SIZE."""
    size = int(rng.choice(KERNEL_SIZES))
    if rng.uniform() < ranges.sinc_probability:
        return random_sinc_kernel(rng, size)
    family = str(rng.choice(KERNEL_FAMILIES, p=np.asarray(ranges.family_probabilities)))
    return pad_kernel(random_family_kernel(rng, family, size, ranges), MAX_KERNEL_SIZE)
