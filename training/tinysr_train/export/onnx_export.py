"""`export_onnx`: one PyTorch SR module -> a model folder the app runs (model.onnx, model.fp16.onnx, manifest.json,
resolved-config.yaml), with onnxruntime-vs-PyTorch parity checked before any manifest is written.

Files are produced in a staging folder beside `out_dir` and moved in only when every check passed, so a failed export
never leaves a manifest (nor half a model folder) behind.
May import: torch, onnx, onnxruntime, tinysr_train.config, tinysr_train.export.*.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import onnx
import torch
from onnxruntime.transformers.float16 import convert_float_to_float16
from onnxruntime.transformers.onnx_model import OnnxModel

from tinysr_train.config import save_resolved_config
from tinysr_train.export.cost import measure_cost
from tinysr_train.export.errors import ExportError, ParityError
from tinysr_train.export.manifest import MANIFEST_NAME, build_manifest, file_entry, validate_manifest, write_manifest
from tinysr_train.export.onnx_runtime import max_abs_error, open_session

INPUT_NAME = "lr"
OUTPUT_NAME = "hr"
FP32_FILE = "model.onnx"
FP16_FILE = "model.fp16.onnx"
FP32_TOLERANCE = 1e-4
# Output values may leave [0, 1] by this much (float rounding in a final clamp-free op) before the range check fails.
RANGE_SLACK = 1e-3


@dataclass(frozen=True)
class ExportResult:
    out_dir: Path
    manifest_path: Path
    manifest: dict[str, Any]
    fp32_path: Path
    fp16_path: Path | None
    fp32_max_abs_error: float
    fp16_max_abs_error: float | None


def export_onnx(
    model: torch.nn.Module,
    *,
    out_dir: str | Path,
    model_id: str,
    name: str,
    family: str,
    scale: int,
    tile: Mapping[str, Any],
    overlap: int,
    color_fix: str,
    license: Mapping[str, Any],
    provenance: Mapping[str, Any],
    example_input: torch.Tensor,
    receptive_field: int | None = None,
    cost: Mapping[str, Any] | None = None,
    fp16: bool = True,
    description: str = "",
    summary: str = "",
    version: str = "0.1.0",
    quality: list[Mapping[str, Any]] | None = None,
    opset: int = 17,
    ort_threads: int = 1,
) -> ExportResult:
    """Exports `model` (N x 3 x h x w in [0,1] -> N x 3 x sh x sw in [0,1]) and writes its manifest.

    `tile` follows the manifest's tile rule ({'mode': 'fixed', 'size'} or {'mode': 'free', 'multipleOf', 'min', 'max',
    'default'}); `provenance` holds weights ('trained'|'imported'|'random-init'|'analytic'), teacher, data and the
    resolved config. `cost` (params, tileLr, macs, macsWithAttention) is measured with the profiler when not given.
    Raises ParityError (and writes no manifest) when onnxruntime's fp32 output differs from PyTorch's by more than 1e-4.
    """
    out_dir = Path(out_dir)
    model = model.eval()
    example_input = example_input.detach().float()
    _check_example(example_input, tile, model_id)
    parity_batches = _parity_batches(example_input, tile)
    with torch.no_grad():
        first = model(example_input)
        _check_output(first, example_input, scale, model_id)
        expected = [first.float().numpy(), *(model(batch).float().numpy() for batch in parity_batches[1:])]
    if cost is None:
        cost = measure_cost(model, example_input)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    try:
        fp32_path = staging / FP32_FILE
        _torch_export(model, example_input, fp32_path, opset=opset, free_size=tile["mode"] == "free")
        fp32_error = max_abs_error(open_session(fp32_path, threads=ort_threads), parity_batches, expected)
        if not fp32_error <= FP32_TOLERANCE:
            raise ParityError(
                f"{model_id}: onnxruntime fp32 output differs from PyTorch by {fp32_error:.3g} (max abs) on inputs "
                f"{[list(b.shape) for b in parity_batches]}; the limit is {FP32_TOLERANCE:g}. No manifest was written. "
                "Look for ops that trace differently from eager mode (data-dependent Python control flow, "
                "torch.onnx.is_in_onnx_export branches, unsupported interpolation modes).",
                max_abs_error=fp32_error,
                tolerance=FP32_TOLERANCE,
            )
        files = {"fp32": file_entry(fp32_path)}
        parity = {"fp32MaxAbsError": fp32_error}
        fp16_error: float | None = None
        if fp16:
            fp16_path = staging / FP16_FILE
            _write_fp16(fp32_path, fp16_path)
            fp16_error = max_abs_error(open_session(fp16_path, threads=ort_threads), parity_batches, expected)
            if fp16_error == float("inf"):
                raise ExportError(
                    "EXPORT_FP16_OVERFLOW",
                    f"{model_id}: the fp16 graph produces non-finite values; export with fp16 disabled "
                    "(export.fp16=false) or keep the overflowing ops in float32",
                )
            files["fp16"] = file_entry(fp16_path)  # float32 I/O: the app feeds float32 either way
            parity["fp16MaxAbsError"] = fp16_error
        manifest = build_manifest(
            model_id=model_id,
            name=name,
            version=version,
            description=description,
            summary=summary,
            family=family,
            scale=scale,
            files=files,
            input_name=INPUT_NAME,
            output_name=OUTPUT_NAME,
            opset=opset,
            tile=tile,
            overlap=overlap,
            receptive_field=receptive_field,
            color_fix=color_fix,
            cost=cost,
            license=license,
            provenance=provenance,
            parity=parity,
            quality=quality,
        )
        validate_manifest(manifest, source=f"{model_id} manifest")
        save_resolved_config(provenance["config"], staging)
        manifest_path = _publish(staging, out_dir, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(
        out_dir=out_dir,
        manifest_path=manifest_path,
        manifest=manifest,
        fp32_path=out_dir / FP32_FILE,
        fp16_path=out_dir / FP16_FILE if fp16 else None,
        fp32_max_abs_error=fp32_error,
        fp16_max_abs_error=fp16_error,
    )


def _check_example(example: torch.Tensor, tile: Mapping[str, Any], model_id: str) -> None:
    if example.dim() != 4 or example.shape[0] != 1 or example.shape[1] != 3:
        raise ExportError(
            "EXPORT_EXAMPLE", f"{model_id}: example_input must be 1 x 3 x H x W, found {list(example.shape)}"
        )
    height, width = int(example.shape[2]), int(example.shape[3])
    if tile["mode"] == "fixed":
        if (height, width) != (tile["size"], tile["size"]):
            raise ExportError(
                "EXPORT_EXAMPLE",
                f"{model_id}: the tile rule is fixed {tile['size']} px but example_input is {height} x {width}",
            )
    elif tile["mode"] == "free":
        for side in (height, width):
            if not tile["min"] <= side <= tile["max"] or side % tile["multipleOf"]:
                raise ExportError(
                    "EXPORT_EXAMPLE",
                    f"{model_id}: example_input side {side} breaks the free tile rule {dict(tile)} "
                    "(needs min <= side <= max and a multiple of multipleOf)",
                )
    else:
        raise ExportError("EXPORT_TILE_RULE", f"{model_id}: tile.mode must be 'fixed' or 'free', found {tile!r}")
    if float(example.min()) < 0.0 or float(example.max()) > 1.0:
        raise ExportError("EXPORT_EXAMPLE", f"{model_id}: example_input values must lie in [0, 1]")


def _check_output(output: torch.Tensor, example: torch.Tensor, scale: int, model_id: str) -> None:
    expected = [1, 3, example.shape[2] * scale, example.shape[3] * scale]
    if not isinstance(output, torch.Tensor) or list(output.shape) != expected:
        found = list(output.shape) if isinstance(output, torch.Tensor) else type(output).__name__
        raise ExportError(
            "EXPORT_SHAPE", f"{model_id}: the model must map 1 x 3 x H x W to {expected} (scale {scale}), found {found}"
        )
    low, high = float(output.min()), float(output.max())
    if low < -RANGE_SLACK or high > 1.0 + RANGE_SLACK:
        raise ExportError(
            "EXPORT_RANGE",
            f"{model_id}: the model's output spans [{low:.4f}, {high:.4f}] but the contract's range is [0, 1]; "
            "end the exported graph with a clamp to [0, 1]",
        )


def _parity_batches(example: torch.Tensor, tile: Mapping[str, Any]) -> list[torch.Tensor]:
    """The example, a batch of two (dynamic batch), and for free-size models a tile of the rule's minimum size."""
    batches = [example, torch.cat([example, example.flip(-1)])]
    if tile["mode"] == "free" and tile["min"] != example.shape[-1]:
        batches.append(example[..., : tile["min"], : tile["min"]])
    return batches


