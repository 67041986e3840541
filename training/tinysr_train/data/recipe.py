"""What the data commands read from a recipe config: `seed`, `paths.{photos,pairs,cache}` and the `data`, `reference`
and `cache` sections, checked and typed once so that a missing or mistyped key fails by name before any work starts.

Owns: `PairsRecipe`, `CacheRecipe` and the reference model names a recipe may choose.
May import: the standard library and `.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .errors import DataError

RANDOM_REFERENCE = "random-init"  # a seeded random network: smoke runs and tests only, recorded as such
DEGRADATION_NAMES = ("realesrgan", "camera")  # the keys of pairs.DEGRADATIONS
REFERENCE_MODELS = ("realesrgan-x4plus", "realesrgan-x4fast", RANDOM_REFERENCE)

T = TypeVar("T")


def _get(cfg: Mapping[str, Any], dotted: str, kind: type[T]) -> T:
    node: Any = cfg
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise DataError("DATA_CONFIG", f"the recipe has no {dotted!r}; the data commands need it")
        node = node[part]
    # bool is an int in Python; a YAML `true` where a count belongs is a mistake worth naming.
    if not isinstance(node, kind) or (kind is int and isinstance(node, bool)):
        raise DataError("DATA_CONFIG", f"{dotted} must be a {kind.__name__}, found {node!r}")
    return node


def _positive(cfg: Mapping[str, Any], dotted: str) -> int:
    value = _get(cfg, dotted, int)
    if value < 1:
        raise DataError("DATA_CONFIG", f"{dotted} must be a positive integer, found {value!r}")
    return value


def _choice(cfg: Mapping[str, Any], dotted: str, allowed: tuple[str, ...]) -> str:
    value = _get(cfg, dotted, str)
    if value not in allowed:
        raise DataError("DATA_CONFIG", f"{dotted} is {value!r}; expected one of {', '.join(allowed)}")
    return value


@dataclass(frozen=True)
class PairsRecipe:
    """`tinysr-train data pairs --config`: photos -> pairs."""

    photos: Path
    pairs: Path
    seed: int
    per_image: int
    hq_size: int
    lq_size: int
    workers: int
    usm: bool
    degradation: str = "realesrgan"  # a key of pairs.DEGRADATIONS

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> PairsRecipe:
        return cls(
            photos=Path(_get(cfg, "paths.photos", str)),
            pairs=Path(_get(cfg, "paths.pairs", str)),
            seed=_get(cfg, "seed", int),
            per_image=_positive(cfg, "data.per_image"),
            hq_size=_positive(cfg, "data.hq_size"),
            lq_size=_positive(cfg, "data.lq_size"),
            workers=_positive(cfg, "data.workers"),
            usm=_get(cfg, "data.usm", bool),
            degradation=_choice(cfg, "data.degradation", DEGRADATION_NAMES),
        )


@dataclass(frozen=True)
class CacheRecipe:
    """`tinysr-train data cache --config`: pairs -> pixels.pt (with the reference) -> latents.pt (with the teacher)."""

    pairs: Path
    cache: Path
    seed: int
    reference_model: str
    batch_size: int

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> CacheRecipe:
        model = _get(cfg, "reference.model", str)
        if model not in REFERENCE_MODELS:
            raise DataError(
                "DATA_CONFIG", f"reference.model must be one of {', '.join(REFERENCE_MODELS)}, found {model!r}"
            )
        return cls(
            pairs=Path(_get(cfg, "paths.pairs", str)),
            cache=Path(_get(cfg, "paths.cache", str)),
            seed=_get(cfg, "seed", int),
            reference_model=model,
            batch_size=_positive(cfg, "cache.batch_size"),
        )
