"""`build_perceptual`: the perceptual term of a stage's loss, chosen by name in its config.

Owns the table of names. May import: torch and this package's modules.
"""

from __future__ import annotations

from .base import PerceptualLoss
from .errors import LossError
from .gradient import GradientL1
from .lpips import LPIPSAlex, lpips_weight_files
from .reference_features import ReferenceFeatureL1

PERCEPTUAL_NAMES = ("lpips-alex", "x4fast-features", "gradient-l1", "none")


def build_perceptual(name: str, weights: str | None = None) -> PerceptualLoss | None:
    """`lpips-alex` (real LPIPS; `weights` = 'BACKBONE.pth,HEADS.pth' or a folder with both), `x4fast-features`
    (`weights` = the converted x4fast safetensors file), `gradient-l1` (substitute, no weights), `none` -> None. Never builds LPIPS on random weights: LOSS_WEIGHTS_MISSING instead."""
    if name == "lpips-alex":
        return LPIPSAlex.from_files(*lpips_weight_files(weights))
    if name == "x4fast-features":
        return ReferenceFeatureL1.from_file(weights)
    if name in ("gradient-l1", "none") and weights:
        raise LossError("LOSS_BAD_ARGUMENT", f"perceptual loss {name!r} takes no weights, got {weights!r}")
    if name == "gradient-l1":
        return GradientL1()
    if name == "none":
        return None
    raise LossError("LOSS_UNKNOWN_NAME", f"perceptual loss {name!r}: expected one of {', '.join(PERCEPTUAL_NAMES)}")
