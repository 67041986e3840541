"""The adversarial pair of the pixel-space stages: discriminators chosen by name, and spec section 5's hinge losses.

Owns `build_discriminator` with the PatchGAN trained from scratch (`patch`), the name of the paper's DINO-projected
discriminator (`dino-projected`, which needs DINO ViT-S/16 weights that are not obtainable here), and
`hinge_d_loss` / `hinge_g_loss`. Discriminators take images in [0, 1] (N x 3 x H x W), like the perceptual losses, and
return a map of real/fake logits. May import: torch and this package's errors.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .errors import LossError

DISCRIMINATOR_NAMES = ("patch", "dino-projected")
PATCH_CHANNELS = 64
PATCH_DOWNSAMPLINGS = 3  # pix2pix's n_layers=3: a 70 x 70 px receptive field per logit
_LEAK = 0.2


class PatchDiscriminator(nn.Module):
    """PatchGAN (pix2pix layout, n_layers = `downsamplings`) with spectral norm on every conv instead of batch norm,
    so it trains stably from scratch at small batch. Output: N x 1 x h x w logits, one per overlapping patch."""

    def __init__(self, channels: int = PATCH_CHANNELS, downsamplings: int = PATCH_DOWNSAMPLINGS) -> None:
        super().__init__()
        widths = [3] + [channels * 2 ** min(i, 3) for i in range(downsamplings + 1)]
        layers: list[nn.Module] = []
        for index, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            stride = 2 if index < downsamplings else 1
            layers += [spectral_norm(nn.Conv2d(n_in, n_out, 4, stride=stride, padding=1)), nn.LeakyReLU(_LEAK)]
        layers.append(spectral_norm(nn.Conv2d(widths[-1], 1, 4, stride=1, padding=1)))
        self.layers = nn.Sequential(*layers)
        self.description = (
            f"patch: PatchGAN ({downsamplings} stride-2 convs, base width {channels}, spectral norm), trained from "
            "scratch (substitute for the paper's DINO-projected discriminator)"
        )

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.layers(image * 2.0 - 1.0)


def build_discriminator(name: str, weights: str | None = None, *, channels: int = PATCH_CHANNELS) -> nn.Module:
    """`patch` (from scratch; takes no weights) or `dino-projected` (needs DINO ViT-S/16 weights)."""
    if name == "patch":
        if weights:
            raise LossError(
                "LOSS_BAD_ARGUMENT",
                f"discriminator 'patch' is trained from scratch and takes no weights, got {weights!r}",
            )
        return PatchDiscriminator(channels)
    if name == "dino-projected":
        if not weights:
            raise LossError(
                "LOSS_WEIGHTS_MISSING",
                "discriminator 'dino-projected' sits on a frozen DINO ViT-S/16 (dino_deitsmall16_pretrain.pth), which "
                "is not obtainable here; choose 'patch' (trained from scratch) instead.",
            )
        raise LossError(
            "LOSS_BAD_ARGUMENT",
            f"discriminator 'dino-projected' is not built in this workspace (its DINO backbone could not be checked "
            f"against real weights here), so {weights!r} cannot be used; choose 'patch'.",
        )
    raise LossError("LOSS_UNKNOWN_NAME", f"discriminator {name!r}: expected one of {', '.join(DISCRIMINATOR_NAMES)}")


def hinge_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Discriminator hinge loss: mean(relu(1 - real)) + mean(relu(1 + fake))."""
    return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()


def hinge_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Generator hinge loss: -mean(fake)."""
    return -fake_logits.mean()
