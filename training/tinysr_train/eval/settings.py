"""The `eval` config section, read once and checked: every key's meaning is here.

```yaml
eval:
  run_dir: runs/small/eval        # produced images and per-image metrics, reused by the next run
  out: reports/eval-small         # <set>.md / <set>.json / <set>-sheet.png and summary.md
  sets:                           # name -> LR and HR folders (the same file names in both)
    realsr: {lr: ../../shared/data/realsr/test_LR, hr: ../../shared/data/realsr/test_HR}
  methods: [bicubic, lanczos, reference, folder:osediff_reference, student=checkpoint:runs/small/restore2]
  teacher: reference              # label of the method "agreement" is measured against (null: no agreement column)
  limit: null                     # only the first N images of each set (quick looks)
  threads: 2                      # torch / onnxruntime CPU threads
  crops: {images: 3, size: 128, methods: null}   # comparison sheet: images, HR crop side, columns (null: bicubic,
                                  # teacher, every onnx/checkpoint method; ground truth is always the last column)
  nr_models: {brisque: null, niqe: null}         # null: the `eval-fetch` cache, then the system's opencv-data
  weights: {lpips: null, dists: null, musiq: null, clipiqa: null}   # real weights only; null: reported unavailable
```
Owns: `EvalSettings.from_config`. May import: the standard library, `.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import EvalError

WEIGHTED_METRICS = ("lpips", "dists", "musiq", "clipiqa")


@dataclass(frozen=True)
class EvalSet:
    name: str
    lr: Path
    hr: Path


@dataclass(frozen=True)
class EvalSettings:
    run_dir: Path
    out: Path
    sets: tuple[EvalSet, ...]
    methods: tuple[str, ...]
    teacher: str | None
    limit: int | None
    threads: int
    crop_images: int
    crop_size: int
    crop_methods: tuple[str, ...] | None
    brisque_model: str | None
    niqe_model: str | None
    weights: dict[str, str | None]

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> EvalSettings:
        section = cfg.get("eval")
        if not isinstance(section, Mapping):
            raise EvalError("EVAL_CONFIG", "the config has no `eval` section (see tinysr_train/eval/settings.py)")

        def need(key: str, kind: type) -> Any:
            value = section.get(key)
            if not isinstance(value, kind):
                raise EvalError("EVAL_CONFIG", f"eval.{key}: expected {kind.__name__}, found {value!r}")
            return value

        sets = []
        for name, paths in need("sets", Mapping).items():
            if paths is None:  # a recipe that builds on another drops one of its base's sets with `name: null`
                continue
            if not isinstance(paths, Mapping) or not {"lr", "hr"} <= set(paths):
                raise EvalError("EVAL_CONFIG", f"eval.sets.{name}: expected {{lr: DIR, hr: DIR}}, found {paths!r}")
            sets.append(EvalSet(str(name), Path(paths["lr"]), Path(paths["hr"])))
        if not sets:
            raise EvalError("EVAL_CONFIG", "eval.sets: name at least one set")
        methods = tuple(str(m) for m in need("methods", list))
        if not methods:
            raise EvalError("EVAL_CONFIG", "eval.methods: name at least one method")
        crops = section.get("crops") or {}
        nr_models = section.get("nr_models") or {}
        weights = section.get("weights") or {}
        unknown = set(weights) - set(WEIGHTED_METRICS)
        if unknown:
            raise EvalError("EVAL_CONFIG", f"eval.weights: unknown {sorted(unknown)}; known: {list(WEIGHTED_METRICS)}")
        limit = section.get("limit")
        crop_methods = crops.get("methods")
        return cls(
            run_dir=Path(need("run_dir", str)),
            out=Path(need("out", str)),
            sets=tuple(sets),
            methods=methods,
            teacher=section.get("teacher", "reference"),
            limit=None if limit is None else int(limit),
            threads=int(section.get("threads", 2)),
            crop_images=int(crops.get("images", 3)),
            crop_size=int(crops.get("size", 128)),
            crop_methods=None if crop_methods is None else tuple(str(m) for m in crop_methods),
            brisque_model=nr_models.get("brisque"),
            niqe_model=nr_models.get("niqe"),
            weights={name: weights.get(name) for name in WEIGHTED_METRICS},
        )
