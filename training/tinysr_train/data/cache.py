"""The training cache every later stage reads: LQ/HQ pairs with the reference teacher's outputs (`pixels.pt`) and their
teacher latents (`latents.pt`), held fully in memory (paper appendix A: inputs and teacher outputs are pre-encoded).

Owns: the cache's file names and layout and `PairCache` (load, index, sample).
May import: torch, the standard library and `.errors`. `cache_build` writes what this module reads.

Layout under `paths.cache` (written by `tinysr-train data cache --what pixels|latents`):
- `pixels.pt`: {"names": [str] * N, "lq": uint8 [N,3,h,w], "hq": uint8 [N,3,4h,4w], "ref": uint8 [N,3,4h,4w]}
  (ref = the reference teacher's output for lq).
- `latents.pt`: {"names", "lq": fp16 [N,16,l,l] = `teacher_latent.encode_lq(teacher, lq)` (encoder of bicubic x4),
  "hq": fp16 = teacher.encode(hq), "teacher": fp16 = teacher.denoise(lq latent), "provenance": {...}}.
- `cache-meta.json`: counts, config hash, the reference model and its weights' sha256, the teacher checkpoint.
Every stage samples batches the same way: `sample_indices(generator, batch)`, uniform with replacement.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from .errors import DataError

PIXELS_FILE = "pixels.pt"
LATENTS_FILE = "latents.pt"
META_FILE = "cache-meta.json"
PIXEL_KEYS = ("lq", "hq", "ref")
LATENT_KEYS = ("lq", "hq", "teacher")


def _load(path: Path, keys: tuple[str, ...], command: str) -> dict[str, Any]:
    if not path.is_file():
        raise DataError("DATA_CACHE_MISSING", f"{path} does not exist; run `{command}` first")
    content = torch.load(path, map_location="cpu", weights_only=True)
    missing = [key for key in ("names", *keys) if key not in content]
    if missing:
        raise DataError(
            "DATA_CACHE_STALE", f"{path} lacks {', '.join(missing)}; delete it and run `{command}` to rebuild it"
        )
    return content


class PairCache:
    """The cache in memory. `pixels(idx)` and `latents(idx)` take indices (a LongTensor or a list) and return CPU
    float tensors (pixels in [0, 1]); move them to the training device yourself."""

    def __init__(
        self, cache_dir: Path, names: list[str], pixels: dict[str, torch.Tensor], latents: dict[str, torch.Tensor] | None
    ) -> None:
        self.cache_dir = cache_dir
        self.names = names
        self._pixels = pixels
        self._latents = latents

    @classmethod
    def load(cls, cache_dir: str | Path) -> PairCache:
        """Read `pixels.pt` (required) and `latents.pt` (if built) from `cache_dir`."""
        cache_dir = Path(cache_dir)
        pixels = _load(cache_dir / PIXELS_FILE, PIXEL_KEYS, "tinysr-train data cache --config FILE --what pixels")
        names = list(pixels["names"])
        latents = None
        if (cache_dir / LATENTS_FILE).is_file():
            command = "tinysr-train data cache --config FILE --what latents"
            loaded = _load(cache_dir / LATENTS_FILE, LATENT_KEYS, command)
            if list(loaded["names"]) != names:
                raise DataError(
                    "DATA_CACHE_STALE",
                    f"{cache_dir / LATENTS_FILE} was built from other pairs than {cache_dir / PIXELS_FILE}; "
                    f"delete it and run `{command}`",
                )
            latents = {key: loaded[key] for key in LATENT_KEYS}
        return cls(cache_dir, names, {key: pixels[key] for key in PIXEL_KEYS}, latents)

    def __len__(self) -> int:
        return len(self.names)

    @property
    def has_latents(self) -> bool:
        return self._latents is not None

    def pixels(self, indices: torch.Tensor | Sequence[int]) -> dict[str, torch.Tensor]:
        """{"lq": [B,3,h,w], "hq": [B,3,4h,4w], "ref": [B,3,4h,4w]} float32 in [0, 1]."""
        return {key: self._pixels[key][indices].to(torch.float32) / 255.0 for key in PIXEL_KEYS}

    def latents(self, indices: torch.Tensor | Sequence[int]) -> dict[str, torch.Tensor]:
        """{"lq", "hq", "teacher"}: float32 [B,16,l,l] (stored as fp16)."""
        if self._latents is None:
            raise DataError(
                "DATA_CACHE_MISSING",
                f"{self.cache_dir / LATENTS_FILE} does not exist; it needs the trained latent teacher: run "
                "`tinysr-train data cache --config FILE --what latents` after `tinysr-train teacher-latent`",
            )
        return {key: self._latents[key][indices].to(torch.float32) for key in LATENT_KEYS}

    def sample_indices(self, generator: torch.Generator, batch: int) -> torch.Tensor:
        """`batch` indices drawn uniformly with replacement from `generator` (a CPU generator, e.g. the stage runner's
        per-step one, so a resumed run draws the same batches)."""
        return torch.randint(len(self), (batch,), generator=generator)
