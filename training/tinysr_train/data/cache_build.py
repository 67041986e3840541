"""Building the training cache that `cache.PairCache` reads: the pixel cache (pairs + the reference teacher's outputs)
and the latent cache (the trained latent teacher's encodings and outputs), each once, batched, on any device.

Owns: `build_pixel_cache`, `build_latent_cache`, the `cache-meta.json` record and the rules that make a rerun resume:
a cache whose record matches what would be built is kept ("nothing to do"); one built from other pairs, another reference
or another teacher is refused (DATA_CACHE_STALE) rather than silently mixed or overwritten. Rebuilding the pixel cache
removes the latent cache, which was computed from it.
May import: torch, numpy, Pillow, tqdm, the standard library, this package's `.cache`, `.errors`, `tinysr_train.atomic`,
`.reference_teacher`, and `tinysr_train.train.teacher_latent.encode_lq` (the one definition of the teacher's input),
the latter inside `build_latent_cache` only: the pixel cache needs neither diffusers nor accelerate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from tinysr_train.atomic import atomic_write
from .cache import LATENT_KEYS, LATENTS_FILE, META_FILE, PIXELS_FILE
from .errors import DataError
from .pairs import SETTINGS_FILE
from .reference_teacher import ReferenceTeacher, upscale_uint8

if TYPE_CHECKING:
    from tinysr_train.models import TSDSRTeacher

CACHE_FORMAT = "tinysr-cache/1"


@dataclass(frozen=True)
class CacheOutcome:
    path: Path
    count: int
    built: bool  # False: an up-to-date cache was already there


def pair_names(pairs_dir: Path) -> list[str]:
    """Sorted file names present in both `pairs_dir/hq` and `pairs_dir/lq`; DATA_NO_PAIRS if none or one is unmatched."""
    hq = {p.name for p in (pairs_dir / "hq").glob("*.png")}
    lq = {p.name for p in (pairs_dir / "lq").glob("*.png")}
    if not hq:
        raise DataError(
            "DATA_NO_PAIRS", f"{pairs_dir}/hq holds no PNG pairs; run `tinysr-train data pairs --config FILE` first"
        )
    if hq != lq:
        unmatched = sorted(hq ^ lq)
        raise DataError(
            "DATA_NO_PAIRS",
            f"{pairs_dir}: {len(unmatched)} image(s) lack their partner in hq/ or lq/ (first: {unmatched[0]}); "
            "rerun `tinysr-train data pairs` to complete them",
        )
    return sorted(hq)


def _read_stack(folder: Path, names: list[str]) -> torch.Tensor:
    """uint8 [N,3,H,W] from equally sized RGB PNGs."""
    arrays = []
    for name in names:
        with Image.open(folder / name) as opened:
            arrays.append(np.asarray(opened.convert("RGB")))
    sizes = {array.shape for array in arrays}
    if len(sizes) != 1:
        raise DataError("DATA_NO_PAIRS", f"{folder}: the images differ in size ({sorted(sizes)}); remake the pairs")
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()


def _names_sha256(names: list[str]) -> str:
    return hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest()


def read_meta(cache_dir: Path) -> dict[str, Any]:
    path = cache_dir / META_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"format": CACHE_FORMAT}


def _write_meta(cache_dir: Path, meta: Mapping[str, Any]) -> None:
    text = json.dumps(meta, indent=2, sort_keys=True) + "\n"
    atomic_write(cache_dir / META_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _save(path: Path, content: Mapping[str, Any]) -> None:
    atomic_write(path, lambda tmp: torch.save(dict(content), tmp))


def _up_to_date(cache_dir: Path, file: str, record: Mapping[str, Any] | None, identity: Mapping[str, Any]) -> bool:
    """True if `file` exists with a record matching `identity`; DATA_CACHE_STALE if its record says otherwise."""
    if record is None or not (cache_dir / file).is_file():
        return False
    differing = sorted(key for key in identity if record.get(key) != identity[key])
    if differing:
        raise DataError(
            "DATA_CACHE_STALE",
            f"{cache_dir / file} was built from other inputs (differing: {', '.join(differing)}; see "
            f"{cache_dir / META_FILE}); delete it to rebuild it from the current ones",
        )
    return True


def _run_batched(
    count: int, batch_size: int, desc: str, fn: Callable[[slice], dict[str, torch.Tensor]]
) -> dict[str, torch.Tensor]:
    """Calls `fn` on consecutive index slices (with a progress bar) and concatenates each output key."""
    parts: dict[str, list[torch.Tensor]] = {}
    for index in tqdm(range(0, count, batch_size), desc=desc, unit="batch", total=-(-count // batch_size)):
        for key, value in fn(slice(index, min(index + batch_size, count))).items():
            parts.setdefault(key, []).append(value)
    return {key: torch.cat(values) for key, values in parts.items()}


def build_pixel_cache(
    pairs_dir: Path,
    cache_dir: Path,
    reference: ReferenceTeacher,
    *,
    batch_size: int,
    device: str | torch.device,
    config_hash: str | None,
) -> CacheOutcome:
    """Read every pair under `pairs_dir`, run `reference` on each LQ, write `cache_dir/pixels.pt` and its record."""
    names = pair_names(pairs_dir)
    # What decides the outputs; the weights' path is left out, so a moved checkout keeps its cache.
    reference_id = {key: reference.provenance.get(key) for key in ("model", "sha256", "seed", "config")}
    identity = {"names_sha256": _names_sha256(names), "reference_id": reference_id}
    meta = read_meta(cache_dir)
    target = cache_dir / PIXELS_FILE
    if _up_to_date(cache_dir, PIXELS_FILE, meta.get("pixels"), identity):
        return CacheOutcome(target, len(names), built=False)
    lq, hq = _read_stack(pairs_dir / "lq", names), _read_stack(pairs_dir / "hq", names)
    if hq.shape[-2:] != (4 * lq.shape[-2], 4 * lq.shape[-1]):
        raise DataError("DATA_NO_PAIRS", f"{pairs_dir}: HQ {tuple(hq.shape[-2:])} is not 4 x LQ {tuple(lq.shape[-2:])}")
    module = reference.module.to(device)
    ref = _run_batched(len(names), batch_size, "reference", lambda part: {"ref": upscale_uint8(module, lq[part])})["ref"]
    _save(target, {"names": names, "lq": lq, "hq": hq, "ref": ref})
    (cache_dir / LATENTS_FILE).unlink(missing_ok=True)  # computed from the previous pixel cache
    settings = pairs_dir / SETTINGS_FILE
    meta = {
        "format": CACHE_FORMAT,
        "pixels": {
            **identity,
            "reference": reference.provenance,
            "count": len(names),
            "lq_size": list(lq.shape[-2:]),
            "hq_size": list(hq.shape[-2:]),
            "pairs": str(pairs_dir),
            "pairs_settings": json.loads(settings.read_text(encoding="utf-8")) if settings.is_file() else None,
            "config_hash": config_hash,
        },
    }
    _write_meta(cache_dir, meta)
    return CacheOutcome(target, len(names), built=True)


def build_latent_cache(
    cache_dir: Path,
    teacher: TSDSRTeacher,
    *,
    batch_size: int,
    device: str | torch.device,
    teacher_provenance: Mapping[str, Any],
    config_hash: str | None,
) -> CacheOutcome:
    """Encode the pixel cache with the trained latent teacher and write `cache_dir/latents.pt` (fp16) and its record.

    The teacher's output is computed from the fp16-rounded LQ latent, the exact input a student later reads."""
    from tinysr_train.train.teacher_latent import encode_lq

    meta = read_meta(cache_dir)
    pixels_path = cache_dir / PIXELS_FILE
    if "pixels" not in meta or not pixels_path.is_file():
        raise DataError(
            "DATA_CACHE_MISSING",
            f"{pixels_path} does not exist; run `tinysr-train data cache --config FILE --what pixels` first",
        )
    identity = {"names_sha256": meta["pixels"]["names_sha256"], "teacher": dict(teacher_provenance)}
    target = cache_dir / LATENTS_FILE
    count = int(meta["pixels"]["count"])
    if _up_to_date(cache_dir, LATENTS_FILE, meta.get("latents"), identity):
        return CacheOutcome(target, count, built=False)
    pixels = torch.load(pixels_path, map_location="cpu", weights_only=True)
    teacher = teacher.to(device).eval()

    @torch.inference_mode()
    def encode(part: slice) -> dict[str, torch.Tensor]:
        lq = pixels["lq"][part].to(device, torch.float32) / 255.0
        hq = pixels["hq"][part].to(device, torch.float32) / 255.0
        lq_latent = encode_lq(teacher, lq).half()
        return {
            "lq": lq_latent.cpu(),
            "hq": teacher.encode(hq * 2.0 - 1.0).half().cpu(),
            "teacher": teacher.denoise(lq_latent.float()).half().cpu(),
        }

    latents = _run_batched(count, batch_size, "latents", encode)
    provenance = {**identity, "config_hash": config_hash, "dtype": "float16"}
    _save(target, {"names": pixels["names"], **{key: latents[key] for key in LATENT_KEYS}, "provenance": provenance})
    meta["latents"] = {**provenance, "count": count, "latent_shape": list(latents["lq"].shape[1:])}
    _write_meta(cache_dir, meta)
    return CacheOutcome(target, count, built=True)
