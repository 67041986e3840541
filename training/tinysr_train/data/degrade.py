"""The Real-ESRGAN second-order degradation model: HQ image -> LQ image at 1/4 size, seeded and deterministic.

Owns: `DegradationConfig` (Real-ESRGAN x4plus defaults), the individual steps (`blur`, `random_resize`,
`add_gaussian_noise`, `add_poisson_noise`, `jpeg_compress`) and `degrade`, which composes them:
round 1 (blur, resize, noise, JPEG), round 2 (blur with probability, resize, noise), then the final
sinc filter and JPEG in random order around the resize to HQ / scale.
May import: torch, numpy, Pillow, the standard library and `.kernels` / `.errors`.

Every random draw comes from one numpy Generator, consumed in a fixed order, so a seed fixes the LQ bit for bit.
Pixels are float tensors in [0, 1]; JPEG goes through Pillow (libjpeg) on 8-bit pixels, like real camera files.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .errors import DataError
from .kernels import (
    FIRST_ORDER_KERNELS,
    MAX_KERNEL_SIZE,
    SECOND_ORDER_KERNELS,
    KernelRanges,
    random_blur_kernel,
    random_sinc_kernel,
)

RESIZE_MODES: tuple[str, ...] = ("area", "bilinear", "bicubic")


@dataclass(frozen=True)
class RoundConfig:
    """One degradation round's probabilities and ranges (Real-ESRGAN defaults: first round)."""

    kernels: KernelRanges = FIRST_ORDER_KERNELS
    blur_probability: float = 1.0
    # Probabilities of scaling up, down, or keeping the size.
    resize_probabilities: tuple[float, float, float] = (0.2, 0.7, 0.1)
    resize_range: tuple[float, float] = (0.15, 1.5)
    gaussian_noise_probability: float = 0.5  # else Poisson noise
    gaussian_sigma_range: tuple[float, float] = (1.0, 30.0)  # in 8-bit levels
    poisson_scale_range: tuple[float, float] = (0.05, 3.0)
    grey_noise_probability: float = 0.4
    jpeg_quality_range: tuple[int, int] = (30, 95)


@dataclass(frozen=True)
class DegradationConfig:
    """The whole second-order model. Defaults are Real-ESRGAN x4plus's (`finetune_realesrgan_x4plus.yml`)."""

    scale: int = 4
    first: RoundConfig = field(default_factory=RoundConfig)
    second: RoundConfig = field(
        default_factory=lambda: RoundConfig(
            kernels=SECOND_ORDER_KERNELS,
            blur_probability=0.8,
            resize_probabilities=(0.3, 0.4, 0.3),
            resize_range=(0.3, 1.2),
            gaussian_sigma_range=(1.0, 25.0),
            poisson_scale_range=(0.05, 2.5),
        )
    )
    final_sinc_probability: float = 0.8


def _as_generator(seed: int | np.random.Generator) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def pad_for_filter(image: torch.Tensor, radius: int) -> torch.Tensor:
    """[C,H,W] -> [1,C,H+2r,W+2r] with reflect padding (OpenCV's default border, BasicSR's `filter2D`), or replicate
    padding when the image is not larger than the radius, which reflection cannot handle."""
    mode = "reflect" if radius < min(image.shape[-2:]) else "replicate"
    return F.pad(image[None], (radius, radius, radius, radius), mode=mode)


