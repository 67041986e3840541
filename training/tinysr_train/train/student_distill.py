"""Latent distillation of the TinySR student to the teacher's output latents: the training loop of restoration stage 1
(spec section 5), with AdamW, periodic checkpoints and exact resume.

Owns the loop, its config section (`train.*`, see configs/train-student-smoke.yaml), the step data and checkpoint
naming. Later stages extend the teacher and data sources; today the loop runs a seeded random teacher on random latents,
which is what the smoke test needs.
May import: torch, tinysr_train.{config, checkpoint, registry, models}.

Resume reproduces the uninterrupted run because nothing depends on history outside the checkpoint: models are built
under a fixed seed in a forked RNG, each step's batch comes from its own generator seeded by (seed, step), the learning
rate is constant, and the optimizer state is saved with the weights. Checkpoints hold the whole TinySRPipeline state
(uncached), so `tinysr-train export model.checkpoint=<file>` exports a training result directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from tinysr_train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from tinysr_train.config import config_diff
from tinysr_train.models import TinySRPipeline, build_student, build_teacher, build_tiny_vae
from tinysr_train.registry import ModelConfig, get_config

STAGE = "latent-distill"
CHECKPOINT_PATTERN = re.compile(r"^step-(\d+)\.pt$")
# The target length may grow between invocations (train 2 steps, then resume to 4); every other key is the recipe.
RESUMABLE_CHANGES = frozenset({"train.steps"})
LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {"l1": F.l1_loss, "l2": F.mse_loss}
TEACHERS = ("random-init",)
DATA_SOURCES = ("random",)


class TrainConfigError(Exception):
    """A `train.*` value the loop cannot run with; the message names the key, the value and the accepted ones."""

    code = "TRAIN_CONFIG"


@dataclass(frozen=True)
class TrainResult:
    start_step: int  # 0, or the step of the checkpoint this invocation resumed from
    step: int  # the step reached
    losses: list[float]  # one per step run by this invocation
    checkpoints: list[Path]


def checkpoint_path(run_dir: Path, step: int) -> Path:
    return run_dir / f"step-{step:06d}.pt"


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The checkpoint with the highest step in `run_dir`, or None."""
    found = [
        (int(match[1]), path)
        for path in run_dir.glob("step-*.pt")
        if (match := CHECKPOINT_PATTERN.match(path.name))
    ]
    return max(found)[1] if found else None


def step_latents(seed: int, step: int, batch: int, model_cfg: ModelConfig) -> torch.Tensor:
    """The random input latents of one step: a draw that depends only on (seed, step), so resume sees the same data."""
    generator = torch.Generator().manual_seed((seed << 32) + step)
    side = model_cfg.latent_tile
    return torch.randn(batch, model_cfg.transformer.in_channels, side, side, generator=generator)


def train_student(cfg: Mapping[str, Any], *, log: Callable[[str], None] = print) -> TrainResult:
    """Runs (or resumes) the loop of `cfg` up to `train.steps`; returns what this invocation did."""
    train = cfg["train"]
    _check_choices(train)
    model_cfg = get_config(cfg["model"]["registry"])
    seed = int(cfg["seed"])
    run_dir = Path(train["run_dir"])
    teacher, pipeline = _build_models(model_cfg, seed)
    student = pipeline.student.train()
    optimizer = torch.optim.AdamW(
        [p for p in student.parameters() if p.requires_grad],
        lr=float(train["lr"]),
        betas=tuple(float(b) for b in train["betas"]),
        weight_decay=float(train["weight_decay"]),
    )
    start = 0
    resume_from = latest_checkpoint(run_dir) if train["resume"] else None
    if resume_from is not None:
        start = _resume(resume_from, cfg, pipeline, optimizer)
        log(f"resumed from {resume_from} at step {start}")
    loss_fn = LOSSES[train["loss"]]
    steps, every, batch = int(train["steps"]), int(train["checkpoint_every"]), int(train["batch_size"])
    losses: list[float] = []
    saved: list[Path] = []
    for step in range(start, steps):
        latent = step_latents(seed, step, batch, model_cfg)
        with torch.no_grad():
            target = teacher.denoise(latent)
        loss = loss_fn(latent - student(latent), target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
        done = step + 1
        log(f"step {done}/{steps} {train['loss']} loss {losses[-1]:.6f}")
        if done % every == 0 or done == steps:
            saved.append(_save(run_dir, done, cfg, pipeline, optimizer, losses[-1]))
            log(f"saved {saved[-1]}")
    return TrainResult(start_step=start, step=max(start, steps), losses=losses, checkpoints=saved)


def _build_models(model_cfg: ModelConfig, seed: int) -> tuple[torch.nn.Module, TinySRPipeline]:
    """Frozen teacher and the student pipeline initialised from it, identical in every invocation with this seed."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        teacher = build_teacher(model_cfg).eval().requires_grad_(False)
        tiny_vae = build_tiny_vae(model_cfg.tiny_vae).eval().requires_grad_(False)
        pipeline = TinySRPipeline(build_student(model_cfg, teacher), tiny_vae)
    return teacher, pipeline


def _resume(path: Path, cfg: Mapping[str, Any], pipeline: TinySRPipeline, optimizer: torch.optim.Optimizer) -> int:
    checkpoint = load_checkpoint(path)
    differing = [key for key in config_diff(cfg, checkpoint.config) if key not in RESUMABLE_CHANGES]
    if differing:
        raise CheckpointError(
            "CHECKPOINT_CONFIG_MISMATCH",
            f"cannot resume from {path}: it was written with another recipe; differing keys: {', '.join(differing)}. "
            f"Only {', '.join(sorted(RESUMABLE_CHANGES))} may change on resume; use a new train.run_dir to start over.",
        )
    if checkpoint.optimizer_state is None:
        raise CheckpointError("CHECKPOINT_NO_OPTIMIZER", f"cannot resume from {path}: it holds no optimizer state")
    pipeline.load_state_dict(checkpoint.model_state, strict=True)
    optimizer.load_state_dict(checkpoint.optimizer_state)
    return checkpoint.step


def _save(
    run_dir: Path,
    step: int,
    cfg: Mapping[str, Any],
    pipeline: TinySRPipeline,
    optimizer: torch.optim.Optimizer,
    loss: float,
) -> Path:
    train = cfg["train"]
    return save_checkpoint(
        checkpoint_path(run_dir, step),
        model_state=pipeline.state_dict(),
        optimizer_state=optimizer.state_dict(),
        step=step,
        config=cfg,
        extra={
            "stage": STAGE,
            "loss": loss,
            "weights": "trained",
            "teacher": f"{train['teacher']} {cfg['model']['registry']} teacher",
            "data": train["data"],
        },
    )


def _check_choices(train: Mapping[str, Any]) -> None:
    choices = (("stage", (STAGE,)), ("loss", tuple(LOSSES)), ("teacher", TEACHERS), ("data", DATA_SOURCES))
    for key, allowed in choices:
        if train[key] not in allowed:
            raise TrainConfigError(f"train.{key} is {train[key]!r}; this loop supports {', '.join(allowed)}")
    for key in ("steps", "batch_size", "checkpoint_every"):
        if not isinstance(train[key], int) or train[key] < 1:
            raise TrainConfigError(f"train.{key} must be a positive integer, found {train[key]!r}")
