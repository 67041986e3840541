"""Stage `restore` (spec section 5): the pruned student and the tiny VAE become the TinySR pipeline the app runs, in
two resumable stages that share one loop.

1. `restore-latent` (section `restore1`): starts from the pruned student (`prune.stage.load_pruned_student`) and the
   trained tiny VAE (`vae_compress.load_trained_tiny_vae`); the student's output latent (input - prediction) learns the
   cached latent teacher's output latent by L1 or L2. Inputs are the cached teacher-encoder latents of bicubic x4 LQ
   (the paper's stage 1).
2. `restore-pixel` (section `restore2`): starts from stage 1's output; 5 x latent loss + 1 x perceptual + 0.3 x hinge
   GAN (weights in `loss_weights`; an optional `pixel` L1 weight too), the pixel terms computed on the restored latent
   decoded by the tiny decoder,
   against a discriminator trained from scratch with its own learning rate.
The tiny VAE is frozen in stage 1; in stage 2 its decoder trains with the student when `restore2.train_decoder` is
true (the warm recipe's decoder refinement), else it stays frozen (the paper). Both checkpoints hold module `pipeline` (a TinySRPipeline state, uncached), so
`tinysr-train export model.checkpoint=<file>` exports either; they record `extra.keep` (from which the export rebuilds
the student's depth) and `extra.tiny_vae_variant`. Stage 2's also hold module `discriminator`.

Choices (config keys of both sections):
- `input`: `teacher-encoder` (the cached teacher-encoder latent) or `tiny-encoder` (the frozen tiny encoder of bicubic
  x4 LQ: exactly what the exported pipeline computes at inference, so stage 2 uses it and trains away the gap between
  the two encoders).
- `target`: `ref` distils the teachers' outputs (the latent teacher's output latent; the reference teacher's pixels),
  which the paper found better than ground truth (Tab. C.3); `hq` uses the HQ image and its teacher-encoder latent.
The perceptual loss and discriminator are named in the config (so in every checkpoint); their descriptions, which say
when a substitute for LPIPS / the DINO discriminator is used, are printed at start and saved in `extra`.
Resume is exact: batches come from the runner's per-step generators, the runner saves the learning-rate schedule, and
every random initialisation is seeded.
May import: torch, tinysr_train.{checkpoint, losses, models, prune.stage, registry, train.runner, train.stage_common,
train.vae_compress}; the cache lazily (through stage_common).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from tinysr_train.checkpoint import load_checkpoint
from tinysr_train.losses import build_discriminator, build_perceptual, hinge_d_loss, hinge_g_loss
from tinysr_train.models import TinySRPipeline, TinySRTransformer, TinyVAE
from tinysr_train.models.lr_input import vae_input
from tinysr_train.prune.stage import load_pruned_student
from tinysr_train.registry import ModelConfig, get_config
from tinysr_train.train import vae_compress
from tinysr_train.train.runner import StageError, StageResult, StageRunner, StageSettings, module_state, stage_output
from tinysr_train.train.stage_common import build_optimizer, check_loss_weights, check_positive_int, load_cache

if TYPE_CHECKING:
    from tinysr_train.data.cache import PairCache

COMMAND = "restore"
MODULE = "pipeline"
DISCRIMINATOR = "discriminator"
LATENT_LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {"l1": F.l1_loss, "l2": F.mse_loss}
INPUTS = ("teacher-encoder", "tiny-encoder")
# target -> (key in PairCache.latents, key in PairCache.pixels)
TARGETS = {"ref": ("teacher", "ref"), "hq": ("hq", "hq")}
PIXEL_TERMS = ("latent", "perceptual", "gan")
OPTIONAL_PIXEL_TERMS = ("pixel",)  # L1 between the decoded output and the target pixels
# What the cached pairs and latents are made from, and where the tiny VAE comes from: a change refuses a resume.
CACHE_SECTIONS = ("data", "reference", "teacher_latent")
VAE_SECTIONS = (vae_compress.ENCODER_SECTION, vae_compress.DECODER_SECTION)


@dataclass(frozen=True)
class Stage:
    name: str
    section: str
    reads: tuple[str, ...]  # other sections whose change refuses a resume (runner's `reads`)
    command: str


_STAGE1_READS = (*CACHE_SECTIONS, "prune", *VAE_SECTIONS)
STAGES = {
    1: Stage("restore-latent", "restore1", _STAGE1_READS, f"{COMMAND} --stage 1"),
    2: Stage("restore-pixel", "restore2", (*_STAGE1_READS, "restore1"), f"{COMMAND} --stage 2"),
}


class RestorationPipeline(TinySRPipeline):
    """TinySRPipeline whose `forward` is the training call, latent -> restored latent (latent - prediction), so DDP's
    gradient hooks see it; same state as the plain class, so the checkpoint loads into any TinySRPipeline."""

    def forward(self, latent: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return latent - self.student(latent)


def student_config(cfg: Mapping[str, Any], keep: Sequence[int]) -> ModelConfig:
    """`model.registry`'s config with the pruned keep-list and the recipe's tiny VAE variant."""
    base = get_config(cfg["model"]["registry"])
    return dataclasses.replace(base, keep=tuple(int(i) for i in keep), tiny_vae=vae_compress.tiny_vae_config(cfg))


def initial_pipeline(cfg: Mapping[str, Any], stage: int) -> RestorationPipeline:
    """Stage 1: the pruned student + the trained tiny VAE; stage 2: stage 1's latest checkpoint. STAGE_NOT_RUN names
    the command to run when the starting point does not exist yet."""
    if stage == 1:
        return RestorationPipeline(load_pruned_student(cfg), vae_compress.load_trained_tiny_vae(cfg))
    checkpoint = load_checkpoint(stage_output(Path(cfg[STAGES[1].section]["run_dir"]), STAGES[1].command))
    model_cfg = student_config(cfg, checkpoint.extra["keep"])
    pipeline = RestorationPipeline(TinySRTransformer(model_cfg), TinyVAE(model_cfg.tiny_vae))
    pipeline.load_state_dict(module_state(checkpoint.model_state, MODULE), strict=True)
    return pipeline


def train_restore(
    cfg: Mapping[str, Any],
    stage: int,
    *,
    cache: PairCache | None = None,
    log: Callable[[str], None] = print,
) -> StageResult:
    """Runs (or resumes) restoration stage `stage` (1 or 2) up to its `steps`; `cache` defaults to
    `PairCache.load(paths.cache)`."""
    if stage not in STAGES:
        raise StageError("STAGE_CONFIG", f"restore stage must be 1 or 2, got {stage!r}")
    spec = STAGES[stage]
    section = cfg[spec.section]
    weights = _check_section(section, spec.section, pixel=stage == 2)
    settings = StageSettings.from_section(section, spec.section)
    runner = StageRunner(spec.name, cfg, settings, section=spec.section, reads=spec.reads, log=log)
    pipeline = initial_pipeline(cfg, stage)
    pipeline.tiny_vae.eval().requires_grad_(False)
    trained = list(pipeline.student.parameters())
    if stage == 2 and section["train_decoder"]:
        # The decoder is called outside the DDP-wrapped forward, so this is for single-process runs (the CPU recipe).
        pipeline.tiny_vae.decoder.requires_grad_(True)
        trained += list(pipeline.tiny_vae.decoder.parameters())
    optimizer = build_optimizer(trained, section)
    model = runner.add(MODULE, pipeline, optimizer, warmup_steps=int(section["warmup_steps"]), ema=True)
    vae = runner.unwrap(MODULE).tiny_vae  # frozen: called outside the DDP-wrapped forward
    runner.extra = {
        "keep": list(pipeline.config.keep),
        "tiny_vae_variant": pipeline.tiny_vae.config.variant,
        "input": section["input"],
        "target": section["target"],
    }
    pixel = _PixelTerms.build(cfg, section, runner) if stage == 2 else None
    if pixel is not None:
        runner.extra.update(perceptual=pixel.perceptual_description, discriminator=pixel.discriminator_description)
        runner.log(f"{spec.name}: perceptual term {pixel.perceptual_description}")
        runner.log(f"{spec.name}: discriminator {pixel.discriminator_description}")
    pairs = cache if cache is not None else load_cache(cfg)
    latent_loss = LATENT_LOSSES[section["loss"]]
    latent_key, pixel_key = TARGETS[section["target"]]
    batch = int(section["batch_size"])
    tiny_input = section["input"] == "tiny-encoder"

    def step_fn(step: int) -> dict[str, float]:
        indices = pairs.sample_indices(runner.generator(step), batch)
        latents = {key: value.to(runner.device) for key, value in pairs.latents(indices).items()}
        pixels = pairs.pixels(indices) if tiny_input or pixel is not None else {}
        if tiny_input:
            with torch.no_grad():  # not clamped: the exported pipeline encodes the bicubic overshoot as is
                source = vae.encode(vae_input(pixels["lq"].to(runner.device)))
        else:
            source = latents["lq"]
        restored = model(source)
        terms = {"latent": latent_loss(restored, latents[latent_key])}
        if pixel is not None:
            real = pixels[pixel_key].to(runner.device)
            fake = (vae.decode(restored).clamp(-1.0, 1.0) + 1.0) / 2.0
            terms.update(pixel.generator_terms(fake, real))
            if "pixel" in weights:
                terms["pixel"] = F.l1_loss(fake, real)
        loss = sum(weights[name] * value for name, value in terms.items())
        optimizer.zero_grad(set_to_none=True)
        runner.backward(loss)
        optimizer.step()
        values = {"loss": float(loss.detach()), **{name: float(value.detach()) for name, value in terms.items()}}
        if pixel is not None:
            values["d_hinge"] = pixel.train_discriminator(real, fake.detach())
        return values

    return runner.run(step_fn)


class _PixelTerms:
    """Stage 2's perceptual term and adversarial pair: the discriminator is registered with the runner (saved and
    resumed with the pipeline) and trained once per step after the student."""

    def __init__(
        self,
        perceptual: nn.Module | None,
        critic: nn.Module,
        optimizer: torch.optim.Optimizer,
        runner: StageRunner,
        discriminator_description: str,
    ) -> None:
        self.perceptual = perceptual
        self.critic = critic
        self.optimizer = optimizer
        self.runner = runner
        self.perceptual_description = getattr(perceptual, "description", "none")
        self.discriminator_description = discriminator_description

    @classmethod
    def build(cls, cfg: Mapping[str, Any], section: Mapping[str, Any], runner: StageRunner) -> _PixelTerms:
        perceptual = build_perceptual(section["perceptual"], section["perceptual_weights"])
        with torch.random.fork_rng(devices=[]):  # the same fresh discriminator in every invocation with this seed
            torch.manual_seed(int(cfg["seed"]))
            discriminator = build_discriminator(
                section["discriminator"],
                section["discriminator_weights"],
                channels=int(section["discriminator_channels"]),
            )
        optimizer = torch.optim.AdamW(
            discriminator.parameters(), lr=float(section["discriminator_lr"]), betas=(0.5, 0.999), weight_decay=0.0
        )
        critic = runner.add(DISCRIMINATOR, discriminator, optimizer)
        description = getattr(discriminator, "description", section["discriminator"])
        if perceptual is not None:
            perceptual = perceptual.to(runner.device)
        return cls(perceptual, critic, optimizer, runner, description)

    def generator_terms(self, fake: torch.Tensor, real: torch.Tensor) -> dict[str, torch.Tensor]:
        """The student's pixel terms for decoded images `fake` against `real` (both in [0, 1])."""
        terms = {"gan": hinge_g_loss(self.critic(fake))}
        if self.perceptual is not None:
            terms["perceptual"] = self.perceptual(fake, real)
        return terms

    def train_discriminator(self, real: torch.Tensor, fake: torch.Tensor) -> float:
        """One hinge step of the discriminator; returns its loss."""
        logits = self.critic(torch.cat([real, fake]))
        loss = hinge_d_loss(*logits.split(len(real)))
        self.optimizer.zero_grad(set_to_none=True)  # also drops what the student's backward left in the critic
        self.runner.backward(loss)
        self.optimizer.step()
        return float(loss.detach())


