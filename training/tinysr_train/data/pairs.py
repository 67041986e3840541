"""LQ/HQ training pairs from any folder of photos, and the guard that keeps evaluation sets out of training.

Owns: `make_pairs` (random HQ crops -> `degrade` -> PNG pairs under `out/hq` and `out/lq`) and
`refuse_evaluation_set`. May import: numpy, torch, Pillow, the standard library and `.degrade` / `.errors`.

Pair k of image i is seeded by (seed, i, k), so a pair does not depend on how many pairs other images produced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .degrade import DegradationConfig, degrade, from_uint8, to_uint8
from .errors import DataError

PHOTO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"})
# Folder names of the benchmark sets we evaluate on (RealSR, DRealSR, Set5, Set14), matched as whole words so that
# "RealSR_V3", "RealSRv3" or "DRealSR-test" match and "dataset5" or "Set50" do not.
EVALUATION_SET_NAME = re.compile(r"(?:^|[^a-z0-9])(?:d?realsr|set5|set14)(?![0-9])", re.I)
# The folder next to an evaluation set's images holding the logged outputs of the reference method.
EVALUATION_MARKER = "osediff_reference"


@dataclass(frozen=True)
class Pair:
    """One written pair: the two PNG paths and where the HQ crop came from."""

    hq_path: Path
    lq_path: Path
    source: Path
    top: int
    left: int


def refuse_evaluation_set(folder: Path) -> None:
    """Raise DATA_EVALUATION_SET when `folder` is, or lies inside, an evaluation set."""
    resolved = folder.resolve()
    for part in resolved.parts:
        if EVALUATION_SET_NAME.search(part):
            raise DataError(
                "DATA_EVALUATION_SET",
                f"{folder} is inside the evaluation set folder {part!r}; training on it would leak the benchmark. "
                "Point make-pairs at a folder of training photos instead.",
            )
    for candidate in (resolved / EVALUATION_MARKER, resolved.parent / EVALUATION_MARKER):
        if candidate.exists():
            raise DataError(
                "DATA_EVALUATION_SET",
                f"{folder} looks like an evaluation set: {candidate} exists next to it. "
                "Point make-pairs at a folder of training photos instead.",
            )


def _photos(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)


def make_pairs(
    folder: str | Path,
    out: str | Path,
    seed: int,
    hq_size: int = 512,
    lq_size: int = 128,
    n_per_image: int = 1,
    config: DegradationConfig | None = None,
) -> list[Pair]:
    """Crop `n_per_image` random `hq_size` squares from every photo under `folder`, degrade each to `lq_size`, and
    write `out/hq/<stem>_<k>.png` and `out/lq/<stem>_<k>.png`. Photos smaller than `hq_size` are skipped.

    Returns the pairs written. Raises DataError: DATA_EVALUATION_SET, DATA_BAD_ARGUMENT, DATA_NO_IMAGES."""
    folder, out = Path(folder), Path(out)
    config = config or DegradationConfig()
    if hq_size <= 0 or n_per_image <= 0 or lq_size * config.scale != hq_size:
        raise DataError(
            "DATA_BAD_ARGUMENT",
            f"need hq_size = {config.scale} x lq_size and positive counts; got hq_size={hq_size}, "
            f"lq_size={lq_size}, n_per_image={n_per_image}",
        )
    if not folder.is_dir():
        raise DataError("DATA_NO_IMAGES", f"{folder} is not a folder; pass a folder of photos")
    refuse_evaluation_set(folder)
    photos = _photos(folder)
    (out / "hq").mkdir(parents=True, exist_ok=True)
    (out / "lq").mkdir(parents=True, exist_ok=True)
    pairs: list[Pair] = []
    for index, photo in enumerate(photos):
        with Image.open(photo) as opened:
            pixels = np.asarray(opened.convert("RGB"))
        height, width = pixels.shape[:2]
        if height < hq_size or width < hq_size:
            continue
        name = photo.relative_to(folder).with_suffix("").as_posix().replace("/", "__")
        for k in range(n_per_image):
            rng = np.random.default_rng([seed, index, k])
            top = int(rng.integers(0, height - hq_size + 1))
            left = int(rng.integers(0, width - hq_size + 1))
            hq = from_uint8(pixels[top : top + hq_size, left : left + hq_size])
            lq = degrade(hq, rng, config)
            pair = Pair(out / "hq" / f"{name}_{k:03d}.png", out / "lq" / f"{name}_{k:03d}.png", photo, top, left)
            Image.fromarray(to_uint8(hq)).save(pair.hq_path)
            Image.fromarray(to_uint8(lq)).save(pair.lq_path)
            pairs.append(pair)
    if not pairs:
        raise DataError(
            "DATA_NO_IMAGES",
            f"{folder} holds {len(photos)} photo(s) ({', '.join(sorted(PHOTO_SUFFIXES))}) and none is at least "
            f"{hq_size}x{hq_size}; add larger photos or lower hq_size",
        )
    return pairs
