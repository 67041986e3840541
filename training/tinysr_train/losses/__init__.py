"""Training losses shared by the VAE-compression and restoration stages: perceptual terms and the adversarial pair.

`build_perceptual(name, weights)` -> a PerceptualLoss (x, y in [0, 1] NCHW -> scalar) or None: `lpips-alex` (the real
LPIPS v0.1 on ImageNet AlexNet, from the given weight files only), `gradient-l1` (a named substitute that needs no
weights), `none`. `build_discriminator(name, weights)`: `patch` (PatchGAN with spectral norm, trained from scratch);
`dino-projected` needs DINO weights that are not obtainable here. `hinge_d_loss` / `hinge_g_loss`: spec section 5.
Every loss and discriminator carries a `.description` that stages record in their checkpoints and reports, so a run
made with a substitute says so. Nothing here ever falls back to random weights in place of pretrained ones.
May import: torch and the standard library.
"""

from .adversarial import (
    DISCRIMINATOR_NAMES,
    PatchDiscriminator,
    build_discriminator,
    hinge_d_loss,
    hinge_g_loss,
)
from .errors import LossError
from .lpips import LPIPS_ALEXNET_FILE, LPIPS_LINEAR_FILE, LPIPSAlex
from .perceptual import PERCEPTUAL_NAMES, GradientL1, PerceptualLoss, build_perceptual

__all__ = [
    "DISCRIMINATOR_NAMES",
    "LPIPS_ALEXNET_FILE",
    "LPIPS_LINEAR_FILE",
    "PERCEPTUAL_NAMES",
    "GradientL1",
    "LPIPSAlex",
    "LossError",
    "PatchDiscriminator",
    "PerceptualLoss",
    "build_discriminator",
    "build_perceptual",
    "hinge_d_loss",
    "hinge_g_loss",
]
