"""The stage runner every training stage shares: resumable steps, checkpoints, progress, loss logs and curves, and
multi-process training through Hugging Face accelerate.

Owns: the step loop around a stage's own `step_fn`, the checkpoint layout (`run_dir/step-NNNNNN.pt` holding every
registered module as `<name>.<param>` plus each optimizer's state, and `extra.runner`: the learning-rate schedules,
the EMA state and, with EMA on, the raw training weights), resume with a recipe check, `losses.jsonl` and `losses.png`,
per-step random generators, and what accelerate and diffusers already do for a training loop, switched by keys of the
stage's section (absent = off, so recipes without them keep their behaviour and config hashes):
- `mixed_precision`: `no` (default) or `bf16` (for GPUs; accelerate's autocast around each step);
- `max_grad_norm`: null (default) or a norm: `accelerator.clip_grad_norm_` before every optimizer step of the stage;
- `ema_decay`: null (default) or a decay: diffusers' `EMAModel` over the stage's main module (registered with
  `ema=True`); its weights are what the checkpoint's `<name>.*` hold, so export and later stages use them;
- the learning rate: diffusers' `get_scheduler("cosine")`, linear warmup over `warmup_steps` then cosine decay to 0 at
  `steps`, for optimizers registered with `warmup_steps=`; its state is saved with the checkpoint.
A stage owns its models, data and losses; it registers what must be saved with `add`, and `run` does the rest.
May import: torch, accelerate, diffusers, tqdm, matplotlib (lazily, for the PNG) and tinysr_train.{atomic,
config, checkpoint, errors}.

Why resume is exact: nothing a step does depends on history outside the checkpoint. Each step's batch and noise come
from `generator(step)`, seeded by (seed, step, process rank, stream); the schedules' and EMA's states are saved.
Why not accelerate's `save_state`: it writes a folder of its own layout, while every later stage, `export` and `eval`
read this single-file checkpoint (module states under `<name>.<param>`, the resolved config, `extra`), and runs written
before this runner must keep loading; the RNG states it saves are not needed here (per-step generators). The recipe
check (a changed section refuses resume, only `steps` may grow) sits on top of it as before.
Scale-out: under `accelerate launch --num_processes N` (or torchrun), `add` wraps trainable modules in DDP, each
process draws its own batch from its rank's generator, gradients are averaged, and only the main process writes files.
The same code runs on one CPU, one GPU or several, unchanged.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from tinysr_train.atomic import atomic_write_text
from tinysr_train.checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from tinysr_train.config import config_diff
from tinysr_train.errors import TinySRError

CHECKPOINT_PATTERN = re.compile(r"^step-(\d+)\.pt$")
LOSS_LOG = "losses.jsonl"
LOSS_PLOT = "losses.png"
# Top-level config keys every stage's recipe depends on; a stage adds its own section (and any it reads from).
COMMON_SECTIONS = ("seed", "model", "paths")
# Operational wall-clock budgets, not part of any recipe: a JSON object {"<section>": seconds}. A stage that reaches
# its budget saves a checkpoint and stops early; rerunning it later resumes towards `steps` (e.g. a GPU lease ran out).
STAGE_SECONDS_ENV = "TINYSR_STAGE_SECONDS"
MIXED_PRECISION = ("no", "bf16")
# `extra` key of the runner's own state: {"schedulers": {name: state}, "ema": {name: state without shadow params},
# "weights": {name: raw training state}} (the last two only with EMA on).
RUNNER_STATE = "runner"


class StageError(TinySRError):
    """A stage that cannot start or continue; `code` is stable and the message says what to run or change."""


@dataclass(frozen=True)
class StageSettings:
    """The loop keys every stage section has (`steps` is the only one a resumed run may change)."""

    run_dir: Path
    steps: int
    checkpoint_every: int
    resume: bool = True
    log_every: int = 10
    mixed_precision: str = "no"
    max_grad_norm: float | None = None
    ema_decay: float | None = None

    @classmethod
    def from_section(cls, section: Mapping[str, Any], name: str = "stage") -> StageSettings:
        for key in ("run_dir", "steps", "checkpoint_every"):
            if key not in section:
                raise StageError("STAGE_CONFIG", f"{name}.{key} is missing; every stage section needs run_dir, steps, "
                                 "checkpoint_every")
        for key in ("steps", "checkpoint_every"):
            value = section[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise StageError("STAGE_CONFIG", f"{name}.{key} must be a positive integer, found {value!r}")
        precision = section.get("mixed_precision", "no")
        if precision not in MIXED_PRECISION:
            raise StageError("STAGE_CONFIG", f"{name}.mixed_precision is {precision!r}; expected no or bf16 "
                             "(fp16 would need a gradient scaler around the stages' own optimizer steps)")
        clip = section.get("max_grad_norm")
        if clip is not None and (isinstance(clip, bool) or not isinstance(clip, (int, float)) or clip <= 0):
            raise StageError("STAGE_CONFIG", f"{name}.max_grad_norm must be null or a positive number, found {clip!r}")
        decay = section.get("ema_decay")
        if decay is not None and (isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0 < decay < 1):
            raise StageError("STAGE_CONFIG", f"{name}.ema_decay must be null or a number in (0, 1), found {decay!r}")
        return cls(
            run_dir=Path(section["run_dir"]),
            steps=int(section["steps"]),
            checkpoint_every=int(section["checkpoint_every"]),
            resume=bool(section.get("resume", True)),
            log_every=int(section.get("log_every", 10)),
            mixed_precision=str(precision),
            max_grad_norm=None if clip is None else float(clip),
            ema_decay=None if decay is None else float(decay),
        )


@dataclass(frozen=True)
class StageResult:
    start_step: int  # 0, or the step of the checkpoint this invocation resumed from
    step: int  # the step reached
    losses: list[dict[str, float]]  # one per step this invocation ran (this process's values)
    checkpoints: list[Path]


def _use_mixed_precision(mode: str) -> None:
    """accelerate keeps one AcceleratorState per process and refuses a second Accelerator of another precision; stages
    run one after another in one process (vae-compress's two phases, the tests) may differ, so the process-wide
    accelerator settings are reset (the distributed PartialState, its process group and device, are kept)."""
    from accelerate.state import AcceleratorState

    state = AcceleratorState._shared_state
    if state and state.get("_mixed_precision") not in (None, mode):
        AcceleratorState._reset_state(reset_partial_state=False)


def checkpoint_path(run_dir: Path, step: int) -> Path:
    return run_dir / f"step-{step:06d}.pt"


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The checkpoint with the highest step in `run_dir`, or None."""
    found = [
        (int(match[1]), path)
        for path in Path(run_dir).glob("step-*.pt")
        if (match := CHECKPOINT_PATTERN.match(path.name))
    ]
    return max(found)[1] if found else None


def stage_output(run_dir: Path, command: str) -> Path:
    """The latest checkpoint of an earlier stage, or STAGE_NOT_RUN naming the command that makes it."""
    found = latest_checkpoint(Path(run_dir))
    if found is None:
        raise StageError(
            "STAGE_NOT_RUN",
            f"no checkpoint in {run_dir}: run `tinysr-train {command}` first (it writes {run_dir}/step-*.pt)",
        )
    return found


def module_state(state: Mapping[str, torch.Tensor], name: str) -> dict[str, torch.Tensor]:
    """The `<name>.*` entries of a checkpoint's model state, with the prefix removed."""
    prefix = f"{name}."
    return {key[len(prefix):]: value for key, value in state.items() if key.startswith(prefix)}


def load_stage_modules(path: Path, modules: Mapping[str, nn.Module]) -> Checkpoint:
    """Loads each `<name>.*` group of a stage checkpoint into `modules[name]` (strictly) and returns the checkpoint."""
    checkpoint = load_checkpoint(path)
    for name, module in modules.items():
        state = module_state(checkpoint.model_state, name)
        if not state:
            present = sorted({key.split(".", 1)[0] for key in checkpoint.model_state})
            raise StageError(
                "STAGE_MODULE_MISSING",
                f"{path} holds no module {name!r}; it holds: {', '.join(present) or 'nothing'}",
            )
        module.load_state_dict(state, strict=True)
    return checkpoint


class StageRunner:
    """Runs one stage's steps with checkpoints, resume, progress and loss logging (see the module docstring)."""

    def __init__(
        self,
        stage: str,
        cfg: Mapping[str, Any],
        settings: StageSettings,
        *,
        section: str | None = None,
        reads: Iterable[str] = (),
        log: Callable[[str], None] = print,
    ) -> None:
        """`section` is the stage's config section (default: `stage` with dashes as underscores); `reads` names the
        other sections whose values shape this stage's result (a changed one refuses resume)."""
        from accelerate import Accelerator
        from accelerate.utils import DistributedDataParallelKwargs

        self.stage = stage
        self.cfg = dict(cfg)
        self.settings = settings
        self.section = section or stage.replace("-", "_")
        self._compared = (*COMMON_SECTIONS, self.section, *reads)
        self._log = log
        self.seed = int(cfg["seed"])
        _use_mixed_precision(settings.mixed_precision)
        # Masked layers and frozen branches leave some parameters without gradients in a step; DDP must allow it.
        self.accelerator = Accelerator(
            cpu=not torch.cuda.is_available(),
            mixed_precision=settings.mixed_precision,
            kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)],
        )
        self._modules: dict[str, nn.Module] = {}
        self._optimizers: dict[str, torch.optim.Optimizer] = {}
        self._schedulers: dict[str, torch.optim.lr_scheduler.LRScheduler] = {}
        self._emas: dict[str, Any] = {}  # name -> diffusers EMAModel over that module's parameters
        # Plain values saved with every checkpoint for later stages (e.g. the learned keep-list, the loss names used).
        self.extra: dict[str, Any] = {}

    @property
    def device(self) -> torch.device:
        return self.accelerator.device

    @property
    def is_main(self) -> bool:
        return self.accelerator.is_main_process

    @property
    def num_processes(self) -> int:
        return self.accelerator.num_processes

    @property
    def process_index(self) -> int:
        return self.accelerator.process_index

    def log(self, message: str) -> None:
        if self.is_main:
            self._log(message)

    def add(
        self,
        name: str,
        module: nn.Module,
        optimizer: torch.optim.Optimizer | None = None,
        *,
        warmup_steps: int | None = None,
        ema: bool = False,
    ) -> nn.Module:
        """Registers `module` (and its optimizer) for checkpoints and resume; returns the module to call in steps.

        `warmup_steps`: schedule the optimizer's lr (get_scheduler "cosine": linear warmup, cosine decay to 0 at
        `steps`), stepped by `run` after every step. `ema`: keep diffusers' EMAModel of the module's weights when the
        section sets `ema_decay` (the stage's main module; not a discriminator). With `max_grad_norm` set, every
        registered optimizer clips its gradients (accelerator.clip_grad_norm_) before it steps."""
        if name in self._modules or "." in name:
            raise StageError("STAGE_CONFIG", f"module name {name!r} is taken or contains a dot")
        module = module.to(self.device)
        trainable = any(p.requires_grad for p in module.parameters())
        if trainable and self.num_processes > 1:
            module = self.accelerator.prepare_model(module)
        self._modules[name] = module
        if optimizer is not None:
            self._optimizers[name] = self.accelerator.prepare_optimizer(optimizer)
            if self.settings.max_grad_norm is not None:
                optimizer.register_step_pre_hook(self._clip_hook)
            if warmup_steps is not None:
                from diffusers.optimization import get_scheduler

                self._schedulers[name] = get_scheduler(
                    "cosine", optimizer, num_warmup_steps=int(warmup_steps), num_training_steps=self.settings.steps
                )
        if ema and self.settings.ema_decay is not None:
            from diffusers.training_utils import EMAModel

            self._emas[name] = EMAModel(self.unwrap(name).parameters(), decay=self.settings.ema_decay)
        return module

    def _clip_hook(self, optimizer: torch.optim.Optimizer, *_: Any) -> None:
        params = [p for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        if params:
            self.accelerator.clip_grad_norm_(params, self.settings.max_grad_norm)

    def lr(self, name: str) -> float:
        """The learning rate the next step of module `name`'s optimizer uses (its first parameter group)."""
        return float(self._optimizers[name].param_groups[0]["lr"])

    def unwrap(self, name: str) -> nn.Module:
        return self.accelerator.unwrap_model(self._modules[name])

    def backward(self, loss: torch.Tensor) -> None:
        self.accelerator.backward(loss)

    def generator(self, step: int, stream: int = 0) -> torch.Generator:
        """A CPU generator for one step's random draws, the same in every invocation that reaches this step."""
        key = ((self.seed & 0xFFFF) << 47) ^ (step << 16) ^ (self.process_index << 8) ^ stream
        return torch.Generator().manual_seed(key & 0x7FFF_FFFF_FFFF_FFFF)

    def run(self, step_fn: Callable[[int], Mapping[str, float]]) -> StageResult:
        """Resumes if a checkpoint exists, runs `step_fn(step)` up to `settings.steps`, saves and logs."""
        from tqdm import tqdm

        run_dir = self.settings.run_dir
        start = self._resume() if self.settings.resume else 0
        total = self.settings.steps
        losses: list[dict[str, float]] = []
        saved: list[Path] = []
        if start >= total:
            self.log(f"{self.stage}: nothing to do, {run_dir} is already at step {start} (raise steps to continue)")
            return StageResult(start_step=start, step=start, losses=[], checkpoints=[])
        self._truncate_log(start)
        budget = self._time_budget()
        began = time.monotonic()
        bar = tqdm(total=total, initial=start, desc=self.stage, disable=not self.is_main, dynamic_ncols=True)
        done = start
        for step in range(start, total):
            for module in self._modules.values():
                if any(p.requires_grad for p in module.parameters()):
                    module.train()
            with self.accelerator.autocast():  # a no-op unless mixed_precision is bf16
                values = {key: float(value) for key, value in step_fn(step).items()}
            for scheduler in self._schedulers.values():
                scheduler.step()
            for name, ema in self._emas.items():
                ema.step(self.unwrap(name).parameters())
            losses.append(values)
            done = step + 1
            self._append_log(done, values)
            bar.update(1)
            if done % self.settings.log_every == 0 or done == total:
                bar.set_postfix({key: f"{value:.4g}" for key, value in values.items()})
            out_of_time = budget is not None and self._all_agree(time.monotonic() - began > budget)
            if done % self.settings.checkpoint_every == 0 or done == total or out_of_time:
                saved.append(self._save(done))
            if out_of_time and done < total:
                self.log(f"{self.stage}: wall-clock budget of {budget:g} s reached at step {done} of {total}; "
                         "rerun to continue")
                break
        bar.close()
        if self.is_main:
            plot_losses(run_dir / LOSS_LOG, run_dir / LOSS_PLOT, title=f"{self.stage} ({run_dir})")
        return StageResult(start_step=start, step=done, losses=losses, checkpoints=saved)

    def _time_budget(self) -> float | None:
        raw = os.environ.get(STAGE_SECONDS_ENV)
        if not raw:
            return None
        try:
            budgets = json.loads(raw)
            value = budgets.get(self.section) if isinstance(budgets, dict) else None
            return None if value is None else float(value)
        except (ValueError, TypeError) as err:
            raise StageError("STAGE_CONFIG", f"{STAGE_SECONDS_ENV} must be a JSON object of seconds per section, "
                             f"found {raw!r}") from err

    def _all_agree(self, flag: bool) -> bool:
        """True on every process when any process says so (ranks must stop at the same step)."""
        if self.num_processes == 1:
            return flag
        tensor = torch.tensor([1.0 if flag else 0.0], device=self.device)
        return bool(self.accelerator.reduce(tensor, reduction="sum").item() > 0)

    def _relevant(self, cfg: Mapping[str, Any]) -> dict[str, Any]:
        return {key: cfg.get(key) for key in self._compared}

    def _resume(self) -> int:
        path = latest_checkpoint(self.settings.run_dir)
        if path is None:
            return 0
        checkpoint = load_checkpoint(path, map_location="cpu")
        allowed = {f"{self.section}.steps"}
        differing = [
            key
            for key in config_diff(self._relevant(self.cfg), self._relevant(checkpoint.config))
            if key not in allowed
        ]
        if differing:
            raise CheckpointError(
                "CHECKPOINT_CONFIG_MISMATCH",
                f"cannot resume from {path}: it was written with another recipe; differing keys: "
                f"{', '.join(differing)}. Only {self.section}.steps may change on resume; use a new "
                f"{self.section}.run_dir to start over.",
            )
        own = checkpoint.extra.get(RUNNER_STATE) or {}
        raw_weights, ema_states = own.get("weights") or {}, own.get("ema") or {}
        for name in self._modules:
            state = module_state(checkpoint.model_state, name)
            module = self.unwrap(name)
            if name in self._emas:  # `<name>.*` holds the EMA weights; the training weights are kept beside them
                if name not in raw_weights or name not in ema_states:
                    raise CheckpointError("CHECKPOINT_NO_EMA", f"cannot resume from {path}: no EMA state of {name!r}")
                shadow = [state[key].to(self.device) for key, _ in module.named_parameters()]
                self._emas[name].load_state_dict({**ema_states[name], "shadow_params": shadow})
                state = raw_weights[name]
            module.load_state_dict(state, strict=True)
        stored = checkpoint.optimizer_state or {}
        for name, optimizer in self._optimizers.items():
            if name not in stored:
                raise CheckpointError("CHECKPOINT_NO_OPTIMIZER", f"cannot resume from {path}: no optimizer {name!r}")
            optimizer.load_state_dict(stored[name])
        schedules = own.get("schedulers") or {}
        for name, scheduler in self._schedulers.items():
            if name in schedules:
                scheduler.load_state_dict(schedules[name])
            else:  # a checkpoint from before the runner saved schedules: the schedule is a function of the step
                scheduler.last_epoch = checkpoint.step
            # Set the lr of the step about to run from the schedule of the current `steps` (a raised `steps` re-plans
            # the remaining decay; unchanged, this is the saved lr).
            for group, base, rule in zip(
                scheduler.optimizer.param_groups, scheduler.base_lrs, scheduler.lr_lambdas, strict=True
            ):
                group["lr"] = base * rule(scheduler.last_epoch)
            scheduler._last_lr = [group["lr"] for group in scheduler.optimizer.param_groups]
        self.log(f"{self.stage}: resumed from {path} at step {checkpoint.step}")
        return checkpoint.step

    def _save(self, step: int) -> Path:
        target = checkpoint_path(self.settings.run_dir, step)
        self.accelerator.wait_for_everyone()
        if self.is_main:
            state: dict[str, torch.Tensor] = {}
            own: dict[str, Any] = {"schedulers": {name: s.state_dict() for name, s in self._schedulers.items()}}
            for name in self._modules:
                module = self.unwrap(name)
                weights = {key: value.detach().cpu() for key, value in module.state_dict().items()}
                if name in self._emas:
                    ema = self._emas[name]
                    own.setdefault("weights", {})[name] = dict(weights)
                    own.setdefault("ema", {})[name] = {
                        key: value for key, value in ema.state_dict().items() if key != "shadow_params"
                    }
                    names = [key for key, _ in module.named_parameters()]
                    weights.update(
                        {key: shadow.detach().cpu().clone() for key, shadow in zip(names, ema.shadow_params, strict=True)}
                    )
                state.update({f"{name}.{key}": value for key, value in weights.items()})
            save_checkpoint(
                target,
                model_state=state,
                optimizer_state={name: opt.state_dict() for name, opt in self._optimizers.items()},
                step=step,
                config=self.cfg,
                extra={**self.extra, "stage": self.stage, "processes": self.num_processes, RUNNER_STATE: own},
            )
            self.log(f"{self.stage}: saved {target}")
        self.accelerator.wait_for_everyone()
        return target

    def _append_log(self, step: int, values: Mapping[str, float]) -> None:
        if self.is_main:
            self.settings.run_dir.mkdir(parents=True, exist_ok=True)
            with (self.settings.run_dir / LOSS_LOG).open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"step": step, **values}) + "\n")

    def _truncate_log(self, start: int) -> None:
        """Drops log lines past the resumed checkpoint (steps an interrupted run logged but never saved)."""
        path = self.settings.run_dir / LOSS_LOG
        if not self.is_main or not path.exists():
            return
        kept = [line for line in path.read_text(encoding="utf-8").splitlines() if json.loads(line)["step"] <= start]
        atomic_write_text(path, "".join(f"{line}\n" for line in kept))