def _check_section(section: Mapping[str, Any], name: str, *, pixel: bool) -> dict[str, float]:
    """Checks the keys this stage reads (the runner checks run_dir, steps, checkpoint_every); returns the loss
    weights (stage 1: the latent term alone)."""
    check_positive_int(section, name, "batch_size")
    for key, allowed in (("loss", tuple(LATENT_LOSSES)), ("input", INPUTS), ("target", tuple(TARGETS))):
        if section[key] not in allowed:
            raise StageError("STAGE_CONFIG", f"{name}.{key} is {section[key]!r}; expected one of {', '.join(allowed)}")
    if not pixel:
        return {"latent": 1.0}
    check_loss_weights(section, name, required=PIXEL_TERMS, optional=OPTIONAL_PIXEL_TERMS)
    if not isinstance(section["train_decoder"], bool):
        raise StageError("STAGE_CONFIG", f"{name}.train_decoder must be true or false, found {section['train_decoder']!r}")
    weights = {key: float(value) for key, value in section["loss_weights"].items()}
    if (section["perceptual"] == "none") != (weights["perceptual"] == 0.0):
        raise StageError(
            "STAGE_CONFIG",
            f"{name}.perceptual is {section['perceptual']!r} but loss_weights.perceptual is {weights['perceptual']}: "
            "name a perceptual loss with a non-zero weight, or none with weight 0",
        )
    return weights
