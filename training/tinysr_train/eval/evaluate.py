"""`tinysr-train eval`: every method of `eval.methods` on every set of `eval.sets`, measured against ground truth,
against the teacher's outputs ("agreement"), and without reference (BRISQUE, NIQE).

Owns: pairing LR/HR files, producing and caching each method's outputs (PNG under `run_dir/<set>/<method>/`, kept
while the method's identity is unchanged), the per-image metrics (cached beside them, keyed by everything they
depend on) and the per-set means. The tables and the sheet are `.report`'s.
May import: numpy, pillow, torch, tqdm, `tinysr_train.reference.photo_check` (image reading), `.metrics`, `.brisque`,
`.niqe`, `.model_files`, `.producers`, `.settings`, `.errors`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from tinysr_train.atomic import atomic_write, atomic_write_text
from tinysr_train.reference.photo_check import list_images, read_rgb

from .brisque import BrisqueModel, brisque, load_brisque_model
from .errors import EvalError
from .metrics import psnr_y, ssim_y
from .model_files import locate_brisque, locate_niqe
from .niqe import NiqeModel, load_niqe_model, niqe
from .producers import Method, parse_method
from .settings import WEIGHTED_METRICS, EvalSet, EvalSettings

METRICS_VERSION = 1  # bump when a metric's computation changes: cached per-image values are then recomputed
UNAVAILABLE_WEIGHTS = "unavailable (weights not present)"


@dataclass
class NoReference:
    """The metrics that need model files, each with its status line for the report."""

    brisque: BrisqueModel | None
    niqe: NiqeModel | None
    lpips: torch.nn.Module | None
    status: dict[str, str]

    @classmethod
    def load(cls, settings: EvalSettings) -> NoReference:
        status: dict[str, str] = {
            "psnr_y": "pyiqa psnr, test_y_channel, ycbcr",
            "ssim_y": "pyiqa ssim, test_y_channel, ycbcr",
        }
        located = locate_brisque(settings.brisque_model)
        status["brisque"] = located.reason
        brisque_model = load_brisque_model(located.path) if located.path else None
        located = locate_niqe(settings.niqe_model)
        status["niqe"] = located.reason
        niqe_model = load_niqe_model(located.path) if located.path else None
        lpips = None
        for name in WEIGHTED_METRICS:
            weights = settings.weights.get(name)
            if weights is None:
                status[name] = UNAVAILABLE_WEIGHTS
            elif name == "lpips":
                from tinysr_train.losses import build_perceptual

                lpips = build_perceptual("lpips-alex", weights)
                status[name] = lpips.description if lpips is not None else UNAVAILABLE_WEIGHTS
            else:
                status[name] = f"unavailable (weights given at {weights}, but this build has no {name} network)"
        return cls(brisque_model, niqe_model, lpips, status)

    def key(self) -> str:
        return json.dumps({k: v for k, v in self.status.items()}, sort_keys=True)


@dataclass
class MethodResult:
    method: Method
    per_image: dict[str, dict[str, float]] = field(default_factory=dict)
    output_dir: Path | None = None

    def means(self) -> dict[str, float]:
        names = sorted({k for values in self.per_image.values() for k in values})
        return {k: float(np.mean([v[k] for v in self.per_image.values() if k in v])) for k in names}

    def output(self, name: str) -> Path:
        assert self.output_dir is not None
        return self.output_dir / name


@dataclass
class SetResult:
    eval_set: EvalSet
    images: list[str]
    methods: list[MethodResult]
    teacher: str | None


def pair_images(eval_set: EvalSet, limit: int | None) -> list[str]:
    """File names present in both the LR and the HR folder, sorted; EvalError when none."""
    for folder in (eval_set.lr, eval_set.hr):
        if not folder.is_dir():
            raise EvalError("EVAL_NO_IMAGES", f"eval.sets.{eval_set.name}: folder {folder} not found")
    hr_names = {p.name for p in list_images(eval_set.hr, None)}
    names = [p.name for p in list_images(eval_set.lr, None) if p.name in hr_names]
    if not names:
        raise EvalError(
            "EVAL_NO_IMAGES",
            f"eval.sets.{eval_set.name}: no LR image in {eval_set.lr} has an HR partner in {eval_set.hr}",
        )
    return names[:limit] if limit is not None else names


def save_png(image: torch.Tensor, path: Path) -> None:
    pixels = (image[0].clamp(0, 1).permute(1, 2, 0).numpy() * 255.0).round().astype(np.uint8)
    atomic_write(path, lambda tmp: Image.fromarray(pixels).save(tmp, format="PNG"), suffix=".tmp.png")


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def produce(method: Method, eval_set: EvalSet, names: list[str], run_dir: Path, log: Callable[[str], None]) -> Path:
    """The folder holding `method`'s outputs for every name (precomputed, or produced now into the cache)."""
    if method.folder is not None:
        missing = [n for n in names if not (method.folder / n).is_file()]
        if missing:
            raise EvalError(
                "EVAL_NO_IMAGES",
                f"{method.spec}: {len(missing)} outputs missing in {method.folder}, e.g. {missing[:3]}",
            )
        return method.folder
    folder = run_dir / eval_set.name / method.slug
    stamp = folder / "method.json"
    recorded = _read_json(stamp)
    if recorded is None or recorded.get("identity") != method.identity:
        for stale in folder.glob("*.png"):
            stale.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(stamp, json.dumps({"identity": method.identity, "description": method.description}, indent=2) + "\n")
    todo = [n for n in names if not (folder / n).is_file()]
    if todo:
        assert method.upscale is not None
        log(f"{eval_set.name}: {method.label}: producing {len(todo)} of {len(names)} images")
        for name in tqdm(todo, desc=f"{eval_set.name}/{method.label}", unit="img"):
            save_png(method.upscale(read_rgb(eval_set.lr / name)), folder / name)
    return folder