def blur(image: torch.Tensor, kernel: np.ndarray) -> torch.Tensor:
    """Filter a [C,H,W] image with one 2-D kernel per channel (padding: `pad_for_filter`)."""
    padded = pad_for_filter(image, kernel.shape[0] // 2)
    weight = torch.from_numpy(kernel).to(image.dtype).expand(image.shape[0], 1, *kernel.shape)
    return F.conv2d(padded, weight, groups=image.shape[0])[0]


def resize(image: torch.Tensor, size: tuple[int, int], mode: str) -> torch.Tensor:
    """Resize a [C,H,W] image to (height, width) with one of RESIZE_MODES (no antialias, as Real-ESRGAN)."""
    if mode not in RESIZE_MODES:
        raise DataError("DATA_BAD_ARGUMENT", f"resize mode {mode!r} is not one of {', '.join(RESIZE_MODES)}")
    size = (max(1, size[0]), max(1, size[1]))
    align = None if mode == "area" else False
    return F.interpolate(image[None], size=size, mode=mode, align_corners=align)[0]


def random_resize(
    rng: np.random.Generator, image: torch.Tensor, config: RoundConfig, base_size: tuple[int, int]
) -> torch.Tensor:
    """Scale `base_size` up, down or not at all (by `config.resize_probabilities`) with a random mode.

    Real-ESRGAN's second round scales relative to the LQ target size rather than the current size, so the
    caller passes the base; the first round passes the image's own size."""
    direction = int(rng.choice(3, p=np.asarray(config.resize_probabilities)))
    low, high = config.resize_range
    factor = (float(rng.uniform(1.0, high)), float(rng.uniform(low, 1.0)), 1.0)[direction]
    mode = str(rng.choice(RESIZE_MODES))
    return resize(image, (int(base_size[0] * factor), int(base_size[1] * factor)), mode)


def _grey(image: torch.Tensor) -> torch.Tensor:
    """ITU-R BT.601 luma, the weights Real-ESRGAN's grey noise uses; [1,H,W]."""
    weights = torch.tensor([0.299, 0.587, 0.114], dtype=image.dtype).view(3, 1, 1)
    return (image * weights).sum(dim=0, keepdim=True)


def add_gaussian_noise(image: torch.Tensor, rng: np.random.Generator, sigma: float, grey: bool) -> torch.Tensor:
    """Add N(0, sigma^2) noise (sigma in [0,1] units); grey noise is one field shared by all channels. Clipped."""
    channels = 1 if grey else image.shape[0]
    noise = rng.standard_normal((channels, *image.shape[1:]))
    return (image + sigma * torch.from_numpy(noise).to(image.dtype)).clamp(0.0, 1.0)


def add_poisson_noise(image: torch.Tensor, rng: np.random.Generator, scale: float, grey: bool) -> torch.Tensor:
    """Add shot noise: Poisson(image * levels) / levels - image, times `scale`, where levels is the next power of
    two above the number of distinct 8-bit values (as Real-ESRGAN). Grey noise is computed on luma. Clipped."""
    source = _grey(image) if grey else image
    source = (source.clamp(0.0, 1.0) * 255.0).round() / 255.0
    levels = 2 ** math.ceil(math.log2(max(2, int(torch.unique(source).numel()))))
    counts = rng.poisson(source.double().numpy() * levels)
    noise = torch.from_numpy(counts / levels).to(image.dtype) - source
    return (image + scale * noise).clamp(0.0, 1.0)


def random_noise(rng: np.random.Generator, image: torch.Tensor, config: RoundConfig) -> torch.Tensor:
    """Gaussian noise with probability `gaussian_noise_probability`, else Poisson; grey with its own probability."""
    if rng.uniform() < config.gaussian_noise_probability:
        sigma = float(rng.uniform(*config.gaussian_sigma_range)) / 255.0
        return add_gaussian_noise(image, rng, sigma, grey=rng.uniform() < config.grey_noise_probability)
    scale = float(rng.uniform(*config.poisson_scale_range))
    return add_poisson_noise(image, rng, scale, grey=rng.uniform() < config.grey_noise_probability)


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """[3,H,W] float in [0,1] -> [H,W,3] uint8, rounding to nearest."""
    return (image.clamp(0.0, 1.0) * 255.0).round().to(torch.uint8).permute(1, 2, 0).contiguous().numpy()


def from_uint8(pixels: np.ndarray) -> torch.Tensor:
    """[H,W,3] uint8 -> [3,H,W] float32 in [0,1]."""
    return torch.from_numpy(np.array(pixels, dtype=np.uint8)).permute(2, 0, 1).to(torch.float32) / 255.0


def jpeg_compress(image: torch.Tensor, quality: int) -> torch.Tensor:
    """Round-trip a [3,H,W] image through a baseline JPEG of the given quality (Pillow/libjpeg, 4:2:0)."""
    if not 1 <= quality <= 100:
        raise DataError("DATA_BAD_ARGUMENT", f"JPEG quality must be in 1..100, got {quality!r}")
    buffer = io.BytesIO()
    Image.fromarray(to_uint8(image)).save(buffer, format="JPEG", quality=int(quality))
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return from_uint8(np.asarray(decoded.convert("RGB")))


def random_jpeg(rng: np.random.Generator, image: torch.Tensor, quality_range: tuple[int, int]) -> torch.Tensor:
    """JPEG with a quality drawn uniformly from the inclusive range."""
    return jpeg_compress(image, int(rng.integers(quality_range[0], quality_range[1] + 1)))


def _round(rng: np.random.Generator, image: torch.Tensor, config: RoundConfig, base: tuple[int, int]) -> torch.Tensor:
    """Blur (with probability), resize and noise: the part both rounds share."""
    if rng.uniform() < config.blur_probability:
        image = blur(image, random_blur_kernel(rng, config.kernels))
    image = random_resize(rng, image, config, base)
    return random_noise(rng, image, config)


def degrade(
    hq: torch.Tensor, seed: int | np.random.Generator, config: DegradationConfig | None = None
) -> torch.Tensor:
    """Degrade a [3,H,W] HQ image in [0,1] (H and W divisible by `config.scale`) into its [3,H/s,W/s] LQ.

    The same integer seed always gives the same LQ, bit for bit; pass a Generator to chain draws across images.
    The result is quantised to 8-bit levels, like an image read from disk."""
    config = config or DegradationConfig()
    if hq.ndim != 3 or hq.shape[0] != 3:
        raise DataError("DATA_BAD_ARGUMENT", f"degrade expects a [3,H,W] RGB tensor, got shape {tuple(hq.shape)}")
    height, width = hq.shape[1:]
    if height % config.scale or width % config.scale:
        raise DataError(
            "DATA_BAD_ARGUMENT",
            f"HQ size {height}x{width} is not divisible by the scale {config.scale}; crop it to a multiple first",
        )
    rng = _as_generator(seed)
    lq_size = (height // config.scale, width // config.scale)
    image = hq.to(torch.float32).clamp(0.0, 1.0)

    image = _round(rng, image, config.first, (height, width))
    image = random_jpeg(rng, image, config.first.jpeg_quality_range)
    image = _round(rng, image, config.second, lq_size)

    if rng.uniform() < config.final_sinc_probability:
        final_kernel = random_sinc_kernel(rng, final=True)
    else:  # a unit pulse: the filter step becomes the identity but the step order stays the same
        final_kernel = np.zeros((MAX_KERNEL_SIZE, MAX_KERNEL_SIZE))
        final_kernel[MAX_KERNEL_SIZE // 2, MAX_KERNEL_SIZE // 2] = 1.0
    mode = str(rng.choice(RESIZE_MODES))
    if rng.uniform() < 0.5:  # resize + sinc, then JPEG
        image = blur(resize(image, lq_size, mode), final_kernel)
        image = random_jpeg(rng, image, config.second.jpeg_quality_range)
    else:  # JPEG, then resize + sinc
        image = random_jpeg(rng, image, config.second.jpeg_quality_range)
        image = blur(resize(image, lq_size, mode), final_kernel)
    return (image.clamp(0.0, 1.0) * 255.0).round() / 255.0
