"""LQ/HQ training pairs from any folder of photos, and the guard that keeps evaluation sets out of training.

Owns: `make_pairs` (random HQ crops -> optional USM sharpening -> `degrade` -> PNG pairs under `out/hq` and
`out/lq`, one worker process per photo at a time), the settings record `out/pairs.json` that makes a rerun resume
safely, and `refuse_evaluation_set`. May import: numpy, torch, Pillow, tqdm, the standard library and this package's
`.degrade`, `.sharpen`, `.errors`, `tinysr_train.atomic`.

Pair k of image i is seeded by (seed, i, k), so a pair does not depend on how many pairs other images produced, nor on
which worker made it: any number of workers writes the same files, bit for bit. Each PNG is written atomically, so a
pair whose two files exist is complete and a rerun skips it; `pairs.json` refuses a rerun with other settings.

USM: Real-ESRGAN trains on the unsharp-masked GT and synthesises the LQ from that same sharpened GT
(`realesrgan_model.py`, `feed_data`: `gt_usm = usm_sharpener(gt)`, then `filter2D(gt_usm, kernel1)`), so with
`usm` the HQ written and the image degraded are both the sharpened crop.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from tinysr_train.atomic import atomic_write
from .camera import CameraDegradationConfig, camera_degrade
from .degrade import DegradationConfig, degrade, from_uint8, to_uint8

# The degradation models a recipe may choose by name (`data.degradation`).
DEGRADATIONS = {"realesrgan": DegradationConfig, "camera": CameraDegradationConfig}
AnyDegradation = DegradationConfig | CameraDegradationConfig
from .errors import DataError
from .sharpen import usm_sharpen

PHOTO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"})
# Folder names of the benchmark sets we evaluate on (RealSR, DRealSR, Set5, Set14), matched as whole words so that
# "RealSR_V3", "RealSRv3" or "DRealSR-test" match and "dataset5" or "Set50" do not.
EVALUATION_SET_NAME = re.compile(r"(?:^|[^a-z0-9])(?:d?realsr|set5|set14)(?![0-9])", re.I)
# The folder next to an evaluation set's images holding the logged outputs of the reference method.
EVALUATION_MARKER = "osediff_reference"
SETTINGS_FILE = "pairs.json"
SETTINGS_FORMAT = "tinysr-pairs/1"


@dataclass(frozen=True)
class Pair:
    """One pair: the two PNG paths, where the HQ crop came from, and whether this call wrote it (False: a rerun found
    it already there)."""

    hq_path: Path
    lq_path: Path
    source: Path
    top: int
    left: int
    written: bool = True


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


def _image_size(photo: Path) -> tuple[int, int]:
    with Image.open(photo) as opened:  # reads the header only
        return opened.size


def _pair_stem(folder: Path, photo: Path) -> str:
    return photo.relative_to(folder).with_suffix("").as_posix().replace("/", "__")


@dataclass(frozen=True)
class _PhotoJob:
    """Everything one worker needs to make (or find) one photo's pairs; picklable. `index` is the photo's place in the
    sorted list of all photos (the seed), not in the list of jobs."""

    index: int
    photo: Path
    name: str
    out: Path
    seed: int
    hq_size: int
    n_per_image: int
    usm: bool
    config: AnyDegradation


def _save_png(pixels: np.ndarray, path: Path) -> None:
    atomic_write(path, lambda tmp: Image.fromarray(pixels).save(tmp, format="PNG"))


def _pairs_of_photo(job: _PhotoJob) -> list[Pair]:
    """The photo's pairs, writing those not already on disk."""
    size = job.hq_size
    with Image.open(job.photo) as opened:
        width, height = opened.size
        names = [f"{job.name}_{k:03d}.png" for k in range(job.n_per_image)]
        missing = [not ((job.out / "hq" / n).is_file() and (job.out / "lq" / n).is_file()) for n in names]
        pixels = np.asarray(opened.convert("RGB")) if any(missing) else None
    pairs: list[Pair] = []
    for k, (name, write) in enumerate(zip(names, missing, strict=True)):
        rng = np.random.default_rng([job.seed, job.index, k])
        top = int(rng.integers(0, height - size + 1))
        left = int(rng.integers(0, width - size + 1))
        pair = Pair(job.out / "hq" / name, job.out / "lq" / name, job.photo, top, left, written=write)
        if write and pixels is not None:
            hq = from_uint8(pixels[top : top + size, left : left + size])
            if job.usm:
                hq = usm_sharpen(hq)
            if isinstance(job.config, CameraDegradationConfig):
                lq = camera_degrade(hq, rng, job.config)
            else:
                lq = degrade(hq, rng, job.config)
            _save_png(to_uint8(lq), pair.lq_path)
            _save_png(to_uint8(hq), pair.hq_path)
        pairs.append(pair)
    return pairs


