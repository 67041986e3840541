"""Conversion check on real photos: does the converted network behave like Real-ESRGAN on real images?

Owns: per-image measurements for a converted x4 model: (a) consistency, PSNR between the 4x box-downscaled output and
the input (a correct conversion keeps image structure, a scrambled one does not); (b) when a ground-truth folder is
given, PSNR on the Y channel against HR: the training side's one PSNR-Y, `tinysr_train.eval.metrics.psnr_y` (pyiqa's
`psnr`: BT.601 studio-swing Y, [0,1], no border crop), so it can be compared with published Real-ESRGAN numbers;
(c) optionally the max |module - ncnn graph| on the photo itself.
Used by the `reference check` command and the report; never by tests (they must not read ../shared/data).
May import: numpy, pillow, torch, `.ncnn_model`, `tinysr_train.eval.metrics`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor, nn

from tinysr_train.eval import metrics

from .ncnn_model import NcnnModel

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


@dataclass(frozen=True)
class PhotoResult:
    image: str
    lr_size: tuple[int, int]
    consistency_psnr: float  # RGB PSNR(box_down_x4(output), input)
    psnr_y: float | None  # vs HR, pyiqa convention
    bicubic_psnr_y: float | None  # bicubic x4 vs HR, for scale
    graph_max_abs_error: float | None  # module vs ncnn graph on this photo


def read_rgb(path: Path, max_side: int | None = None) -> Tensor:
    """1 x 3 x H x W float in [0,1]; `max_side` crops the top-left corner to bound CPU time."""
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        if max_side is not None:
            rgb = rgb.crop((0, 0, min(rgb.width, max_side), min(rgb.height, max_side)))
        array = np.array(rgb, dtype=np.float32) / 255.0
    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0)


def quantise(x: Tensor) -> Tensor:
    """What an app writes to an 8-bit file: clamp to [0,1] and round to 1/255."""
    return torch.round(x.clamp(0, 1) * 255.0) / 255.0


def psnr(a: Tensor, b: Tensor) -> float:
    mse = float(((a.double() - b.double()) ** 2).mean())
    return 10.0 * math.log10(1.0 / (mse + 1e-8))


def psnr_y(a: Tensor, b: Tensor) -> float:
    """PSNR-Y in dB of two 1 x 3 x H x W images in [0,1]: `eval.metrics.psnr_y` (the one definition), as a float."""
    return float(metrics.psnr_y(a, b)[0])


def check_photo(
    module: nn.Module,
    lr_path: Path,
    *,
    scale: int,
    hr_path: Path | None = None,
    ncnn_model: NcnnModel | None = None,
    max_side: int | None = None,
    save_dir: Path | None = None,
) -> PhotoResult:
    """Measure one photo; with `save_dir`, also write the 8-bit output there as PNG (same stem) for other tools."""
    x = read_rgb(lr_path, max_side)
    with torch.no_grad():
        raw = module(x)
    out = quantise(raw)
    if save_dir is not None:
        save_dir.mkdir(parents=True, exist_ok=True)
        pixels = (out[0].permute(1, 2, 0).numpy() * 255.0).round().astype(np.uint8)
        Image.fromarray(pixels).save(save_dir / f"{lr_path.stem}.png")
    consistency = psnr(F.avg_pool2d(out, scale), x)
    graph_error = float((raw - ncnn_model.evaluate(x)).abs().max()) if ncnn_model is not None else None
    score = bicubic_score = None
    if hr_path is not None:
        hr = read_rgb(hr_path, None if max_side is None else max_side * scale)
        bicubic = quantise(F.interpolate(x, scale_factor=scale, mode="bicubic", align_corners=False))
        score, bicubic_score = psnr_y(out, hr), psnr_y(bicubic, hr)
    return PhotoResult(lr_path.name, (x.shape[3], x.shape[2]), consistency, score, bicubic_score, graph_error)


def list_images(folder: Path, limit: int | None) -> list[Path]:
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    return paths[:limit] if limit is not None else paths
