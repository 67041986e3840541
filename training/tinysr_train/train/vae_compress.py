"""Stage `vae-compress`: the tiny VAE of spec section 3, trained against the frozen teacher VAE in two resumable phases.

1. `vae-encoder` (section `vae_encoder`): the tiny encoder regresses, by L2, the teacher encoder's latent of each LQ
   image (bicubic x4, as the teacher prepares its input), read from the latent cache.
2. `vae-decoder` (section `vae_decoder`): starting from phase 1's encoder (kept frozen), the tiny decoder learns to
   decode the teacher encoder's latent of each HQ image: reconstruction (L1 or L2) + perceptual + hinge GAN against a
   discriminator with its own optimizer, the GAN term switched on at `gan_start`.
Each phase has its own run_dir and checkpoints; both hold module `tiny_vae` (a TinyVAE state), and phase 2's also
`discriminator`. `load_trained_tiny_vae(cfg)` is how later stages get the result. Phase 2 reads `vae_encoder`, so a
changed encoder recipe refuses to resume a decoder trained on the old encoder.
The names of the perceptual loss and discriminator are in the config; their descriptions (which say whether a
substitute was used) are saved in every checkpoint's `extra`.
Owns the two sections, the step functions and the held-out split (`vae_encoder.holdout`: the last pairs of the cache,
never trained on, where `report-vae` measures quality).
May import: torch, tinysr_train.{registry, models, losses, train.runner, train.stage_common}; the cache lazily.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import torch
import torch.nn.functional as F

from tinysr_train.losses import PerceptualLoss, build_discriminator, build_perceptual, hinge_d_loss, hinge_g_loss
from tinysr_train.models import TinyVAE
from tinysr_train.models.lr_input import vae_input
from tinysr_train.registry import TINY_VAE_VARIANTS, TinyVAEConfig, get_config
from tinysr_train.train.runner import (
    StageError,
    StageResult,
    StageRunner,
    StageSettings,
    load_stage_modules,
    stage_output,
)
from tinysr_train.train.stage_common import (
    LatentCache,
    build_optimizer,
    check_loss_weights,
    check_positive_int,
    load_cache,
)

COMMAND = "vae-compress"
ENCODER_STAGE, ENCODER_SECTION = "vae-encoder", "vae_encoder"
DECODER_STAGE, DECODER_SECTION = "vae-decoder", "vae_decoder"
MODULE = "tiny_vae"
DISCRIMINATOR = "discriminator"
RECONSTRUCTION_LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "l1": F.l1_loss,
    "l2": F.mse_loss,
}
Part = Literal["encode", "decode"]
# vae_decoder.source -> (key in PairCache.latents, key in PairCache.pixels)
DECODER_SOURCES = {"hq": ("hq", "hq"), "teacher": ("teacher", "ref")}


def has_weights(module: torch.nn.Module) -> bool:
    """False for the exact codec's encoder (variant `unshuffle`), which has nothing to train or load."""
    return any(True for _ in module.parameters())


class TrainableTinyVAE(TinyVAE):
    """TinyVAE whose `forward` is the phase's training call, so DDP's gradient hooks see it; same state as TinyVAE, so
    its checkpoint loads into any TinyVAE of the config."""

    def forward(self, tensor: torch.Tensor, part: Part) -> torch.Tensor:
        return self.encode(tensor) if part == "encode" else self.decode(tensor)


def tiny_vae_config(cfg: Mapping[str, Any]) -> TinyVAEConfig:
    """`model.registry`'s tiny VAE, with `vae_encoder.variant` (when not null) swapped in."""
    base = get_config(cfg["model"]["registry"]).tiny_vae
    variant = cfg[ENCODER_SECTION].get("variant")
    if variant is None:
        return base
    if variant not in TINY_VAE_VARIANTS:
        raise StageError(
            "STAGE_CONFIG", f"{ENCODER_SECTION}.variant is {variant!r}; expected null or one of {TINY_VAE_VARIANTS}"
        )
    return dataclasses.replace(base, variant=variant)