def read_loss_log(path: Path) -> list[dict[str, float]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def plot_losses(log_path: Path, png_path: Path, *, title: str) -> Path | None:
    """Draws every logged loss against the step (raw, faint, and a moving average) into a PNG; None if no log."""
    rows = read_loss_log(log_path)
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = sorted({key for row in rows for key in row if key != "step"})
    fig, axes = plt.subplots(len(keys), 1, figsize=(7, 2.2 * len(keys)), squeeze=False, sharex=True)
    window = max(1, len(rows) // 50)
    for axis, key in zip(axes[:, 0], keys, strict=True):
        points = [(row["step"], row[key]) for row in rows if key in row]
        steps = [s for s, _ in points]
        values = [v for _, v in points]
        smooth = [sum(values[max(0, i - window + 1): i + 1]) / len(values[max(0, i - window + 1): i + 1])
                  for i in range(len(values))]
        axis.plot(steps, values, alpha=0.3, linewidth=0.8)
        axis.plot(steps, smooth, linewidth=1.5)
        axis.set_ylabel(key)
        if all(v > 0 for v in values):
            axis.set_yscale("log")
        axis.grid(alpha=0.3)
    axes[0, 0].set_title(title)
    axes[-1, 0].set_xlabel("step")
    fig.tight_layout()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
    return png_path
