"""Stage `teacher-latent`: trains the small latent teacher's 24-layer SD3 transformer one-step, from scratch, to map the
latent of the bicubic-upscaled LQ image to the latent of the reference teacher's output, inside the frozen VAE from
`teacher-vae`. Also `load_trained_teacher(cfg)`, how every later stage gets the result.

Owns the stage's config section (`teacher_latent.*`), its loss (L1 between latents + an optional pixel L1 through the
frozen decoder), the transformer's from-scratch initialisation and `encode_lq`, the one definition of the teacher's
input latent (the latent cache must use it too).
May import: torch, tinysr_train.{models, registry, train.runner, train.stage_common, train.teacher_vae}.

TSD-SR's structure is kept whole: both MMDiT streams, adaLN at the configured timestep and the fixed seeded prompt
conditioning of `build_teacher`; one step from sigma 1 (`denoise(z) = z - prediction`). The transformer is fully trained
(no LoRA: nothing pretrained to adapt). The checkpoint holds module `teacher`, the whole TSDSRTeacher (VAE included),
so later stages load one file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from diffusers import SD3Transformer2DModel
from torch import nn

from tinysr_train.checkpoint import load_checkpoint
from tinysr_train.models import TSDSRTeacher, build_teacher
from tinysr_train.models.lr_input import vae_input
from tinysr_train.registry import ModelConfig, get_config
from tinysr_train.train import teacher_vae
from tinysr_train.train.runner import StageResult, StageRunner, StageSettings, load_stage_modules, stage_output
from tinysr_train.train.stage_common import (
    PixelCache,
    build_optimizer,
    check_loss_weights,
    check_positive_int,
    load_cache,
    pretrained_teacher,
)

STAGE = "teacher-latent"
SECTION = "teacher_latent"
MODULE = "teacher"


class OneStepTeacher(TSDSRTeacher):
    """TSDSRTeacher whose `forward` is the one-step latent denoise, so DDP's gradient hooks see the training call; same
    state as the plain class, so the checkpoint loads into any TSDSRTeacher of the config."""

    def forward(self, latent: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.denoise(latent)


def encode_lq(teacher: TSDSRTeacher, lq: torch.Tensor) -> torch.Tensor:
    """The teacher's input latent for a [0, 1] LQ batch: its encoder (posterior mean, scaled) of bicubic x4 in [-1, 1].
    Unlike `TSDSRTeacher.forward`, no minimum-side enlargement: a training pair's latents must match in size."""
    return teacher.encode(vae_input(lq))


def init_adaln_zero(transformer: SD3Transformer2DModel) -> None:
    """DiT's adaLN-Zero for training from scratch: every block's modulation (shift, scale, gate) and the output
    projection start at zero, so each block starts as the identity and `denoise(z) = z` (the bicubic latent)."""
    for block in transformer.transformer_blocks:
        for norm in (block.norm1, block.norm1_context):
            nn.init.zeros_(norm.linear.weight)
            nn.init.zeros_(norm.linear.bias)
    for layer in (transformer.norm_out.linear, transformer.proj_out):
        nn.init.zeros_(layer.weight)
        nn.init.zeros_(layer.bias)


def build_untrained_teacher(cfg: Mapping[str, Any]) -> OneStepTeacher:
    """The teacher at `model.registry`'s sizes with the trained VAE of `teacher_vae.run_dir` (frozen) and a transformer
    initialised for training, identical in every invocation with this seed. STAGE_NOT_RUN if there is no VAE yet."""
    model_cfg = get_config(cfg["model"]["registry"])
    base = _built(model_cfg, int(cfg["seed"]))
    init_adaln_zero(base.transformer)
    if model_cfg.vae.codec != "unshuffle":  # the exact codec has no weights to load
        vae_checkpoint = stage_output(Path(cfg[teacher_vae.SECTION]["run_dir"]), teacher_vae.STAGE)
        load_stage_modules(vae_checkpoint, {teacher_vae.MODULE: base.vae})
    base.vae.eval().requires_grad_(False)
    return OneStepTeacher(model_cfg, base.transformer, base.vae, base.prompt_embeds, base.pooled_prompt_embeds)


