"""Stage `teacher-vae`: trains the small latent teacher's SD3-layout AutoencoderKL from scratch on cached pixels.

Owns the stage's config section (`teacher_vae.*`) and its loss (L1 reconstruction + LDM-weighted KL + an optional
perceptual term); the helpers both teacher stages use are in `train.stage_common`. The checkpoint
holds module `vae`, a plain diffusers AutoencoderKL state that `teacher-latent` loads into its teacher.
May import: torch, diffusers, tinysr_train.{registry, train.runner, train.stage_common}; the pixel cache and perceptual losses lazily.

The real teacher's VAE is SD3's; it cannot be downloaded here, so the small recipe trains its own at `model.registry`'s
sizes. It sees the images the teacher will encode and decode: HQ photos and the reference teacher's outputs (and, if
`sources` says so, bicubic-upscaled LQ, the teacher's input). Resume is exact: the batch and the posterior noise come
from the runner's per-step generators and the runner saves the learning-rate schedule with the checkpoint.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from diffusers import AutoencoderKL

from tinysr_train.atomic import atomic_write_text
from tinysr_train.models.lr_input import bicubic_up
from tinysr_train.registry import ModelConfig, get_config
from tinysr_train.train.runner import StageError, StageResult, StageRunner, StageSettings
from tinysr_train.train.stage_common import (
    PixelCache,
    build_optimizer,
    check_loss_weights,
    check_positive_int,
    load_cache,
    pretrained_teacher,
)

if TYPE_CHECKING:
    from tinysr_train.losses import PerceptualLoss

STAGE = "teacher-vae"
SECTION = "teacher_vae"
MODULE = "vae"
SOURCES = ("hq", "ref", "lq_up")  # lq_up = bicubic x4 of the LQ image: what the latent teacher encodes as its input
NO_PERCEPTUAL = "none"
NOISE_STREAM = 1  # runner.generator stream of the posterior samples (stream 0 draws the batch)


class TrainableVAE(AutoencoderKL):
    """AutoencoderKL whose `forward` is the training call, so DDP's gradient hooks see it; same weights as the plain
    class, so the checkpoint loads into any AutoencoderKL of the config."""

    def forward(  # type: ignore[override]
        self, images: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """[-1, 1] images -> (reconstruction from a posterior sample, KL per image, posterior mean)."""
        posterior = self.encode(images).latent_dist
        reconstruction = self.decode(posterior.sample(generator=generator)).sample
        return reconstruction, posterior.kl(), posterior.mean


def build_vae(model_cfg: ModelConfig, seed: int) -> TrainableVAE:
    """The untrained VAE of `model_cfg`, identical in every invocation with this seed (global RNG untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return TrainableVAE(**model_cfg.vae.to_diffusers_kwargs())


def training_images(pixels: Mapping[str, torch.Tensor], sources: Sequence[str]) -> torch.Tensor:
    """The step's [-1, 1] images: each source of every drawn pair, concatenated along the batch."""
    images = [bicubic_up(pixels["lq"]) if source == "lq_up" else pixels[source] for source in sources]
    return torch.cat(images) * 2.0 - 1.0  # lq_up is not clamped: the teacher encodes its bicubic overshoot as is


def train_teacher_vae(
    cfg: Mapping[str, Any], *, cache: PixelCache | None = None, log: Callable[[str], None] = print
) -> StageResult:
    """Runs (or resumes) `teacher_vae` up to its `steps`; `cache` defaults to `PairCache.load(paths.cache)`.
    With `teacher.pretrained` set, the real teacher's VAE is used: nothing is trained."""
    if pretrained_teacher(cfg):
        log(f"{STAGE}: nothing to do, teacher.pretrained is set (the real TSD-SR teacher's VAE is used)")
        return StageResult(start_step=0, step=0, losses=[], checkpoints=[])
    model_cfg = get_config(cfg["model"]["registry"])
    if model_cfg.vae.codec == "unshuffle":
        return _report_exact_codec(cfg, model_cfg, cache, log)
    section = cfg[SECTION]
    sources = _check_section(section)
    settings = StageSettings.from_section(section, SECTION)
    runner = StageRunner(STAGE, cfg, settings, section=SECTION, log=log)
    vae = build_vae(model_cfg, int(cfg["seed"]))
    optimizer = build_optimizer(list(vae.parameters()), section)
    model = runner.add(MODULE, vae, optimizer, warmup_steps=int(section["warmup_steps"]), ema=True)
    weights = {key: float(value) for key, value in section["loss_weights"].items()}
    perceptual = _perceptual(section, runner.device)
    pixel_cache = cache if cache is not None else load_cache(cfg)
    batch = int(section["batch_size"])

    def step_fn(step: int) -> dict[str, float]:
        indices = pixel_cache.sample_indices(runner.generator(step), batch)
        images = training_images(pixel_cache.pixels(indices), sources).to(runner.device)
        reconstruction, kl, mean = model(images, runner.generator(step, NOISE_STREAM))
        terms = {
            "l1": F.l1_loss(reconstruction, images),
            # LDM's ratio: its KL weight multiplies a per-image KL sum against a per-image L1 sum; ours is a mean L1.
            "kl": kl.mean() / images[0].numel(),
        }
        if perceptual is not None:
            terms["perceptual"] = perceptual((reconstruction.clamp(-1, 1) + 1) / 2, (images + 1) / 2)
        loss = sum(weights[name] * value for name, value in terms.items())
        optimizer.zero_grad(set_to_none=True)
        runner.backward(loss)
        optimizer.step()
        values = {"loss": float(loss.detach()), **{name: float(value.detach()) for name, value in terms.items()}}
        # The scaled latent's spread: the transformer works best near 1 (SD3's scaling factor is fixed by the registry).
        return {**values, "latent_std": float(mean.detach().std() * model_cfg.vae.scaling_factor)}

    return runner.run(step_fn)


CODEC_REPORT = "codec.json"
CODEC_HOLDOUT = 120  # the cache's last pairs (the last photo's crops), as the VAE stages hold out


def _report_exact_codec(
    cfg: Mapping[str, Any], model_cfg: ModelConfig, cache: PixelCache | None, log: Callable[[str], None]
) -> StageResult:
    """The `unshuffle` codec has no weights: instead of training, measure its round trip (PSNR on [0, 1] pixels) on
    the held-out crops and write `<run_dir>/codec.json`; `teacher-latent` builds the codec itself."""
    import json

    from tinysr_train.models.codec import UnshuffleCodec

    pixel_cache = cache if cache is not None else load_cache(cfg)
    total = len(pixel_cache)  # type: ignore[arg-type]
    indices = torch.arange(max(0, total - CODEC_HOLDOUT), total)
    codec = UnshuffleCodec(model_cfg.vae.stride)
    report: dict[str, Any] = {"codec": "unshuffle", "stride": codec.stride, "held_out_pairs": len(indices)}
    for source, images in pixel_cache.pixels(indices).items():
        if images.shape[-1] % codec.stride:
            continue  # the LQ crops are not encoded by the teacher (their bicubic x4 is)
        roundtrip = (codec.decode(codec.encode(images * 2.0 - 1.0)) + 1.0) / 2.0
        mse = float(F.mse_loss(roundtrip, images))
        report[f"psnr_{source}"] = "lossless" if mse == 0.0 else 10.0 * math.log10(1.0 / mse)
    atomic_write_text(Path(cfg[SECTION]["run_dir"]) / CODEC_REPORT, json.dumps(report, indent=2) + "\n")
    log(f"{STAGE}: exact codec, nothing to train; round trip on held-out crops: {report}")
    return StageResult(start_step=0, step=0, losses=[], checkpoints=[])


def _perceptual(section: Mapping[str, Any], device: torch.device) -> PerceptualLoss | None:
    name = section["perceptual"]
    if name == NO_PERCEPTUAL or float(section["loss_weights"].get("perceptual", 0.0)) == 0.0:
        return None
    from tinysr_train.losses import build_perceptual

    return build_perceptual(name, section["perceptual_weights"]).to(device)  # frozen by construction


def _check_section(section: Mapping[str, Any]) -> tuple[str, ...]:
    sources = tuple(section["sources"])
    unknown = [source for source in sources if source not in SOURCES]
    if not sources or unknown:
        raise StageError(
            "STAGE_CONFIG", f"{SECTION}.sources is {list(sources)!r}; expected a non-empty list of {', '.join(SOURCES)}"
        )
    check_loss_weights(section, SECTION, required=("l1", "kl"), optional=("perceptual",))
    if section["perceptual"] != NO_PERCEPTUAL and "perceptual" not in section["loss_weights"]:
        raise StageError("STAGE_CONFIG", f"{SECTION}.perceptual is set; give it a weight in loss_weights.perceptual")
    check_positive_int(section, SECTION, "batch_size")
    return sources

