"""Stage `prune`: choose the layers to keep with one method, then cut the student from the trained teacher.

Owns: dispatch over the methods (learned: search.py; one-shot: baselines.py), the outputs in `prune.run_dir` and how
later stages read them:
- `keep.json`: the keep-list, method, ratio, group space, seed, config hash, the final logits and EMA logits (learned)
  or the scores (baselines), and the decided mask's held-out L1 on the masked original teacher;
- `pruned.pt`: a tinysr-train checkpoint with module `student` (`build_student(teacher, keep)`, image stream only,
  from the ORIGINAL teacher weights), the resolved config, and `extra.keep`. Restoration loads it with
  `load_pruned_student(cfg)` (or reads `<prune.run_dir>/pruned.pt` itself).
A second call with the same recipe finds `pruned.pt` up to date and does nothing; raising `prune.steps` resumes the
search from its last checkpoint. A search stopped early by the runner's wall-clock budget writes neither file.
May import: torch, accelerate, tinysr_train.{atomic, checkpoint, config, models, registry, train.runner,
train.teacher_latent, prune.*}.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from accelerate import PartialState

from tinysr_train.atomic import atomic_write_text
from tinysr_train.checkpoint import load_checkpoint, save_checkpoint
from tinysr_train.config import config_diff, config_hash
from tinysr_train.models import TinySRTransformer, TSDSRTeacher, build_student
from tinysr_train.prune import baselines
from tinysr_train.prune.gating import MaskedTeacher
from tinysr_train.prune.latents import LatentCache, LatentScorer, load_latent_cache, split_cache
from tinysr_train.prune.masks import GroupSpace
from tinysr_train.prune.search import run_search
from tinysr_train.prune.settings import GLOBAL_METHODS, PruneSettings
from tinysr_train.registry import get_config
from tinysr_train.train.runner import StageError, module_state

PRUNED_CHECKPOINT = "pruned.pt"
KEEP_FILE = "keep.json"
STUDENT_MODULE = "student"
# The config sections a pruning result depends on; any change in them makes a new result.
RECIPE_SECTIONS = ("seed", "model", "paths", "prune", "teacher_latent")


@dataclass(frozen=True)
class PruneResult:
    keep: list[int]
    checkpoint: Path
    record: dict[str, Any]  # the contents of keep.json
    ran: bool  # False when the outputs were already up to date
    complete: bool = True  # False when the search stopped early (wall-clock budget): decided from its logits so far


def pruned_checkpoint(cfg: Mapping[str, Any]) -> Path:
    return Path(cfg["prune"]["run_dir"]) / PRUNED_CHECKPOINT


def load_pruned_student(cfg: Mapping[str, Any]) -> TinySRTransformer:
    """The pruned student of `prune.run_dir` (on the CPU, trainable, uncached). STAGE_NOT_RUN names the command."""
    path = pruned_checkpoint(cfg)
    if not path.is_file():
        raise StageError("STAGE_NOT_RUN", f"no pruned student at {path}: run `tinysr-train prune --config ...` first")
    checkpoint = load_checkpoint(path)
    model_cfg = replace(get_config(checkpoint.config["model"]["registry"]), keep=tuple(checkpoint.extra["keep"]))
    student = build_student(model_cfg)
    student.load_state_dict(module_state(checkpoint.model_state, STUDENT_MODULE), strict=True)
    return student


def run_prune(
    cfg: Mapping[str, Any],
    *,
    teacher: TSDSRTeacher | None = None,
    cache: LatentCache | None = None,
    log: Callable[[str], None] = print,
) -> PruneResult:
    """Runs `prune.method` at `prune.keep_ratio` (teacher and cache default to the recipe's) and writes the outputs."""
    settings = PruneSettings.from_config(cfg)
    run_dir = Path(cfg["prune"]["run_dir"])
    done = _up_to_date(cfg, run_dir)
    if done is not None:
        log(f"prune: nothing to do, {run_dir / PRUNED_CHECKPOINT} is up to date (keep {done['keep']})")
        return PruneResult(done["keep"], run_dir / PRUNED_CHECKPOINT, done, ran=False)
    if teacher is None:
        from tinysr_train.train.teacher_latent import load_trained_teacher

        teacher = load_trained_teacher(cfg)
    cache = cache if cache is not None else load_latent_cache(cfg)
    state = PartialState()  # one process, or this rank's device under `accelerate launch` (the search's runner)
    device = state.device
    teacher = teacher.to(device)
    layers = len(teacher.transformer.transformer_blocks)
    space = settings.space(layers)
    seed = int(cfg["seed"])
    split = split_cache(len(cache), settings.holdout, settings.score_samples, seed)
    selection, step, complete = None, 0, True
    if settings.learned:  # before gating: the search works on its own copy of the teacher
        masks, step = run_search(cfg, settings, space, teacher, cache, split, log=log)
        complete = step >= int(cfg["prune"]["steps"])
        if not complete:
            # A wall-clock budget stopped it: decide from the logits so far, so later stages can run, and mark the
            # record incomplete so that a rerun continues the search and decides again.
            log(f"prune: the search stopped at step {step} of {cfg['prune']['steps']}; deciding from its current "
                "logits (rerun to continue the search)")
        selection = baselines.Selection(masks.keep(), masks.state_summary())
    masked = MaskedTeacher(teacher)
    try:
        if selection is None:
            scorer = LatentScorer(cache, split.scoring, batch_size=settings.eval_batch_size, device=device)
            scoring = baselines.Scoring(masked, scorer)
            selection = _baseline(settings, scoring, space, seed)
        keep_mask = torch.zeros(1, layers, device=device)
        keep_mask[0, selection.keep] = 1.0
        holdout = LatentScorer(cache, split.holdout, batch_size=settings.eval_batch_size, device=device)(
            lambda lq: masked(lq, keep_mask)
        )
    finally:
        masked.release()
    keep = selection.keep
    record = {
        "method": settings.method,
        "keep_ratio": settings.keep_ratio,
        "layers": layers,
        "kept_layers": len(keep),
        "keep": keep,
        "group_space": None if settings.method in GLOBAL_METHODS else {"size": space.group_size, "keep": space.keep},
        "neighbour": settings.neighbour if settings.method == "dia-ecs" else None,
        "seed": seed,
        "search_steps": step,
        "search_complete": complete,
        "config_hash": config_hash(cfg),
        "holdout_masked_teacher_l1": holdout["latent_l1"],
        "holdout_samples": len(split.holdout),
        "checkpoint": PRUNED_CHECKPOINT,
        ("logits" if settings.learned else "scores"): selection.details,
    }
    path = run_dir / PRUNED_CHECKPOINT
    if state.is_main_process:
        student = build_student(replace(teacher.config, keep=tuple(keep)), teacher)
        save_checkpoint(
            path,
            model_state={f"{STUDENT_MODULE}.{k}": v.detach().cpu() for k, v in student.state_dict().items()},
            step=step,
            config=cfg,
            extra={"stage": "prune", "keep": keep, "method": settings.method, "keep_ratio": settings.keep_ratio},
        )
        atomic_write_text(run_dir / KEEP_FILE, json.dumps(record, indent=1) + "\n")
        log(f"prune: {settings.method} keeps {len(keep)} of {layers} layers {keep}; wrote {path} and {KEEP_FILE}")
    state.wait_for_everyone()  # later stages on every rank read the files
    return PruneResult(keep, path, record, ran=True, complete=complete)


def _baseline(
    settings: PruneSettings, scoring: baselines.Scoring, space: GroupSpace, seed: int
) -> baselines.Selection:
    if settings.method == "random-min":
        return baselines.random_min(scoring, space, settings.random_candidates, seed)
    if settings.method == "similarity":
        return baselines.similarity(scoring, space.kept_layers)
    return baselines.sensitivity(scoring, space.kept_layers)


def _up_to_date(cfg: Mapping[str, Any], run_dir: Path) -> dict[str, Any] | None:
    """keep.json's record when pruned.pt was written with the same recipe sections, else None."""
    path, keep_file = run_dir / PRUNED_CHECKPOINT, run_dir / KEEP_FILE
    if not (path.is_file() and keep_file.is_file()):
        return None
    stored = load_checkpoint(path).config

    def relevant(c: Mapping[str, Any]) -> dict[str, Any]:
        return {key: c.get(key) for key in RECIPE_SECTIONS}

    if config_diff(relevant(cfg), relevant(stored)):
        return None
    record = json.loads(keep_file.read_text(encoding="utf-8"))
    return record if record.get("search_complete", True) else None
