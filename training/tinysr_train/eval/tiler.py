"""Tiled x-scale upscaling with the app's feathered blend, for models that take fixed-size tiles (TinySR: one LR tile
of `lr_tile` px) or bounded ones. A Python port of the app's plan (electron/core/tiling/plan.ts) and blend
(blend.ts), so an evaluated image is stitched the way the app stitches it.

Owns: tile placement ("evened" starts, a single centred tile on a short axis), reflect-padded extraction, the
raised-cosine seam weights with hard cuts of `margin` LR px, and accumulation. Knows nothing about models: the caller
passes `run(batch: B x 3 x t x t) -> B x 3 x st x st`, so the identity-like tests need no network.
May import: torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

TileRunner = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class AxisPlan:
    starts: tuple[int, ...]  # LR px; a start may be negative (reflect padding)
    weights: tuple[torch.Tensor, ...]  # per tile, HR weights along the axis (length tile * scale)


def _js_round(x: float) -> int:
    return math.floor(x + 0.5)  # JavaScript's Math.round, which the app's plan uses


def axis_starts(length: int, tile: int, overlap: int) -> tuple[int, ...]:
    """Fewest tiles covering `length` with at least `overlap` between neighbours, spread evenly (plan.ts)."""
    if length <= tile:
        pad_before = (tile - length) // 2
        return (-pad_before,)
    count = 1 + math.ceil((length - tile) / (tile - overlap))
    return tuple(_js_round(i * (length - tile) / (count - 1)) for i in range(count))


def _fade_in(x: torch.Tensor, ramp_start: float, ramp_width: float, centre: float) -> torch.Tensor:
    if ramp_width <= 0:
        return torch.where(x < centre, 0.0, torch.where(x > centre, 1.0, 0.5)).double()
    t = ((x - ramp_start) / ramp_width).clamp(0.0, 1.0)
    return torch.sin(math.pi / 2 * t) ** 2


def axis_plan(length: int, tile: int, scale: int, overlap: int, margin: int) -> AxisPlan:
    """Tile starts and blend weights of one axis; the weights of all tiles covering a pixel sum to 1 (blend.ts)."""
    starts = axis_starts(length, tile, overlap)
    centres = [((starts[i + 1] + starts[i] + tile) / 2) * scale for i in range(len(starts) - 1)]
    seams = []
    for i, centre in enumerate(centres):
        half = overlap * scale / 2
        if i > 0:
            half = min(half, (centre - centres[i - 1]) / 2)
        if i + 1 < len(centres):
            half = min(half, (centres[i + 1] - centre) / 2)
        cut = max(0.0, min(margin * scale, half - 0.5))
        seams.append((centre - half + cut, 2 * (half - cut), centre))
    weights = []
    for i, start in enumerate(starts):
        x = start * scale + torch.arange(tile * scale, dtype=torch.float64) + 0.5
        w = torch.ones_like(x)
        if i > 0:
            w = w * _fade_in(x, *seams[i - 1])
        if i < len(seams):
            w = w * (1 - _fade_in(x, *seams[i]))
        weights.append(w)
    return AxisPlan(starts, tuple(weights))


def _reflect(index: torch.Tensor, length: int) -> torch.Tensor:
    """numpy/PyTorch 'reflect' for any distance beyond the border (reflect.ts)."""
    if length == 1:
        return torch.zeros_like(index)
    period = 2 * (length - 1)
    m = index % period
    return torch.where(m < length, m, period - m)


def upscale_tiled(
    lr: torch.Tensor,
    run: TileRunner,
    *,
    tile: int,
    scale: int,
    overlap: int,
    margin: int | None = None,
    batch: int = 4,
) -> torch.Tensor:
    """1 x 3 x H x W LR in [0, 1] -> 1 x 3 x sH x sW: tiles of `tile` x `tile` LR px through `run`, blended."""
    if lr.ndim != 4 or lr.shape[0] != 1:
        raise ValueError(f"upscale_tiled takes one 1 x C x H x W image, got {tuple(lr.shape)}")
    if not 0 <= overlap < tile:
        raise ValueError(f"overlap must be in [0, tile={tile}), got {overlap}")
    margin = overlap // 4 if margin is None else margin
    if (overlap == 0 and margin != 0) or (overlap > 0 and 2 * margin >= overlap):
        raise ValueError(f"margin must satisfy 2 x margin < overlap ({overlap}), got {margin}")
    _, channels, height, width = lr.shape
    rows = axis_plan(height, tile, scale, overlap, margin)
    cols = axis_plan(width, tile, scale, overlap, margin)
    canvas = torch.zeros(channels, height * scale, width * scale, dtype=torch.float64)
    coverage = torch.zeros(1, height * scale, width * scale, dtype=torch.float64)
    grid = [(r, c) for r in range(len(rows.starts)) for c in range(len(cols.starts))]
    for first in range(0, len(grid), batch):
        chunk = grid[first : first + batch]
        tiles = []
        for r, c in chunk:
            ys = _reflect(torch.arange(rows.starts[r], rows.starts[r] + tile), height)
            xs = _reflect(torch.arange(cols.starts[c], cols.starts[c] + tile), width)
            tiles.append(lr[0][:, ys][:, :, xs])
        outputs = run(torch.stack(tiles))
        for (r, c), out in zip(chunk, outputs, strict=True):
            weight = rows.weights[r][:, None] * cols.weights[c][None, :]
            y0, x0 = rows.starts[r] * scale, cols.starts[c] * scale
            ya, xa = max(0, y0), max(0, x0)
            yb, xb = min(height * scale, y0 + tile * scale), min(width * scale, x0 + tile * scale)
            window = (slice(ya - y0, yb - y0), slice(xa - x0, xb - x0))
            canvas[:, ya:yb, xa:xb] += out.double()[:, window[0], window[1]] * weight[window]
            coverage[:, ya:yb, xa:xb] += weight[window]
    # The weights are a partition of unity (blend.ts); dividing only removes float rounding of the ramps.
    return (canvas / coverage).unsqueeze(0).to(lr.dtype)
