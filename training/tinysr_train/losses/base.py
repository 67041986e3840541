"""The interface every perceptual loss implements. May import: torch."""

from __future__ import annotations

from torch import nn


class PerceptualLoss(nn.Module):
    """`forward(x, y)`: two N x 3 x H x W images in [0, 1] -> the batch-mean distance (a scalar tensor).

    Frozen by construction: no parameter requires grad and the module stays in eval mode even when a caller's
    `.train()` reaches it (LPIPS' heads carry dropout that must stay off), so gradients flow only to the inputs.
    `description` names what is computed and from which weights; stages record it in checkpoints and reports.
    """

    def __init__(self, description: str) -> None:
        super().__init__()
        self.description = description

    def train(self, mode: bool = True) -> PerceptualLoss:
        return super().train(False)

    def freeze(self) -> PerceptualLoss:
        self.requires_grad_(False)
        return self.eval()
