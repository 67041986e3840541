"""The pixel-space reference teacher whose outputs the pixel cache stores: Real-ESRGAN converted from ncnn, or a seeded
random stand-in for smoke runs and tests. Either way its provenance says which, so a cache never passes random outputs
off as a teacher's.

Owns: `ReferenceTeacher` (module + provenance), `load_reference_teacher` and `upscale_uint8` (8-bit LQ -> 8-bit x4).
May import: torch, the standard library, `tinysr_train.reference` (architectures, converted-weights loader, the
converted-weights folder `tinysr-train reference convert` writes) and `.recipe`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from tinysr_train.reference.archs import SRVGGNetCompact
from tinysr_train.reference.command import DEFAULT_CONVERTED_DIR
from tinysr_train.reference.convert import load_converted

from .recipe import RANDOM_REFERENCE

# Small enough for a CI smoke run, same family as realesrgan-x4fast.
RANDOM_REFERENCE_CONFIG: dict[str, int] = {"num_feat": 16, "num_conv": 2, "upscale": 4}


@dataclass(frozen=True)
class ReferenceTeacher:
    module: nn.Module
    provenance: dict[str, Any]  # JSON values: model id, weights file and its sha256 (None for the random stand-in)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_reference_teacher(model: str, seed: int, converted_dir: Path = DEFAULT_CONVERTED_DIR) -> ReferenceTeacher:
    """`model` is a converted Real-ESRGAN id (weights `converted_dir/<model>.safetensors`; a missing file raises
    REFERENCE_FILE_MISSING naming `tinysr-train reference fetch` and `convert`) or `random-init` (seeded by `seed`)."""
    if model == RANDOM_REFERENCE:
        with torch.random.fork_rng(devices=[]):  # seed the initialisation without touching the caller's RNG
            torch.manual_seed(seed)
            module = SRVGGNetCompact(**RANDOM_REFERENCE_CONFIG)
        provenance = {
            "model": RANDOM_REFERENCE,
            "arch": "SRVGGNetCompact",
            "config": module.config,
            "seed": seed,
            "weights": None,
            "sha256": None,
            "note": "random weights: a stand-in for smoke runs and tests, not a reference teacher",
        }
        return ReferenceTeacher(module.eval(), provenance)
    path = converted_dir / f"{model}.safetensors"
    converted = load_converted(path)
    provenance = {
        "model": model,
        "arch": converted.arch,
        "config": converted.config,
        "weights": str(path),
        "sha256": file_sha256(path),
        "source": converted.source,
    }
    return ReferenceTeacher(converted.module.eval(), provenance)


@torch.inference_mode()
def upscale_uint8(module: nn.Module, lq: torch.Tensor) -> torch.Tensor:
    """uint8 [N,3,h,w] -> uint8 [N,3,4h,4w] on the module's device: clamped to [0, 1] and rounded, as Real-ESRGAN
    writes its outputs."""
    device = next(module.parameters()).device
    out = module(lq.to(device, torch.float32) / 255.0)
    return (out.clamp(0.0, 1.0) * 255.0).round().to(torch.uint8).cpu()
