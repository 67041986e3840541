"""`x4fast-features`: a feature-matching perceptual term on a frozen network we have real weights for.

No ImageNet network (VGG, AlexNet for LPIPS, DINO) can be obtained here, so this term compares the activations of the
first convolutions of Real-ESRGAN x4fast (SRVGGNetCompact, converted exactly from ncnn by `tinysr-train reference
convert --model realesrgan-x4fast`): filters trained on real photos to respond to edges, texture and noise. Both images
are 2x average-pooled first, which brings HR crops nearer the LR statistics x4fast was trained on and quarters the cost.
The distance is the mean L1 over the PReLU outputs after each of the first `layers` convolutions.
May import: torch, `.base`, `.errors` and tinysr_train.reference.convert (lazily).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .base import PerceptualLoss
from .errors import LossError

FEATURE_LAYERS = 4  # conv + PReLU pairs compared (of x4fast's 33)


class ReferenceFeatureL1(PerceptualLoss):
    def __init__(self, body: nn.ModuleList, layers: int, source: str) -> None:
        super().__init__(
            f"x4fast-features (substitute for LPIPS: no ImageNet weights here): L1 between the PReLU activations of "
            f"Real-ESRGAN x4fast's first {layers} convolutions ({source}), on 2x average-pooled images"
        )
        self.layers = nn.ModuleList(list(body)[: 2 * layers])
        self.freeze()

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        a, b = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
        total = x.new_zeros(())
        for index, layer in enumerate(self.layers):
            a, b = layer(a), layer(b)
            if index % 2:  # after each PReLU
                total = total + F.l1_loss(a, b)
        return total / (len(self.layers) // 2)

    @classmethod
    def from_file(cls, weights: str | None, layers: int = FEATURE_LAYERS) -> ReferenceFeatureL1:
        if not weights:
            raise LossError(
                "LOSS_WEIGHTS_MISSING",
                "x4fast-features needs the converted x4fast weights: set perceptual_weights to "
                ".cache/reference/realesrgan-x4fast.safetensors (made by `tinysr-train reference convert --model "
                "realesrgan-x4fast`)",
            )
        from tinysr_train.reference.convert import load_converted

        converted = load_converted(Path(weights))
        if converted.arch != "SRVGGNetCompact":
            raise LossError("LOSS_BAD_ARGUMENT", f"{weights}: x4fast-features needs SRVGGNetCompact, got {converted.arch}")
        return cls(converted.module.body, layers, Path(weights).name)  # type: ignore[arg-type]
