"""The `prune` and `recoverability` config sections, read and checked once so a missing or mistyped key fails by name
before any model is loaded.

Owns: the method names, every key of both sections (documented in configs/recipe-small.yaml) and their checks.
May import: the standard library, tinysr_train.prune.{errors, masks}.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinysr_train.prune.errors import PruneError
from tinysr_train.prune.masks import NEIGHBOURS, GroupSpace, space_for_ratio

LEARNED_METHODS: tuple[str, ...] = ("dia-ecs", "tinyfusion")  # mask learning (a training run)
BASELINE_METHODS: tuple[str, ...] = ("random-min", "similarity", "sensitivity")  # one-shot scores, no training
GLOBAL_METHODS: tuple[str, ...] = ("similarity", "sensitivity")  # rank all layers at once, no N:M groups
METHODS: tuple[str, ...] = (*LEARNED_METHODS, *BASELINE_METHODS)
FINETUNE_MODES: tuple[str, ...] = ("none", "lora", "full")  # what trains beside the mask logits during the search
MASK_DRAWS: tuple[str, ...] = ("auto", "per-sample", "per-batch")  # auto: TinyFusion per sample, DIA per batch


@dataclass(frozen=True)
class PruneSettings:
    method: str
    keep_ratio: float
    group_size: int | None  # None = the paper's groups of 4 where they fit, else 3 (masks.space_for_ratio)
    neighbour: str
    mask_draws: str
    batch_size: int
    lr: float
    gate_lr_scale: float
    weight_decay: float
    finetune: str
    lora_rank: int
    gumbel_scale: float
    tau_start: float
    tau_end: float
    ema_decay: float
    logit_init: float
    holdout: int
    score_samples: int
    eval_batch_size: int
    random_candidates: int

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> PruneSettings:
        section = _section(cfg, "prune")
        group_size = section.get("group_size")
        if group_size is not None and not (isinstance(group_size, int) and group_size >= 2):
            raise PruneError(
                "PRUNE_CONFIG", f"prune.group_size must be null (auto) or an integer >= 2, got {group_size!r}"
            )
        return cls(
            method=_choice(section, "prune", "method", METHODS),
            keep_ratio=_ratio(section.get("keep_ratio"), "prune.keep_ratio"),
            group_size=group_size,
            neighbour=_choice(section, "prune", "neighbour", NEIGHBOURS),
            mask_draws=_choice(section, "prune", "mask_draws", MASK_DRAWS),
            batch_size=_positive_int(section, "prune", "batch_size"),
            lr=_positive_float(section, "prune", "lr"),
            gate_lr_scale=_positive_float(section, "prune", "gate_lr_scale"),
            weight_decay=_float(section, "prune", "weight_decay"),
            finetune=_choice(section, "prune", "finetune", FINETUNE_MODES),
            lora_rank=_positive_int(section, "prune", "lora_rank"),
            gumbel_scale=_positive_float(section, "prune", "gumbel_scale"),
            tau_start=_positive_float(section, "prune", "tau_start"),
            tau_end=_positive_float(section, "prune", "tau_end"),
            ema_decay=_float(section, "prune", "ema_decay"),
            logit_init=_float(section, "prune", "logit_init"),
            holdout=_positive_int(section, "prune", "holdout"),
            score_samples=_positive_int(section, "prune", "score_samples"),
            eval_batch_size=_positive_int(section, "prune", "eval_batch_size"),
            random_candidates=_positive_int(section, "prune", "random_candidates"),
        )

    @property
    def learned(self) -> bool:
        return self.method in LEARNED_METHODS

    def space(self, layers: int) -> GroupSpace:
        """The N:M space of this keep ratio (also fixes how many layers the one-shot baselines keep)."""
        try:
            return space_for_ratio(layers, self.keep_ratio, self.group_size)
        except ValueError as err:
            raise PruneError("PRUNE_CONFIG", f"prune.keep_ratio / prune.group_size: {err}") from err

    def per_sample_masks(self) -> bool:
        if self.mask_draws == "auto":
            return self.method == "tinyfusion"
        return self.mask_draws == "per-sample"

    def tau(self, step: int, steps: int) -> float:
        """Gumbel temperature, linear from tau_start at the first step to tau_end at the last (TinyFusion)."""
        return self.tau_start + (self.tau_end - self.tau_start) * step / max(steps - 1, 1)


def split_method_entry(entry: Any) -> tuple[str, str | None]:
    """A `recoverability.methods` entry: a method, or `dia-ecs:<neighbour>` to compare DIA's neighbour rules."""
    method, _, neighbour = str(entry).partition(":")
    if method not in METHODS or (neighbour and (method != "dia-ecs" or neighbour not in NEIGHBOURS)):
        raise PruneError(
            "PRUNE_CONFIG",
            f"recoverability.methods entry {entry!r}: expected one of {', '.join(METHODS)}, or dia-ecs:<neighbour> "
            f"with neighbour one of {', '.join(NEIGHBOURS)}",
        )
    return method, neighbour or None


