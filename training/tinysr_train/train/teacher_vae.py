"""Stage `teacher-vae`: trains the small latent teacher's SD3-layout AutoencoderKL from scratch on cached pixels.

Owns the stage's config section (`teacher_vae.*`), its loss (L1 reconstruction + LDM-weighted KL + an optional
perceptual term), the learning-rate schedule and config checks both teacher stages use. The checkpoint
holds module `vae`, a plain diffusers AutoencoderKL state that `teacher-latent` loads into its teacher.
May import: torch, diffusers, tinysr_train.{registry, train.runner}; the pixel cache and perceptual losses lazily.

The real teacher's VAE is SD3's; it cannot be downloaded here, so the small recipe trains its own at `model.registry`'s
sizes. It sees the images the teacher will encode and decode: HQ photos and the reference teacher's outputs (and, if
`sources` says so, bicubic-upscaled LQ, the teacher's input). Resume is exact: the batch and the posterior noise come
from the runner's per-step generators and the learning rate is a function of the step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import torch
import torch.nn.functional as F
from diffusers import AutoencoderKL
from torch import nn

from tinysr_train.models.lr_input import bicubic_up
from tinysr_train.registry import ModelConfig, get_config
from tinysr_train.train.runner import StageError, StageResult, StageRunner, StageSettings

if TYPE_CHECKING:
    from tinysr_train.losses import PerceptualLoss

STAGE = "teacher-vae"
SECTION = "teacher_vae"
MODULE = "vae"
SOURCES = ("hq", "ref", "lq_up")  # lq_up = bicubic x4 of the LQ image: what the latent teacher encodes as its input
NO_PERCEPTUAL = "none"
NOISE_STREAM = 1  # runner.generator stream of the posterior samples (stream 0 draws the batch)


class PixelCache(Protocol):
    """What the teacher stages need from `tinysr_train.data.cache.PairCache` (pixels in [0, 1], N x 3 x H x W)."""

    def pixels(self, indices: Sequence[int] | torch.Tensor) -> dict[str, torch.Tensor]: ...

    def sample_indices(self, generator: torch.Generator, batch: int) -> torch.Tensor: ...


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


def load_cache(cfg: Mapping[str, Any]) -> PixelCache:
    from tinysr_train.data.cache import PairCache

    return PairCache.load(Path(cfg["paths"]["cache"]))


def pretrained_teacher(cfg: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """`teacher.pretrained` (the real SD3 + TSD-SR weights: transformer, vae, conditioning, lora), or None when the
    recipe trains its own small teacher. Both teacher stages skip their training when it is set."""
    return (cfg.get("teacher") or {}).get("pretrained")


def scheduled_lr(base_lr: float, step: int, steps: int, warmup_steps: int) -> float:
    """Linear warmup over `warmup_steps`, then cosine decay to 0 at `steps`: a function of the step only (exact resume;
    raising `steps` on resume re-plans the remaining decay)."""
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, steps - warmup_steps)
    return base_lr * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def build_optimizer(params: Sequence[nn.Parameter], section: Mapping[str, Any]) -> torch.optim.AdamW:
    return torch.optim.AdamW(params, lr=float(section["lr"]), weight_decay=float(section["weight_decay"]))


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


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
    model = runner.add(MODULE, vae, optimizer)
    weights = {key: float(value) for key, value in section["loss_weights"].items()}
    perceptual = _perceptual(section, runner.device)
    pixel_cache = cache if cache is not None else load_cache(cfg)
    batch, warmup, lr = int(section["batch_size"]), int(section["warmup_steps"]), float(section["lr"])

    def step_fn(step: int) -> dict[str, float]:
        set_lr(optimizer, scheduled_lr(lr, step, settings.steps, warmup))
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
    run_dir = Path(cfg[SECTION]["run_dir"])
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / CODEC_REPORT).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
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


def check_loss_weights(
    section: Mapping[str, Any], name: str, *, required: Sequence[str], optional: Sequence[str] = ()
) -> None:
    weights = section["loss_weights"]
    known = (*required, *optional)
    unknown = [key for key in weights if key not in known]
    missing = [key for key in required if key not in weights]
    if unknown or missing:
        raise StageError(
            "STAGE_CONFIG",
            f"{name}.loss_weights has unknown terms {unknown} and lacks {missing}; this stage needs "
            f"{', '.join(required)}" + (f" and may weight {', '.join(optional)}" if optional else ""),
        )


def check_positive_int(section: Mapping[str, Any], name: str, key: str) -> None:
    value = section[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise StageError("STAGE_CONFIG", f"{name}.{key} must be a positive integer, found {value!r}")