def build_tiny_vae_for(cfg: Mapping[str, Any]) -> TrainableTinyVAE:
    """The untrained tiny VAE of the recipe, identical in every invocation with this seed (global RNG untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(cfg["seed"]))
        return TrainableTinyVAE(tiny_vae_config(cfg))


def split(cache: LatentCache, cfg: Mapping[str, Any]) -> tuple[torch.Tensor, torch.Tensor]:
    """(training indices, held-out indices): the last `vae_encoder.holdout` pairs are held out."""
    holdout, total = cfg[ENCODER_SECTION]["holdout"], len(cache)
    if not isinstance(holdout, int) or isinstance(holdout, bool) or not 0 <= holdout < total:
        raise StageError(
            "STAGE_CONFIG",
            f"{ENCODER_SECTION}.holdout must be an integer in [0, {total}) for a cache of {total} pairs, "
            f"found {holdout!r}",
        )
    indices = torch.arange(total)
    return indices[: total - holdout], indices[total - holdout :]


def draw(indices: torch.Tensor, generator: torch.Generator, batch: int) -> torch.Tensor:
    return indices[torch.randint(len(indices), (batch,), generator=generator)]


def train_encoder(
    cfg: Mapping[str, Any], *, cache: LatentCache | None = None, log: Callable[[str], None] = print
) -> StageResult:
    """Phase 1: tiny encoder (bicubic x4 LQ in [-1, 1]) -> the cached teacher latent of that LQ, by L2."""
    section = cfg[ENCODER_SECTION]
    check_positive_int(section, ENCODER_SECTION, "batch_size")
    settings = StageSettings.from_section(section, ENCODER_SECTION)
    runner = StageRunner(ENCODER_STAGE, cfg, settings, section=ENCODER_SECTION, log=log)
    vae = build_tiny_vae_for(cfg)
    if not has_weights(vae.encoder):
        log(f"{ENCODER_STAGE}: the {vae.config.variant} encoder is the exact codec, nothing to train")
        return StageResult(start_step=0, step=0, losses=[], checkpoints=[])
    vae.decoder.requires_grad_(False)
    optimizer = build_optimizer(list(vae.encoder.parameters()), section)
    model = runner.add(MODULE, vae, optimizer, warmup_steps=int(section["warmup_steps"]), ema=True)
    runner.extra = {"phase": "encoder", "variant": vae.config.variant}
    latent_cache = cache if cache is not None else load_cache(cfg)
    train_indices, _ = split(latent_cache, cfg)
    batch = int(section["batch_size"])

    def step_fn(step: int) -> dict[str, float]:
        indices = draw(train_indices, runner.generator(step), batch)
        lq = latent_cache.pixels(indices)["lq"].to(runner.device)
        target = latent_cache.latents(indices)["lq"].to(runner.device, torch.float32)
        # Not clamped: the teacher encoded the bicubic overshoot as is (teacher_latent.encode_lq).
        loss = F.mse_loss(model(vae_input(lq), "encode"), target)
        optimizer.zero_grad(set_to_none=True)
        runner.backward(loss)
        optimizer.step()
        return {"latent_l2": float(loss.detach())}

    return runner.run(step_fn)


def train_decoder(
    cfg: Mapping[str, Any], *, cache: LatentCache | None = None, log: Callable[[str], None] = print
) -> StageResult:
    """Phase 2: tiny decoder -> pixels, with reconstruction + perceptual + hinge GAN. `vae_decoder.source` picks the
    pair: `hq` decodes the cached teacher latent of HQ toward HQ (the paper's); `teacher` decodes the latent teacher's
    cached output latent toward the reference teacher's pixels, so a decoder that starts as an exact codec learns
    what the latent teacher misses (the warm recipe: its convolutions span token borders)."""
    section = cfg[DECODER_SECTION]
    _check_decoder(section)
    settings = StageSettings.from_section(section, DECODER_SECTION)
    runner = StageRunner(DECODER_STAGE, cfg, settings, section=DECODER_SECTION, reads=(ENCODER_SECTION,), log=log)
    vae = build_tiny_vae_for(cfg)
    if has_weights(vae.encoder):
        load_stage_modules(stage_output(Path(cfg[ENCODER_SECTION]["run_dir"]), COMMAND), {MODULE: vae})
    vae.encoder.requires_grad_(False)
    optimizer = build_optimizer(list(vae.decoder.parameters()), section)
    model = runner.add(MODULE, vae, optimizer, warmup_steps=int(section["warmup_steps"]), ema=True)
    weights = {key: float(value) for key, value in section["loss_weights"].items()}
    perceptual = _perceptual(section, weights, runner.device)
    with torch.random.fork_rng(devices=[]):  # the same initial critic in every invocation with this seed
        torch.manual_seed(int(cfg["seed"]))
        discriminator = build_discriminator(
            section["discriminator"], section["discriminator_weights"], channels=int(section["discriminator_channels"])
        )
    d_optimizer = torch.optim.AdamW(
        discriminator.parameters(), lr=float(section["discriminator_lr"]), betas=(0.5, 0.999), weight_decay=0.0
    )
    critic = runner.add(DISCRIMINATOR, discriminator, d_optimizer)
    runner.extra = {
        "phase": "decoder",
        "variant": vae.config.variant,
        "perceptual": perceptual.description if perceptual is not None else "none",
        "discriminator": getattr(discriminator, "description", section["discriminator"]),
    }
    latent_cache = cache if cache is not None else load_cache(cfg)
    train_indices, _ = split(latent_cache, cfg)
    reconstruction_loss = RECONSTRUCTION_LOSSES[section["reconstruction"]]
    batch = int(section["batch_size"])
    gan_start = int(section["gan_start"])
    latent_key, pixel_key = DECODER_SOURCES[section["source"]]

    def step_fn(step: int) -> dict[str, float]:
        indices = draw(train_indices, runner.generator(step), batch)
        hq = latent_cache.pixels(indices)[pixel_key].to(runner.device)
        latent = latent_cache.latents(indices)[latent_key].to(runner.device, torch.float32)
        decoded = model(latent, "decode")
        fake = (decoded.clamp(-1.0, 1.0) + 1.0) / 2.0
        terms = {"reconstruction": reconstruction_loss(decoded, hq * 2.0 - 1.0)}
        if perceptual is not None:
            terms["perceptual"] = perceptual(fake, hq)
        adversarial = step >= gan_start and weights["gan"] > 0
        if adversarial:
            terms["gan"] = hinge_g_loss(critic(fake))
        loss = sum(weights[name] * value for name, value in terms.items())
        optimizer.zero_grad(set_to_none=True)
        runner.backward(loss)
        optimizer.step()
        values = {"loss": float(loss.detach()), **{name: float(value.detach()) for name, value in terms.items()}}
        if adversarial:
            logits = critic(torch.cat([hq, fake.detach()]))
            d_loss = hinge_d_loss(*logits.split(len(hq)))
            d_optimizer.zero_grad(set_to_none=True)  # also drops what the generator's backward left in the critic
            runner.backward(d_loss)
            d_optimizer.step()
            values["d_hinge"] = float(d_loss.detach())
        return values

    return runner.run(step_fn)


def train_vae_compress(
    cfg: Mapping[str, Any], *, cache: LatentCache | None = None, log: Callable[[str], None] = print
) -> tuple[StageResult, StageResult]:
    """Both phases in order (each resumes or has nothing to do); `cache` defaults to `PairCache.load(paths.cache)`."""
    latent_cache = cache if cache is not None else load_cache(cfg)
    return train_encoder(cfg, cache=latent_cache, log=log), train_decoder(cfg, cache=latent_cache, log=log)


def load_trained_tiny_vae(cfg: Mapping[str, Any]) -> TinyVAE:
    """The trained tiny VAE (phase 2's latest checkpoint: phase 1's encoder + the trained decoder), frozen and in eval
    mode, on the CPU. STAGE_NOT_RUN names `tinysr-train vae-compress` if it has not been trained."""
    vae = TinyVAE(tiny_vae_config(cfg))
    load_stage_modules(stage_output(Path(cfg[DECODER_SECTION]["run_dir"]), COMMAND), {MODULE: vae})
    return vae.eval().requires_grad_(False)


def _perceptual(
    section: Mapping[str, Any], weights: Mapping[str, float], device: torch.device
) -> PerceptualLoss | None:
    if weights["perceptual"] == 0.0:
        return None
    loss = build_perceptual(section["perceptual"], section["perceptual_weights"])
    return None if loss is None else loss.to(device)


def _check_decoder(section: Mapping[str, Any]) -> None:
    check_positive_int(section, DECODER_SECTION, "batch_size")
    if section["source"] not in DECODER_SOURCES:
        raise StageError(
            "STAGE_CONFIG", f"{DECODER_SECTION}.source is {section['source']!r}; expected one of {', '.join(DECODER_SOURCES)}"
        )
    check_loss_weights(section, DECODER_SECTION, required=("reconstruction", "perceptual", "gan"))
    if section["reconstruction"] not in RECONSTRUCTION_LOSSES:
        raise StageError(
            "STAGE_CONFIG",
            f"{DECODER_SECTION}.reconstruction is {section['reconstruction']!r}; expected "
            f"{' or '.join(RECONSTRUCTION_LOSSES)}",
        )
    if section["perceptual"] == "none" and float(section["loss_weights"]["perceptual"]) != 0.0:
        raise StageError(
            "STAGE_CONFIG", f"{DECODER_SECTION}.perceptual is none; set loss_weights.perceptual to 0 or name a loss"
        )