@dataclass(frozen=True)
class RecoverabilitySettings:
    run_dir: Path
    methods: tuple[str, ...]  # entries of split_method_entry
    keep_ratios: tuple[float, ...]
    search_steps: int  # prune.steps of each learned search in the experiment
    steps: int  # fine-tuning steps per pruned student: the same short budget for every cell
    checkpoint_every: int
    batch_size: int
    lr: float
    weight_decay: float
    report: Path

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> RecoverabilitySettings:
        section = _section(cfg, "recoverability")
        methods = section.get("methods")
        if not isinstance(methods, list) or not methods:
            raise PruneError("PRUNE_CONFIG", f"recoverability.methods must be a non-empty list, got {methods!r}")
        for entry in methods:
            split_method_entry(entry)
        ratios = section.get("keep_ratios")
        if not isinstance(ratios, list) or not ratios:
            raise PruneError("PRUNE_CONFIG", f"recoverability.keep_ratios must be a non-empty list, got {ratios!r}")
        for key in ("run_dir", "report"):
            if not isinstance(section.get(key), str):
                raise PruneError("PRUNE_CONFIG", f"recoverability.{key} must be a path, got {section.get(key)!r}")
        return cls(
            run_dir=Path(section["run_dir"]),
            methods=tuple(methods),
            keep_ratios=tuple(_ratio(r, "recoverability.keep_ratios[]") for r in ratios),
            search_steps=_positive_int(section, "recoverability", "search_steps"),
            steps=_positive_int(section, "recoverability", "steps"),
            checkpoint_every=_positive_int(section, "recoverability", "checkpoint_every"),
            batch_size=_positive_int(section, "recoverability", "batch_size"),
            lr=_positive_float(section, "recoverability", "lr"),
            weight_decay=_float(section, "recoverability", "weight_decay"),
            report=Path(section["report"]),
        )


def _section(cfg: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = cfg.get(name)
    if not isinstance(section, Mapping):
        raise PruneError(
            "PRUNE_CONFIG", f"the config has no '{name}' section; see configs/recipe-small.yaml for its keys"
        )
    return section


def _choice(section: Mapping[str, Any], name: str, key: str, allowed: tuple[str, ...]) -> str:
    value = section.get(key)
    if value not in allowed:
        raise PruneError("PRUNE_CONFIG", f"{name}.{key} is {value!r}; expected one of {', '.join(allowed)}")
    return str(value)


def _positive_int(section: Mapping[str, Any], name: str, key: str) -> int:
    value = section.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise PruneError("PRUNE_CONFIG", f"{name}.{key} must be a positive integer, got {value!r}")
    return value


def _float(section: Mapping[str, Any], name: str, key: str) -> float:
    value = section.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise PruneError("PRUNE_CONFIG", f"{name}.{key} must be a number, got {value!r}")
    return float(value)


def _positive_float(section: Mapping[str, Any], name: str, key: str) -> float:
    value = _float(section, name, key)
    if value <= 0:
        raise PruneError("PRUNE_CONFIG", f"{name}.{key} must be positive, got {value!r}")
    return value


def _ratio(value: Any, where: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 < float(value) < 1.0:
        raise PruneError("PRUNE_CONFIG", f"{where} must be a fraction of layers kept in (0, 1), got {value!r}")
    return float(value)