def _finite(value: float) -> float:
    return value if math.isfinite(value) else float("nan")


def measure(
    result: MethodResult, eval_set: EvalSet, names: list[str], teacher: MethodResult | None, nr: NoReference,
    cache_root: Path,
) -> None:
    """Fills result.per_image, reusing the cached values computed under the same method, teacher and metric files."""
    key = json.dumps(
        {
            "version": METRICS_VERSION,
            "method": result.method.identity,
            "teacher": teacher.method.identity if teacher else None,
            "metrics": nr.key(),
        },
        sort_keys=True,
    )
    cache_path = cache_root / eval_set.name / result.method.slug / "metrics.json"
    cached = _read_json(cache_path) or {}
    values: dict[str, dict[str, float]] = cached.get("images", {}) if cached.get("key") == key else {}
    for name in tqdm([n for n in names if n not in values], desc=f"metrics {result.method.label}", unit="img"):
        sr, hr = read_rgb(result.output(name)), read_rgb(eval_set.hr / name)
        if sr.shape != hr.shape:
            raise EvalError(
                "EVAL_SIZE_MISMATCH",
                f"{result.output(name)}: {tuple(sr.shape[2:])} but ground truth {eval_set.hr / name} is "
                f"{tuple(hr.shape[2:])}",
            )
        row = {"psnr_y": float(psnr_y(sr, hr)), "ssim_y": float(ssim_y(sr, hr))}
        if teacher is not None:
            row["agreement_psnr_y"] = float(psnr_y(sr, read_rgb(teacher.output(name))))
        if nr.brisque is not None:
            pixels = (sr[0].permute(1, 2, 0).numpy() * 255.0).round().astype(np.uint8)
            row["brisque"] = _finite(brisque(nr.brisque, pixels))
        if nr.niqe is not None:
            row["niqe"] = _finite(niqe(nr.niqe, sr))
        if nr.lpips is not None:
            with torch.inference_mode():
                row["lpips"] = float(nr.lpips(sr, hr))
        values[name] = row
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(cache_path, json.dumps({"key": key, "images": values}) + "\n")
    result.per_image = {n: values[n] for n in names}


def evaluate(
    cfg: Mapping[str, Any], log: Callable[[str], None] = print
) -> tuple[EvalSettings, NoReference, list[SetResult]]:
    """Runs the `eval` section of `cfg`: settings, the no-reference models' status, and per-set results."""
    settings = EvalSettings.from_config(cfg)
    torch.set_num_threads(settings.threads)
    nr = NoReference.load(settings)
    for name, status in nr.status.items():
        log(f"{name}: {status}")
    shared: dict[str, Method] = {}  # model methods are loaded once for all sets
    results = []
    for eval_set in settings.sets:
        names = pair_images(eval_set, settings.limit)
        method_results = []
        for spec in settings.methods:
            method = shared.get(spec) or parse_method(spec, cfg, set_name=eval_set.name, lr_dir=eval_set.lr)
            if method.folder is None:
                shared[spec] = method
            result = MethodResult(method)
            result.output_dir = produce(method, eval_set, names, settings.run_dir, log)
            method_results.append(result)
        labels = [r.method.label for r in method_results]
        if len(set(labels)) != len(labels):
            raise EvalError("EVAL_CONFIG", f"eval.methods: labels must be unique, got {labels}; rename with LABEL=SPEC")
        teacher = next((r for r in method_results if r.method.label == settings.teacher), None)
        if settings.teacher is not None and teacher is None:
            log(f"{eval_set.name}: teacher {settings.teacher!r} is not among the methods {labels}: no agreement column")
        for result in method_results:
            measure(result, eval_set, names, teacher, nr, settings.run_dir)
        results.append(SetResult(eval_set, names, method_results, teacher.method.label if teacher else None))
    return settings, nr, results