def _torch_export(model: torch.nn.Module, example: torch.Tensor, path: Path, *, opset: int, free_size: bool) -> None:
    batch_axes = {0: "batch"}
    dynamic_axes = {
        INPUT_NAME: {**batch_axes, **({2: "height", 3: "width"} if free_size else {})},
        OUTPUT_NAME: {**batch_axes, **({2: "out_height", 3: "out_width"} if free_size else {})},
    }
    try:
        with warnings.catch_warnings():
            # Shape checks in forward() become constants when traced: intended, since the tile rule is checked above.
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            # The TorchScript exporter is deprecated in favour of torch.export's, kept on purpose: with torch 2.13 the
            # dynamo exporter took ~1 min for tinysr-test and wrote an opset-17 graph onnxruntime rejects (Split).
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(
                model,
                (example,),
                str(path),
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_axes=dynamic_axes,
                opset_version=opset,
                do_constant_folding=True,
                dynamo=False,
            )
    except Exception as err:  # the exporter raises many types; all mean the graph could not be written
        detail = " ".join(str(err).split())
        raise ExportError("EXPORT_TORCH", f"torch.onnx.export failed for {path.name}: {detail[:1500]}") from err
    try:
        onnx.checker.check_model(str(path))
    except onnx.checker.ValidationError as err:
        raise ExportError("EXPORT_TORCH", f"torch.onnx.export wrote an invalid graph {path.name}: {err}") from err


def _write_fp16(fp32_path: Path, fp16_path: Path) -> None:
    """fp16 weights and compute, float32 graph input/output (casts at the boundary)."""
    converted = OnnxModel(convert_float_to_float16(onnx.load(str(fp32_path)), keep_io_types=True))
    # The converter appends the boundary casts after their consumers; ONNX requires topological order.
    converted.topological_sort(is_deterministic=True)
    onnx.save(converted.model, str(fp16_path))
    try:
        onnx.checker.check_model(str(fp16_path))
    except onnx.checker.ValidationError as err:
        message = f"the fp16 conversion of {fp32_path.name} is not a valid graph: {err}"
        raise ExportError("EXPORT_FP16", message) from err


def _publish(staging: Path, out_dir: Path, manifest: Mapping[str, Any]) -> Path:
    """Moves the checked files into `out_dir` (dropping stale model files) and writes the manifest last."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MANIFEST_NAME).unlink(missing_ok=True)
    for stale in (FP32_FILE, FP16_FILE):
        (out_dir / stale).unlink(missing_ok=True)
    for produced in staging.iterdir():
        produced.replace(out_dir / produced.name)
    return write_manifest(manifest, out_dir)
