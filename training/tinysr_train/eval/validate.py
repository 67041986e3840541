"""Validation of our metrics against published per-image values: PSNR-Y, SSIM-Y and NIQE against a pyiqa log beside a
set of SR outputs (e.g. ../shared/data/*/osediff_reference/metrics.log), and, where OpenCV's contrib `quality` module
is importable, BRISQUE against `cv2.quality.QualityBRISQUE` on the same images. Writes
reports/metric-validation.md (`tinysr-train eval-validate`).

Owns: the comparison and its markdown. May import: numpy, pillow, torch, cv2 (optional, inside `_opencv_brisque`),
`tinysr_train.reference.photo_check`, `.metric_log`, `.metrics`, `.brisque`, `.niqe`, `.model_files`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinysr_train.reference.photo_check import read_rgb

from .brisque import MODEL_FILE, RANGE_FILE, brisque, load_brisque_model
from .metric_log import read_metric_log
from .metrics import psnr_y, ssim_y
from .model_files import locate_brisque, locate_niqe
from .niqe import load_niqe_model, niqe

TOLERANCE = {"psnr": 0.01, "ssim": 0.001}


@dataclass(frozen=True)
class Comparison:
    metric: str
    reference: str  # what our values were compared with
    count: int
    max_abs: float
    mean_abs: float
    worst: str  # image with the largest difference


def _compare(metric: str, reference: str, ours: dict[str, float], theirs: dict[str, float]) -> Comparison:
    diffs = {name: abs(ours[name] - theirs[name]) for name in ours}
    worst = max(diffs, key=lambda n: diffs[n])
    return Comparison(metric, reference, len(diffs), diffs[worst], float(np.mean(list(diffs.values()))), worst)


def _opencv_brisque(folder: Path) -> Callable[[np.ndarray], float] | None:
    try:
        import cv2  # type: ignore[import-not-found]

        scorer = cv2.quality.QualityBRISQUE_create(str(folder / MODEL_FILE), str(folder / RANGE_FILE))
    except (ImportError, AttributeError):
        return None
    return lambda rgb: float(scorer.compute(np.ascontiguousarray(rgb[:, :, ::-1]))[0])


def validate_set(set_dir: Path, outputs: str, hr: str, log_name: str, limit: int | None) -> list[Comparison]:
    """Our metrics on `set_dir/outputs` vs `set_dir/hr`, compared with `set_dir/outputs/log_name` (and OpenCV)."""
    log = read_metric_log(set_dir / outputs / log_name)
    names = sorted(log)[:limit] if limit is not None else sorted(log)
    brisque_folder = locate_brisque(None).path
    niqe_path = locate_niqe(None).path
    opencv = _opencv_brisque(brisque_folder) if brisque_folder else None
    ours: dict[str, dict[str, float]] = {"psnr": {}, "ssim": {}, "niqe": {}, "brisque": {}, "brisque_cv2": {}}
    for name in names:
        sr, gt = read_rgb(set_dir / outputs / name), read_rgb(set_dir / hr / name)
        ours["psnr"][name] = float(psnr_y(sr, gt))
        ours["ssim"][name] = float(ssim_y(sr, gt))
        if niqe_path is not None and "niqe" in log[name]:
            ours["niqe"][name] = niqe(load_niqe_model(niqe_path), sr)
        if brisque_folder is not None and opencv is not None:
            pixels = (sr[0].permute(1, 2, 0).numpy() * 255.0).round().astype(np.uint8)
            ours["brisque"][name] = brisque(load_brisque_model(brisque_folder), pixels)
            ours["brisque_cv2"][name] = opencv(pixels)
    logged = f"{outputs}/{log_name}"
    results = [
        _compare("psnr", logged, ours["psnr"], {n: log[n]["psnr"] for n in names}),
        _compare("ssim", logged, ours["ssim"], {n: log[n]["ssim"] for n in names}),
    ]
    if ours["niqe"]:
        results.append(_compare("niqe", logged, ours["niqe"], {n: log[n]["niqe"] for n in ours["niqe"]}))
    if ours["brisque"]:
        results.append(_compare("brisque", "cv2.quality.QualityBRISQUE", ours["brisque"], ours["brisque_cv2"]))
    return results


def validation_markdown(results: dict[str, list[Comparison]], command: str) -> str:
    lines = [
        "# Metric validation",
        "",
        "Our PSNR-Y / SSIM-Y (tinysr_train/eval/metrics.py) and NIQE (niqe.py) against the per-image values logged "
        "with the OSEDiff reference outputs (pyiqa), and our BRISQUE (brisque.py, numpy) against OpenCV's "
        "`cv2.quality.QualityBRISQUE` with the same model files, image by image. Required: PSNR within "
        f"{TOLERANCE['psnr']} dB and SSIM within {TOLERANCE['ssim']} on every image. The BRISQUE rows need "
        "`cv2.quality` (PyPI opencv-contrib-python-headless, not a dependency of this workspace: run the command "
        "with it installed in a scratch environment); NIQE needs `tinysr-train eval-fetch` first.",
        "",
        "| set | metric | compared with | images | max abs diff | mean abs diff | worst image | within tolerance |",
        "| --- | --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for set_name, comparisons in results.items():
        for c in comparisons:
            verdict = ("yes" if c.max_abs <= TOLERANCE[c.metric] else "NO") if c.metric in TOLERANCE else "-"
            lines.append(
                f"| {set_name} | {c.metric} | {c.reference} | {c.count} | {c.max_abs:.2e} | {c.mean_abs:.2e} | "
                f"{c.worst} | {verdict} |"
            )
    lines += ["", f"Made by `{command}`.", ""]
    return "\n".join(lines)
