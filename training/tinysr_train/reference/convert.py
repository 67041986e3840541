"""Conversion of an ncnn Real-ESRGAN model to a PyTorch module, and the converted-weights file format.

Owns: recognising which architecture an ncnn graph is (and its hyper-parameters), mapping each ncnn layer's blobs to
the module's parameter names, the graph-equivalence check (module vs. `NcnnModel.evaluate` on the same input), and
saving/loading converted weights as safetensors with the architecture and provenance in the metadata.
May import: torch, safetensors, `.archs`, `.ncnn_model`, `.ncnn_layers`, `.errors`.

The mapping is by order: ncnn's `.param` lists layers in the order the ONNX exporter met the PyTorch modules, which is
the modules' registration order for both architectures. The equivalence check is what proves the topology matches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from .archs import build_architecture
from .errors import ReferenceModelError
from .ncnn_layers import ConvolutionGeometry
from .ncnn_model import NcnnModel

# fp16 weights evaluated in fp32 by two different op orders: differences are accumulation rounding only.
GRAPH_EQUIVALENCE_ATOL = 1e-4


@dataclass(frozen=True)
class ConvertedModel:
    arch: str
    config: dict[str, int]
    module: nn.Module
    source: dict[str, Any]


def _unrecognised(model: NcnnModel, why: str) -> ReferenceModelError:
    return ReferenceModelError(
        "REFERENCE_ARCH_UNRECOGNISED",
        f"{model.graph.source}: not a Real-ESRGAN SRVGGNetCompact or RRDBNet graph ({why})",
    )


def _conv_state(model: NcnnModel, layer_name: str, prefix: str) -> dict[str, Tensor]:
    weights = model.weight_tensors(layer_name)
    if "bias" not in weights:
        raise _unrecognised(model, f"convolution {layer_name} has no bias")
    return {f"{prefix}.weight": weights["weight"], f"{prefix}.bias": weights["bias"]}


def _compact(model: NcnnModel) -> tuple[str, dict[str, int], dict[str, Tensor]]:
    graph = model.graph
    convs, prelus = graph.layers_of_type("Convolution"), graph.layers_of_type("PReLU")
    shuffles = graph.layers_of_type("PixelShuffle")
    if len(convs) < 2 or len(prelus) != len(convs) - 1 or len(shuffles) != 1:
        raise _unrecognised(model, f"{len(convs)} convolutions, {len(prelus)} PReLUs, {len(shuffles)} pixel shuffles")
    first, last = ConvolutionGeometry(convs[0]), ConvolutionGeometry(convs[-1])
    upscale = shuffles[0].int_param(0, 1)
    config = dict(
        num_in_ch=first.num_input,
        num_out_ch=last.num_output // (upscale * upscale),
        num_feat=first.num_output,
        num_conv=len(convs) - 2,
        upscale=upscale,
    )
    state: dict[str, Tensor] = {}
    for index, conv in enumerate(convs):
        state.update(_conv_state(model, conv.name, f"body.{2 * index}"))
    for index, prelu in enumerate(prelus):
        state[f"body.{2 * index + 1}.weight"] = model.weight_tensors(prelu.name)["slope"]
    return "SRVGGNetCompact", config, state


_RRDB_TAIL = ("conv_body", "conv_up1", "conv_up2", "conv_hr", "conv_last")


def _rrdb(model: NcnnModel) -> tuple[str, dict[str, int], dict[str, Tensor]]:
    convs = model.graph.layers_of_type("Convolution")
    upsamples = model.graph.layers_of_type("Interp")
    num_block, remainder = divmod(len(convs) - 1 - len(_RRDB_TAIL), 15)
    if remainder or num_block < 1 or len(upsamples) != 2:
        raise _unrecognised(
            model,
            f"{len(convs)} convolutions and {len(upsamples)} upsamplings; RRDBNet x4 has 1 + 15 x blocks + 5 and 2",
        )
    first, grow = ConvolutionGeometry(convs[0]), ConvolutionGeometry(convs[1])
    config = dict(
        num_in_ch=first.num_input,
        num_out_ch=ConvolutionGeometry(convs[-1]).num_output,
        num_feat=first.num_output,
        num_block=num_block,
        num_grow_ch=grow.num_output,
    )
    names = ["conv_first"]
    names += [f"body.{b}.rdb{r}.conv{c}" for b in range(num_block) for r in (1, 2, 3) for c in range(1, 6)]
    names += list(_RRDB_TAIL)
    state: dict[str, Tensor] = {}
    for name, conv in zip(names, convs):
        state.update(_conv_state(model, conv.name, name))
    return "RRDBNet", config, state


def recognise(model: NcnnModel) -> tuple[str, dict[str, int], dict[str, Tensor]]:
    """(architecture name, constructor config, state dict) for an ncnn Real-ESRGAN graph."""
    types = {layer.type for layer in model.graph.layers}
    if "PReLU" in types and "PixelShuffle" in types:
        return _compact(model)
    if "Eltwise" in types and "Concat" in types:
        return _rrdb(model)
    raise _unrecognised(model, f"layer types {sorted(types)}")


def graph_equivalence_error(module: nn.Module, model: NcnnModel, x: Tensor) -> float:
    """Max |module(x) - ncnn graph(x)|: the module reproduces the graph it was converted from."""
    with torch.no_grad():
        return float((module(x) - model.evaluate(x)).abs().max())


def convert(model: NcnnModel, *, probe_size: int = 16, seed: int = 0) -> ConvertedModel:
    """Build the PyTorch module holding exactly the ncnn weights, and prove on a random probe that it computes what the
    ncnn graph computes (raises REFERENCE_GRAPH_MISMATCH otherwise)."""
    arch, config, state = recognise(model)
    module = build_architecture(arch, config)
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise _unrecognised(model, f"weights do not fit {arch}({config}): {err}") from err
    module.eval()
    probe = torch.rand(1, config["num_in_ch"], probe_size, probe_size, generator=torch.Generator().manual_seed(seed))
    error = graph_equivalence_error(module, model, probe)
    if not error <= GRAPH_EQUIVALENCE_ATOL:
        raise ReferenceModelError(
            "REFERENCE_GRAPH_MISMATCH",
            f"{model.graph.source}: {arch} output differs from the ncnn graph by {error:.3g} "
            f"(tolerance {GRAPH_EQUIVALENCE_ATOL}); the graph's topology is not the one this architecture implements",
        )
    source = {
        "param": Path(model.graph.source).name,
        "param_sha256": model.param_sha256,
        "bin": Path(model.bin_source).name,
        "bin_sha256": model.bin_sha256,
        "bin_bytes": model.bin_bytes,
        "graph_equivalence_max_abs_error": error,
    }
    return ConvertedModel(arch, config, module, source)


def save_converted(converted: ConvertedModel, path: Path, *, provenance: dict[str, Any]) -> None:
    """Write the weights as safetensors; metadata holds the architecture, its config and where the weights came from."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {name: tensor.contiguous() for name, tensor in converted.module.state_dict().items()}
    metadata = {
        "format": "tinysr-reference/1",
        "arch": converted.arch,
        "config": json.dumps(converted.config, sort_keys=True),
        "source": json.dumps({**converted.source, **provenance}, sort_keys=True),
    }
    save_file(tensors, str(path), metadata=metadata)


def load_converted(path: Path) -> ConvertedModel:
    """Rebuild the module saved by `save_converted` (strict key check)."""
    if not path.is_file():
        raise ReferenceModelError(
            "REFERENCE_FILE_MISSING",
            f"{path}: converted reference weights not found; "
            "run `tinysr-train reference fetch` then `tinysr-train reference convert`",
        )
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    if metadata.get("format") != "tinysr-reference/1":
        raise ReferenceModelError(
            "REFERENCE_FILE_MISSING",
            f"{path}: not a converted reference model (metadata format {metadata.get('format')!r})",
        )
    config = json.loads(metadata["config"])
    module = build_architecture(metadata["arch"], config)
    module.load_state_dict(load_file(str(path)), strict=True)
    module.eval()
    return ConvertedModel(metadata["arch"], config, module, json.loads(metadata["source"]))

