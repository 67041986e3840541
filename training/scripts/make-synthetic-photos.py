"""Writes a few small synthetic "photos" (smooth gradients, edges, texture, text-like strokes) for the CI smoke run of
scripts/train-small.sh, so the whole recipe runs without the shared training photos. Deterministic.
usage: python scripts/make-synthetic-photos.py OUT_DIR [--count 3] [--size 600]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def synthetic_photo(seed: int, size: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    base = np.stack([x, y, 1 - x * y], axis=-1) * rng.uniform(0.4, 0.9, size=3)
    texture = rng.normal(0, 0.04, size=(size // 8, size // 8, 3)).repeat(8, 0).repeat(8, 1)
    image = Image.fromarray((np.clip(base + texture, 0, 1) * 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.integers(0, size, 2)
        x1, y1 = rng.integers(0, size, 2)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        draw.line((int(x0), int(y0), int(x1), int(y1)), fill=colour, width=int(rng.integers(1, 6)))
    return image


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--size", type=int, default=600)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for index in range(args.count):
        target = args.out / f"synthetic-{index}.png"
        if not target.exists():
            synthetic_photo(index, args.size).save(target)
    print(f"{args.count} synthetic photos in {args.out}")


if __name__ == "__main__":
    main()
