"""`tinysr-train eval --record-quality`: writes what the evaluation measured for an exported model into that model's
manifest.json `quality` list, so the app (and anyone holding the folder) sees the numbers beside the weights.

Owns the mapping from a set's measured means to manifest quality entries. The model files and their sha256 digests are
untouched: `quality` is descriptive metadata outside what the app verifies.
Imports the export package's manifest helpers, the evaluation's result types and its `onnx:` spec parsing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tinysr_train.export.manifest import read_manifest, write_manifest

from .errors import EvalError
from .evaluate import MethodResult, SetResult
from .producers import onnx_model_folder

# metric key in MethodResult.means() -> how the manifest's `reference` field describes it
_METRICS = {
    "psnr_y": "pyiqa psnr convention (BT.601 Y, no crop) against ground truth, 8-bit output",
    "ssim_y": "pyiqa ssim convention (BT.601 Y) against ground truth, 8-bit output",
    "brisque": "no-reference, lower is better (OpenCV LIVE model)",
    "niqe": "no-reference, lower is better (MATLAB pristine parameters)",
}


def onnx_folder(method_spec: str) -> Path | None:
    """The model folder an `onnx:PATH` method spec runs; None for other kinds."""
    return onnx_model_folder(method_spec.removeprefix("onnx:")) if method_spec.startswith("onnx:") else None


def quality_entries(result: SetResult, method: MethodResult, dataset_label: str) -> list[dict[str, Any]]:
    """Manifest quality entries for one method on one set: its means, and agreement with the teacher when measured."""
    means = method.means()
    dataset = f"{dataset_label}, {len(result.images)} images"
    entries = [
        {"dataset": dataset, "metric": key, "value": round(means[key], 4), "reference": reference}
        for key, reference in _METRICS.items()
        if key in means
    ]
    if "agreement_psnr_y" in means and result.teacher:
        entries.append(
            {
                "dataset": dataset,
                "metric": "psnr_y_vs_teacher",
                "value": round(means["agreement_psnr_y"], 4),
                "reference": f"PSNR-Y against the outputs of {result.teacher} (the reference teacher) on the same LR",
            }
        )
    return entries


def record_quality(results: list[SetResult]) -> list[Path]:
    """Replaces the quality entries of every evaluated `onnx:` model folder with this run's; returns the manifests."""
    by_folder: dict[Path, list[dict[str, Any]]] = {}
    for result in results:
        for method in result.methods:
            folder = onnx_folder(method.method.spec)
            if folder is not None:
                by_folder.setdefault(folder, []).extend(quality_entries(result, method, result.eval_set.name))
    if not by_folder:
        raise EvalError(
            "EVAL_RECORD", "--record-quality: no onnx:<model folder> method in eval.methods, so no manifest to record in"
        )
    written = []
    for folder, entries in by_folder.items():
        manifest = read_manifest(folder)
        manifest["quality"] = entries
        written.append(write_manifest(manifest, folder))
    return written
