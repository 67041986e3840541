"""onnxruntime sessions and the fp32/fp16 parity measurement against PyTorch.

May import: numpy, onnxruntime, torch, tinysr_train.export.errors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from tinysr_train.export.errors import ExportError


def open_session(model_path: Path, *, threads: int = 1) -> ort.InferenceSession:
    """A CPU session for one ONNX file; `threads` bounds intra-op parallelism (tests run beside other work)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(str(model_path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own exception types; report them as export failures
        raise ExportError("EXPORT_ORT_LOAD", f"onnxruntime cannot load {model_path}: {err}") from err


def run_session(session: ort.InferenceSession, batch: np.ndarray) -> np.ndarray:
    """Runs the single-input, single-output graph on a float32 NCHW batch."""
    (input_meta,) = session.get_inputs()
    (output,) = session.run(None, {input_meta.name: batch.astype(np.float32, copy=False)})
    return np.asarray(output)


def max_abs_error(session: ort.InferenceSession, batches: list[torch.Tensor], expected: list[np.ndarray]) -> float:
    """Largest |onnxruntime - expected| over all elements of all batches; inf when onnxruntime yields inf or NaN."""
    worst = 0.0
    for batch, reference in zip(batches, expected, strict=True):
        found = run_session(session, batch.numpy())
        if found.shape != reference.shape:
            raise ExportError(
                "EXPORT_SHAPE",
                f"onnxruntime output shape {list(found.shape)} differs from PyTorch's {list(reference.shape)} "
                f"for input {list(batch.shape)}",
            )
        found = found.astype(np.float32)
        if not np.all(np.isfinite(found)):
            return float("inf")
        worst = max(worst, float(np.max(np.abs(found - reference))))
    return worst