def _one_thread() -> None:
    # Workers share the machine's cores; more intra-op threads per worker only oversubscribe them.
    torch.set_num_threads(1)


def _settings(folder: Path, photos: list[Path], job: _PhotoJob, lq_size: int) -> dict[str, Any]:
    """The record of everything that decides the pairs' pixels (`job`: any job of this call), as plain JSON values."""
    record = {
        "format": SETTINGS_FORMAT,
        "photos": [p.relative_to(folder).as_posix() for p in photos],
        "seed": job.seed,
        "hq_size": job.hq_size,
        "lq_size": lq_size,
        "per_image": job.n_per_image,
        "usm": job.usm,
        "degradation": dataclasses.asdict(job.config),
    }
    return json.loads(json.dumps(record))  # tuples -> lists, so it compares equal to what is read back


def _claim_output(out: Path, settings: dict[str, Any]) -> None:
    """Write `out/pairs.json`, or check that the one there matches: resuming into a folder made with other settings
    would mix two data sets."""
    record = out / SETTINGS_FILE
    if record.is_file():
        stored = json.loads(record.read_text(encoding="utf-8"))
        differing = sorted(k for k in settings.keys() | stored.keys() if settings.get(k) != stored.get(k))
        if differing:
            raise DataError(
                "DATA_PAIRS_MISMATCH",
                f"{out} holds pairs made with other settings (differing: {', '.join(differing)}; see {record}); "
                "write to a new folder, or delete this one to remake it",
            )
        return
    if (out / "hq").is_dir() and any((out / "hq").iterdir()):
        raise DataError(
            "DATA_PAIRS_MISMATCH",
            f"{out}/hq holds images but no {SETTINGS_FILE} says how they were made; write to a new folder, or delete "
            "this one to remake it",
        )
    text = json.dumps(settings, indent=2, sort_keys=True) + "\n"
    atomic_write(record, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def make_pairs(
    folder: str | Path,
    out: str | Path,
    seed: int,
    hq_size: int = 512,
    lq_size: int = 128,
    n_per_image: int = 1,
    config: AnyDegradation | None = None,
    *,
    usm: bool = True,
    workers: int = 1,
) -> list[Pair]:
    """Crop `n_per_image` random `hq_size` squares from every photo under `folder`, USM-sharpen each (if `usm`),
    degrade it to `lq_size`, and write `out/hq/<stem>_<k>.png` and `out/lq/<stem>_<k>.png`. Photos smaller than
    `hq_size` are skipped; pairs already on disk are kept (see the module docstring). `workers` > 1 makes the photos in
    that many processes; the files are the same as with one.

    Returns every pair (`written` says which this call made). Raises DataError: DATA_EVALUATION_SET,
    DATA_BAD_ARGUMENT, DATA_NO_IMAGES, DATA_PAIRS_MISMATCH."""
    folder, out = Path(folder), Path(out)
    config = config or DegradationConfig()
    if hq_size <= 0 or n_per_image <= 0 or workers <= 0 or lq_size * config.scale != hq_size:
        raise DataError(
            "DATA_BAD_ARGUMENT",
            f"need hq_size = {config.scale} x lq_size and positive counts; got hq_size={hq_size}, "
            f"lq_size={lq_size}, n_per_image={n_per_image}, workers={workers}",
        )
    if not folder.is_dir():
        raise DataError("DATA_NO_IMAGES", f"{folder} is not a folder; pass a folder of photos")
    refuse_evaluation_set(folder)
    photos = _photos(folder)
    jobs = [
        _PhotoJob(index, photo, _pair_stem(folder, photo), out, seed, hq_size, n_per_image, usm, config)
        for index, photo in enumerate(photos)
        if min(_image_size(photo)) >= hq_size
    ]
    if not jobs:
        raise DataError(
            "DATA_NO_IMAGES",
            f"{folder} holds {len(photos)} photo(s) ({', '.join(sorted(PHOTO_SUFFIXES))}) and none is at least "
            f"{hq_size}x{hq_size}; add larger photos or lower hq_size",
        )
    _claim_output(out, _settings(folder, photos, jobs[0], lq_size))
    (out / "hq").mkdir(parents=True, exist_ok=True)
    (out / "lq").mkdir(parents=True, exist_ok=True)
    progress = {"total": len(jobs), "desc": "pairs", "unit": "photo"}
    if workers == 1 or len(jobs) <= 1:
        per_photo = [_pairs_of_photo(job) for job in tqdm(jobs, **progress)]
    else:  # spawn, not fork: a forked child of a process that already ran torch's thread pool can deadlock
        with multiprocessing.get_context("spawn").Pool(min(workers, len(jobs)), initializer=_one_thread) as pool:
            per_photo = list(tqdm(pool.imap(_pairs_of_photo, jobs), **progress))
    return [pair for found in per_photo for pair in found]
