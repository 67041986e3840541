"""Stage `recoverability`: the paper's Tab. 2 / Tab. C.2 analogue. Every method x keep ratio is pruned (stage.py),
then its student is fine-tuned with the same short budget on the cached latents, and both are scored on the hold-out.

Owns: the per-cell configs (each cell is a `prune` run in `<run_dir>/<method>-keep<NN>/prune` plus a resumable
fine-tune in `.../finetune`), the fine-tune step (L1 of the student's output latent to the cached teacher latent, every
student weight trained, AdamW), the scores and the report (`recoverability.report`, Markdown + JSON beside it).
Scores on the hold-out (never seen by a search or a fine-tune): latent L1 to the teacher latent, and PSNR of the decoded
output against the decoded teacher latent (both through the teacher's VAE decoder), before and after fine-tuning;
plus the masked teacher's L1 with the chosen hard mask (what a search optimises, both MMDiT streams still present).
May import: torch, accelerate, tinysr_train.{models, train.runner, train.teacher_latent, prune.*}.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from accelerate import PartialState

from tinysr_train.models import TinySRTransformer, TSDSRTeacher
from tinysr_train.prune.latents import CacheSplit, LatentCache, LatentScorer, load_latent_cache, split_cache
from tinysr_train.prune.settings import PruneSettings, RecoverabilitySettings, split_method_entry
from tinysr_train.prune.stage import load_pruned_student, run_prune
from tinysr_train.train.runner import StageRunner, StageSettings

STAGE = "recoverability"
SECTION = "recoverability"
MODULE = "student"


@dataclass(frozen=True)
class Cell:
    method: str
    keep_ratio: float
    layers: int
    kept_layers: int
    keep: list[int]
    masked_teacher_l1: float
    before: dict[str, float]
    after: dict[str, float]
    search_seconds: float
    finetune_seconds: float


def cell_config(cfg: Mapping[str, Any], settings: RecoverabilitySettings, entry: str, ratio: float) -> dict[str, Any]:
    """The config one cell runs with: `prune` set to the method (and neighbour rule) of `entry`, the ratio, the cell
    folder and the search budget; `recoverability` reduced to the fine-tune keys (so adding a method or ratio to the
    experiment leaves finished cells resumable)."""
    method, neighbour = split_method_entry(entry)
    cell_dir = settings.run_dir / f"{entry.replace(':', '-')}-keep{round(ratio * 100)}"
    derived = copy.deepcopy(dict(cfg))
    derived["prune"] = {
        **derived["prune"],
        "method": method,
        "neighbour": neighbour or derived["prune"]["neighbour"],
        "keep_ratio": ratio,
        "run_dir": str(cell_dir / "prune"),
        "steps": settings.search_steps,
        "checkpoint_every": settings.search_steps,
    }
    derived[SECTION] = {
        "run_dir": str(cell_dir / "finetune"),
        "steps": settings.steps,
        "checkpoint_every": settings.checkpoint_every,
        "log_every": cfg[SECTION].get("log_every", 10),
        "batch_size": settings.batch_size,
        "lr": settings.lr,
        "weight_decay": settings.weight_decay,
    }
    return derived


def finetune(
    cfg: Mapping[str, Any],
    settings: RecoverabilitySettings,
    student: TinySRTransformer,
    cache: LatentCache,
    split: CacheSplit,
    *,
    log: Callable[[str], None] = print,
) -> TinySRTransformer | None:
    """Runs (or resumes) one cell's fine-tune (`cfg` from `cell_config`); returns the fine-tuned student, or None when
    the runner's wall-clock budget stopped it early."""
    runner = StageRunner(
        STAGE, cfg, StageSettings.from_section(cfg[SECTION], SECTION), section=SECTION,
        reads=("prune", "teacher_latent"), log=log,
    )
    student.train().requires_grad_(True)
    optimizer = torch.optim.AdamW(student.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    model = runner.add(MODULE, student, optimizer)

    def step_fn(step: int) -> dict[str, float]:
        latents = cache.latents(split.draw(runner.generator(step), settings.batch_size))
        lq, target = latents["lq"].to(runner.device).float(), latents["teacher"].to(runner.device).float()
        loss = F.l1_loss(lq - model(lq), target)
        optimizer.zero_grad(set_to_none=True)
        runner.backward(loss)
        optimizer.step()
        return {"loss": float(loss.detach())}

    result = runner.run(step_fn)
    return runner.unwrap(MODULE) if result.step >= settings.steps else None  # type: ignore[return-value]


def run_recoverability(
    cfg: Mapping[str, Any],
    *,
    command: str,
    teacher: TSDSRTeacher | None = None,
    cache: LatentCache | None = None,
    log: Callable[[str], None] = print,
) -> list[Cell]:
    """Runs every cell (resuming finished work), writes the report and returns the cells (none, and no report, when a
    wall-clock budget stopped a stage early). `command` is the command line recorded in the report."""
    settings = RecoverabilitySettings.from_config(cfg)
    prune_settings = PruneSettings.from_config(cfg)
    if teacher is None:
        from tinysr_train.train.teacher_latent import load_trained_teacher

        teacher = load_trained_teacher(cfg)
    cache = cache if cache is not None else load_latent_cache(cfg)
    state = PartialState()  # one process, or this rank's device under `accelerate launch`
    device = state.device
    split = split_cache(len(cache), prune_settings.holdout, prune_settings.score_samples, int(cfg["seed"]))
    teacher = teacher.to(device)

    score = LatentScorer(
        cache, split.holdout, batch_size=prune_settings.eval_batch_size, device=device, decoder=teacher.decode
    )
    cells = []
    for ratio in settings.keep_ratios:
        for method in settings.methods:
            log(f"recoverability: {method} keeping {ratio:.0%}")
            cell_cfg = cell_config(cfg, settings, method, ratio)
            started = time.perf_counter()
            pruned = run_prune(cell_cfg, teacher=teacher, cache=cache, log=log)
            searched = time.perf_counter()
            if not pruned.complete:
                return _stopped(log)
            student = load_pruned_student(cell_cfg).to(device).eval()
            before = score(lambda lq: lq - student(lq))
            tuning = time.perf_counter()
            tuned = finetune(cell_cfg, settings, student, cache, split, log=log)
            tuned_at = time.perf_counter()
            if tuned is None:
                return _stopped(log)
            tuned.eval()
            after = score(lambda lq: lq - tuned(lq))
            cells.append(
                Cell(
                    method=method,
                    keep_ratio=ratio,
                    layers=int(pruned.record["layers"]),
                    kept_layers=len(pruned.keep),
                    keep=pruned.keep,
                    masked_teacher_l1=float(pruned.record["holdout_masked_teacher_l1"]),
                    before=before,
                    after=after,
                    search_seconds=searched - started,
                    finetune_seconds=tuned_at - tuning,
                )
            )
    identity = score(lambda lq: lq)
    if not state.is_main_process:
        return cells
    write_report(settings.report, cells, identity, cfg, settings, command=command, holdout=len(split.holdout))
    log(f"recoverability: wrote {settings.report} and {settings.report.with_suffix('.json')}")
    return cells


def _stopped(log: Callable[[str], None]) -> list[Cell]:
    log("recoverability: a stage stopped at its wall-clock budget; no report written, rerun to continue")
    return []


def write_report(
    path: Path,
    cells: list[Cell],
    identity: dict[str, float],
    cfg: Mapping[str, Any],
    settings: RecoverabilitySettings,
    *,
    command: str,
    holdout: int,
) -> None:
    prune = cfg["prune"]
    lines = [
        "# Recoverability of depth-pruning methods (the paper's Tab. 2 / Tab. C.2 analogue)",
        "",
        f"Made by `{command}` (run from `training/`), model `{cfg['model']['registry']}`, seed {cfg['seed']}, "
        f"on {'CUDA: ' + torch.cuda.get_device_name() if torch.cuda.is_available() else 'CPU'}.",
        "",
        "Each method prunes the trained latent teacher to the kept fraction of its layers; the student cut from the "
        f"original weights is then fine-tuned for {settings.steps} steps (batch {settings.batch_size}, AdamW lr "
        f"{settings.lr:g}, L1 to the cached teacher latents). Learned methods (dia-ecs, tinyfusion) search for "
        f"{settings.search_steps} steps (batch {prune['batch_size']}, search fine-tune `{prune['finetune']}`, "
        f"gate lr {prune['lr'] * prune['gate_lr_scale']:g}, tau {prune['tau_start']} -> {prune['tau_end']}, "
        f"DIA neighbour rule `{prune['neighbour']}` unless written `dia-ecs:<rule>`); baselines score "
        f"{prune['score_samples']} training samples (random-min: the lowest latent L1 of "
        f"{prune['random_candidates']} random N:M masks). All scores are on {holdout} held-out pairs: latent L1 to the "
        "teacher's output latent (lower is better) and PSNR of the decoded output against the decoded teacher latent "
        "(dB, higher is better). `masked teacher L1` is the teacher itself with the chosen layers gated off (both "
        "streams), what a search optimises; the student keeps the image stream only.",
        "",
        "| pruned | kept | method | masked teacher L1 | L1 before | L1 after | PSNR before | PSNR after | keep-list |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    best = {
        ratio: min((c for c in cells if c.keep_ratio == ratio), key=lambda c: c.after["latent_l1"]).method
        for ratio in {c.keep_ratio for c in cells}
    }
    for cell in cells:
        mark = "**" if best[cell.keep_ratio] == cell.method else ""
        lines.append(
            f"| {1 - cell.kept_layers / cell.layers:.0%} | {cell.kept_layers} | {mark}{cell.method}{mark} "
            f"| {cell.masked_teacher_l1:.4f} | {cell.before['latent_l1']:.4f} | {mark}{cell.after['latent_l1']:.4f}"
            f"{mark} | {cell.before['decoded_psnr']:.2f} | {cell.after['decoded_psnr']:.2f} | {cell.keep} |"
        )
    lines += [
        "",
        f"Reference: the input latent itself (no transformer) scores L1 {identity['latent_l1']:.4f}, "
        f"PSNR {identity['decoded_psnr']:.2f} dB. Bold: the lowest L1 after fine-tuning at each ratio.",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    payload = {
        "command": command,
        "settings": {**asdict(settings), "run_dir": str(settings.run_dir), "report": str(settings.report)},
        "prune": dict(prune),
        "holdout_samples": holdout,
        "identity": identity,
        "cells": [asdict(cell) for cell in cells],
    }
    path.with_suffix(".json").write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