def train_teacher_latent(
    cfg: Mapping[str, Any], *, cache: PixelCache | None = None, log: Callable[[str], None] = print
) -> StageResult:
    """Runs (or resumes) `teacher_latent` up to its `steps`; `cache` defaults to `PairCache.load(paths.cache)`.
    With `teacher.pretrained` set, the real teacher replaces this stage: nothing is trained."""
    if pretrained_teacher(cfg):
        log(f"{STAGE}: nothing to do, teacher.pretrained is set (the real TSD-SR teacher is used)")
        return StageResult(start_step=0, step=0, losses=[], checkpoints=[])
    section = cfg[SECTION]
    check_loss_weights(section, SECTION, required=("latent_l1",), optional=("pixel_l1",))
    check_positive_int(section, SECTION, "batch_size")
    settings = StageSettings.from_section(section, SECTION)
    runner = StageRunner(STAGE, cfg, settings, section=SECTION, reads=(teacher_vae.SECTION,), log=log)
    teacher = build_untrained_teacher(cfg)
    optimizer = build_optimizer(list(teacher.transformer.parameters()), section)
    model = runner.add(MODULE, teacher, optimizer, warmup_steps=int(section["warmup_steps"]), ema=True)
    bare: TSDSRTeacher = runner.unwrap(MODULE)  # type: ignore[assignment]
    weights = {key: float(value) for key, value in section["loss_weights"].items()}
    pixel_weight = weights.get("pixel_l1", 0.0)
    pixel_cache = cache if cache is not None else load_cache(cfg)
    batch = int(section["batch_size"])

    def step_fn(step: int) -> dict[str, float]:
        pixels = pixel_cache.pixels(pixel_cache.sample_indices(runner.generator(step), batch))
        lq, ref = pixels["lq"].to(runner.device), pixels["ref"].to(runner.device)
        with torch.no_grad():  # the VAE is frozen: its latents are data
            source, target = encode_lq(bare, lq), bare.encode(ref * 2.0 - 1.0)
        output = model(source)
        terms = {"latent_l1": F.l1_loss(output, target)}
        if pixel_weight:
            terms["pixel_l1"] = F.l1_loss(bare.decode(output), ref * 2.0 - 1.0)
        loss = sum(weights[name] * value for name, value in terms.items())
        optimizer.zero_grad(set_to_none=True)
        runner.backward(loss)
        optimizer.step()
        return {"loss": float(loss.detach()), **{name: float(value.detach()) for name, value in terms.items()}}

    return runner.run(step_fn)


def teacher_provenance(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """What `load_trained_teacher` loads, for cache metadata: the pretrained paths, or the checkpoint and its hash."""
    real = pretrained_teacher(cfg)
    if real:
        return {"pretrained": dict(real)}
    checkpoint = stage_output(Path(cfg[SECTION]["run_dir"]), STAGE)
    return {"checkpoint": str(checkpoint), "config_hash": load_checkpoint(checkpoint).config_hash}


def load_trained_teacher(cfg: Mapping[str, Any]) -> TSDSRTeacher:
    """The latent teacher, frozen and in eval mode, on the CPU: the real TSD-SR teacher when `teacher.pretrained` is
    set (MissingWeightsError names every absent file), else the latest checkpoint of `teacher_latent.run_dir`
    (STAGE_NOT_RUN names `tinysr-train teacher-latent` if it has not been trained)."""
    real = pretrained_teacher(cfg)
    if real:
        model_cfg = get_config(cfg["model"]["registry"])
        teacher = TSDSRTeacher.from_pretrained(
            real["transformer"], real["vae"], real["conditioning"], real.get("lora"), cfg=model_cfg
        )
        return teacher.eval().requires_grad_(False)
    checkpoint = stage_output(Path(cfg[SECTION]["run_dir"]), STAGE)
    teacher = _built(get_config(cfg["model"]["registry"]), int(cfg["seed"]))
    load_stage_modules(checkpoint, {MODULE: teacher})
    return teacher.eval().requires_grad_(False)


def _built(model_cfg: ModelConfig, seed: int) -> TSDSRTeacher:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build_teacher(model_cfg)
