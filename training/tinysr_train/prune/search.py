"""Mask learning (spec section 4): TinyFusion's N:M masks or TinySR's DIA + ECS, trained on cached latents with the
stage runner (resumable, loss curve, multi-process).

Owns: building the mask model for a method, the search copy of the teacher (frozen, or with LoRA on every linear of its
blocks, or fully trainable, per `prune.finetune`), the optimizer (gate logits at `gate_lr_scale` x the weights' lr, no
weight decay on logits), the step (hard Gumbel masks at the scheduled temperature, L1 of the masked output latent to the
cached teacher latent, EMA of the logits after each optimizer step) and the decision.
May import: torch, peft, tinysr_train.{models, train.runner, prune.*}.

The search copy is discarded after the decision: like TinyFusion, the pruned student is cut from the original weights
(see stage.py), so the search's fine-tuning only shapes which layers are chosen.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from tinysr_train.models import TSDSRTeacher
from tinysr_train.prune.gating import MaskedTeacher
from tinysr_train.prune.latents import CacheSplit, LatentCache
from tinysr_train.prune.masks import GroupMask, GroupSpace, InterBlockMask
from tinysr_train.prune.settings import PruneSettings
from tinysr_train.train.runner import StageRunner, StageSettings

STAGE = "prune"
SECTION = "prune"
MODULE = "search"
MASK_STREAM = 1  # runner.generator stream of the Gumbel noise and tie-breaks (stream 0 draws the batch)


class MaskSearch(nn.Module):
    """The trainable search: mask model + gated teacher. forward(lq, tau, generator) -> (output latent, masks)."""

    def __init__(self, masks: GroupMask, masked: MaskedTeacher, per_sample: bool) -> None:
        super().__init__()
        self.masks = masks
        self.masked = masked
        self.per_sample = per_sample

    def forward(
        self, lq: torch.Tensor, tau: float, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        masks = self.masks(lq.shape[0] if self.per_sample else 1, tau, generator)
        return self.masked(lq, masks), masks


def build_mask_model(settings: PruneSettings, space: GroupSpace) -> GroupMask:
    common = {"logit_init": settings.logit_init, "scale": settings.gumbel_scale, "ema_decay": settings.ema_decay}
    if settings.method == "dia-ecs":
        return InterBlockMask(space, neighbour=settings.neighbour, **common)  # type: ignore[arg-type]
    return GroupMask(space, **common)


def search_teacher(teacher: TSDSRTeacher, settings: PruneSettings) -> TSDSRTeacher:
    """The teacher the search trains: a copy (the original stays pristine for the student), frozen for
    `finetune: none`, with LoRA (rank `lora_rank`, alpha = rank) on every linear of its blocks for `lora`, or whole."""
    copied = copy.deepcopy(teacher).requires_grad_(False)
    if settings.finetune == "full":
        copied.transformer.requires_grad_(True)
    elif settings.finetune == "lora":
        from peft import LoraConfig

        targets = [
            name
            for name, module in copied.transformer.named_modules()
            if name.startswith("transformer_blocks.") and isinstance(module, nn.Linear)
        ]
        copied.transformer.add_adapter(
            LoraConfig(r=settings.lora_rank, lora_alpha=settings.lora_rank, target_modules=targets)
        )
    return copied


def build_optimizer(search: MaskSearch, settings: PruneSettings) -> torch.optim.AdamW:
    gate_lr = settings.lr * settings.gate_lr_scale
    groups: list[dict[str, Any]] = [{"params": list(search.masks.parameters()), "lr": gate_lr, "weight_decay": 0.0}]
    weights = [p for p in search.masked.parameters() if p.requires_grad]
    if weights:
        groups.append({"params": weights, "lr": settings.lr, "weight_decay": settings.weight_decay})
    return torch.optim.AdamW(groups)


def run_search(
    cfg: Mapping[str, Any],
    settings: PruneSettings,
    space: GroupSpace,
    teacher: TSDSRTeacher,
    cache: LatentCache,
    split: CacheSplit,
    *,
    log: Callable[[str], None] = print,
) -> tuple[GroupMask, int]:
    """Runs (or resumes) the search up to prune.steps; returns the trained mask model (on the CPU) and its step."""
    stage_settings = StageSettings.from_section(cfg[SECTION], SECTION)
    runner = StageRunner(STAGE, cfg, stage_settings, section=SECTION, reads=("teacher_latent",), log=log)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(cfg["seed"]))  # LoRA's random init
        masked = MaskedTeacher(search_teacher(teacher, settings))
    search = MaskSearch(build_mask_model(settings, space), masked, settings.per_sample_masks())
    optimizer = build_optimizer(search, settings)
    model = runner.add(MODULE, search, optimizer)
    bare: MaskSearch = runner.unwrap(MODULE)  # type: ignore[assignment]

    def step_fn(step: int) -> dict[str, float]:
        latents = cache.latents(split.draw(runner.generator(step), settings.batch_size))
        lq, target = latents["lq"].to(runner.device).float(), latents["teacher"].to(runner.device).float()
        tau = settings.tau(step, stage_settings.steps)
        output, masks = model(lq, tau, runner.generator(step, MASK_STREAM))
        loss = F.l1_loss(output, target)
        optimizer.zero_grad(set_to_none=True)
        runner.backward(loss)
        optimizer.step()
        bare.masks.update_ema()
        return {"loss": float(loss.detach()), "tau": tau, "kept_layers": float(masks.detach().sum(1).mean())}

    result = runner.run(step_fn)
    return bare.masks.cpu(), result.step
