"""`lpips-alex`: LPIPS v0.1 (Zhang et al. 2018) on ImageNet AlexNet, rebuilt here and loaded from the real weight files.

Owns the AlexNet feature stack (module names and indices of torchvision's `alexnet().features`, so its state dict
loads as is), the five linear heads, and the LPIPS computation: inputs mapped [0, 1] -> [-1, 1] -> LPIPS' scaling
layer; features after each of AlexNet's five ReLUs, unit-normalised over channels; squared differences weighted by a
1x1 conv per layer, averaged over space and summed over layers. Only the weights come from files:
- the backbone: torchvision's ImageNet AlexNet state dict (`alexnet-owt-7be5be79.pth`; `features.*` keys are used);
- the heads: LPIPS v0.1's `alex.pth` (keys `lin0.model.1.weight` ... `lin4.model.1.weight`, each 1 x C x 1 x 1).
Neither is obtainable on this machine; without them `build_perceptual('lpips-alex')` fails with LOSS_WEIGHTS_MISSING.
May import: torch, the standard library and this package's base and errors.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .base import PerceptualLoss
from .errors import LossError

LPIPS_ALEXNET_FILE = "alexnet-owt-7be5be79.pth"  # torchvision's ImageNet AlexNet
LPIPS_LINEAR_FILE = "alex.pth"  # lpips/weights/v0.1/alex.pth
LPIPS_CHANNELS = (64, 192, 384, 256, 256)
# Indices into `features` after which LPIPS taps AlexNet (the outputs of relu1 ... relu5).
_TAPS = (1, 4, 7, 9, 11)
# LPIPS' ScalingLayer: (x - shift) / scale on [-1, 1] inputs.
_SHIFT = (-0.030, -0.088, -0.188)
_SCALE = (0.458, 0.448, 0.450)
_NORM_EPS = 1e-10
WEIGHTS_HINT = (
    f"lpips-alex needs two files: torchvision's ImageNet AlexNet state dict ({LPIPS_ALEXNET_FILE}) and LPIPS v0.1's "
    f"linear heads ({LPIPS_LINEAR_FILE}, from the lpips package's weights/v0.1/). Pass them as "
    f"'BACKBONE.pth,HEADS.pth' or as a folder holding both under those names; or choose the 'gradient-l1' substitute."
)


def alexnet_features() -> nn.Sequential:
    """torchvision's AlexNet `features` (same indices, so `features.N.weight` keys load), without in-place ReLUs."""
    return nn.Sequential(
        nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(64, 192, kernel_size=5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(192, 384, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(256, 256, kernel_size=3, padding=1),
        nn.ReLU(),
    )


def lpips_weight_files(weights: str | None) -> tuple[Path, Path]:
    """(backbone, heads) from 'BACKBONE,HEADS' or a folder; LOSS_WEIGHTS_MISSING unless both files exist."""
    if not weights:
        raise LossError("LOSS_WEIGHTS_MISSING", f"no weights given. {WEIGHTS_HINT}")
    if "," in weights:
        first, _, second = weights.partition(",")
        files = (Path(first.strip()), Path(second.strip()))
    else:
        folder = Path(weights)
        files = (folder / LPIPS_ALEXNET_FILE, folder / LPIPS_LINEAR_FILE)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise LossError("LOSS_WEIGHTS_MISSING", f"missing {', '.join(missing)}. {WEIGHTS_HINT}")
    return files


def _read_state(path: Path) -> dict[str, torch.Tensor]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises pickle, zip and runtime errors for foreign or damaged files
        raise LossError(
            "LOSS_WEIGHTS_FORMAT", f"{path} is not a readable torch state dict ({' '.join(str(err).split())[:200]})"
        ) from err
    if not isinstance(state, dict):
        raise LossError("LOSS_WEIGHTS_FORMAT", f"{path}: expected a state dict, found a {type(state).__name__}")
    return state


def _take(state: dict[str, torch.Tensor], wanted: dict[str, torch.Tensor], path: Path) -> dict[str, torch.Tensor]:
    """The tensors of `state` named in `wanted`, each of the wanted shape; LOSS_WEIGHTS_FORMAT names what is off."""
    missing = [key for key in wanted if key not in state]
    wrong = [
        f"{key} {tuple(state[key].shape)} (expected {tuple(like.shape)})"
        for key, like in wanted.items()
        if key in state and state[key].shape != like.shape
    ]
    if missing or wrong:
        raise LossError(
            "LOSS_WEIGHTS_FORMAT",
            f"{path} does not hold the expected weights: missing {missing[:6] or 'none'}; wrong shapes "
            f"{wrong[:6] or 'none'}. {WEIGHTS_HINT}",
        )
    return {key: state[key].float() for key in wanted}


class LPIPSAlex(PerceptualLoss):
    """LPIPS v0.1 with AlexNet. Build with `LPIPSAlex.from_files`; the constructor alone holds no trained weights."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.features = alexnet_features()
        self.heads = nn.ModuleList(nn.Conv2d(c, 1, kernel_size=1, bias=False) for c in LPIPS_CHANNELS)
        self.register_buffer("shift", torch.tensor(_SHIFT).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("scale", torch.tensor(_SCALE).view(1, 3, 1, 1), persistent=False)

    @classmethod
    def from_files(cls, backbone: Path, heads: Path) -> LPIPSAlex:
        loss = cls(f"lpips-alex: LPIPS v0.1, AlexNet from {backbone}, linear heads from {heads}")
        features = {f"features.{k}": v for k, v in loss.features.state_dict().items()}
        loaded = _take(_read_state(backbone), features, backbone)
        loss.features.load_state_dict({k.removeprefix("features."): v for k, v in loaded.items()})
        head_keys = {f"lin{i}.model.1.weight": head.weight for i, head in enumerate(loss.heads)}
        for head, tensor in zip(loss.heads, _take(_read_state(heads), head_keys, heads).values(), strict=True):
            head.weight.data.copy_(tensor)
        return loss.freeze()

    def _taps(self, image: torch.Tensor) -> list[torch.Tensor]:
        x = ((image * 2.0 - 1.0) - self.shift) / self.scale
        taps = []
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in _TAPS:
                taps.append(x / (x.pow(2).sum(dim=1, keepdim=True).sqrt() + _NORM_EPS))
        return taps

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        per_image = x.new_zeros(x.shape[0])
        for head, fx, fy in zip(self.heads, self._taps(x), self._taps(y), strict=True):
            per_image = per_image + head((fx - fy).pow(2)).mean(dim=(1, 2, 3))
        return per_image.mean()
