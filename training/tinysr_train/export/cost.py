"""The manifest's `cost` block (params, tileLr, macs, macsWithAttention), measured with the workspace's profiler
(tinysr_train.profiling.counter: thop's convention, plus the attention matmuls in the second figure).

May import: torch, tinysr_train.profiling.counter, tinysr_train.export.errors.
"""

from __future__ import annotations

from typing import Any

import torch

from tinysr_train.export.errors import ExportError
from tinysr_train.profiling.counter import count


def measure_cost(model: torch.nn.Module, example_input: torch.Tensor) -> dict[str, Any]:
    """Counts one forward pass of `model` on the square batch-1 example tile (count a student after cache())."""
    height, width = example_input.shape[-2:]
    if example_input.shape[0] != 1 or height != width:
        raise ExportError(
            "EXPORT_COST", f"cost is counted per square batch-1 tile; example_input is {list(example_input.shape)}"
        )
    counts = count(model, example_input)
    return {
        "params": counts.params,
        "tileLr": int(height),
        "macs": counts.macs,
        "macsWithAttention": counts.macs_with_attention,
    }
