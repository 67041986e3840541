"""The end-to-end TinySR tile pipeline that ONNX export traces: LR tile in [0, 1] -> x4 HR tile in [0, 1].

Owns the composition bicubic x4 -> tiny encoder -> student -> `latent - prediction` -> tiny decoder -> clamp.
No colour fix here: the app applies it once on the whole stitched image.
Imports torch, the registry and the model modules.
"""

from __future__ import annotations

import torch
from torch import nn

from ..registry import ModelConfig
from .errors import TileSizeError
from .lr_input import SCALE, vae_input
from .student import TinySRTransformer, build_student
from .teacher import TSDSRTeacher
from .tiny_vae import TinyVAE, build_tiny_vae


class TinySRPipeline(nn.Module):
    """forward(lr: N x 3 x t x t in [0, 1], t = config.lr_tile) -> N x 3 x 4t x 4t in [0, 1]."""

    def __init__(self, student: TinySRTransformer, tiny_vae: TinyVAE) -> None:
        super().__init__()
        self.student = student
        self.tiny_vae = tiny_vae

    @property
    def config(self) -> ModelConfig:
        return self.student.config

    def cache(self) -> TinySRPipeline:
        """Freeze the student's modulation into constants (the export-time step); returns self."""
        self.student.cache()
        return self

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        tile = self.config.lr_tile
        if lr.ndim != 4 or tuple(lr.shape[1:]) != (3, tile, tile):
            raise TileSizeError(
                f"TinySRPipeline ({self.config.name}) takes N x 3 x {tile} x {tile} LR tiles in [0, 1]; "
                f"got shape {tuple(lr.shape)}. Tile the image into {tile} px LR tiles first."
            )
        hr_side = SCALE * tile
        image = vae_input(lr, (hr_side, hr_side))
        latent = self.tiny_vae.encode(image)
        restored = latent - self.student(latent)  # one step from t=1000 (sigma = 1)
        return ((self.tiny_vae.decode(restored) + 1.0) * 0.5).clamp(0.0, 1.0)


def build_pipeline(
    cfg: ModelConfig, teacher: TSDSRTeacher | None = None, device: str | torch.device = "cpu"
) -> TinySRPipeline:
    """Student (from `teacher` when given, else random) + a randomly initialised tiny VAE of `cfg.tiny_vae`."""
    return TinySRPipeline(build_student(cfg, teacher, device), build_tiny_vae(cfg.tiny_vae, device))
