"""An ncnn model loaded into memory: its graph, every layer's weights, the byte accounting of its `.bin`, and a
reference evaluation of the graph.

Owns: walking the `.bin` in layer order exactly as ncnn's `Net::load_model` does (each layer reads its own blobs) and
proving every byte was read; evaluating the graph blob by blob with `ncnn_layers` maths. May import: numpy, torch,
`.ncnn_param`, `.ncnn_bin`, `.ncnn_layers`, `.errors`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from .errors import ReferenceModelError
from .ncnn_bin import BlobRecord, ModelBinReader
from .ncnn_layers import Weights, layer_kind
from .ncnn_param import NcnnGraph, parse_param


@dataclass(frozen=True)
class ByteAccounting:
    """How the `.bin`'s bytes split between tags, data and padding; `total == file_bytes` after a walk."""

    file_bytes: int
    blobs: int
    tag_bytes: int
    data_bytes: int
    padding_bytes: int
    values: int
    storage_counts: dict[str, int]

    @property
    def total(self) -> int:
        return self.tag_bytes + self.data_bytes + self.padding_bytes


@dataclass(frozen=True)
class NcnnModel:
    graph: NcnnGraph
    weights: dict[str, Weights]
    records: tuple[BlobRecord, ...]
    bin_bytes: int
    bin_source: str
    param_sha256: str
    bin_sha256: str

    @classmethod
    def from_bytes(cls, param_data: bytes, bin_data: bytes, *, param_source: str, bin_source: str) -> "NcnnModel":
        graph = parse_param(param_data.decode("utf-8"), source=param_source)
        reader = ModelBinReader(bin_data, source=bin_source)
        weights = {layer.name: layer_kind(layer, param_source).load_weights(layer, reader) for layer in graph.layers}
        reader.finish()
        return cls(
            graph=graph,
            weights=weights,
            records=tuple(reader.records),
            bin_bytes=len(bin_data),
            bin_source=bin_source,
            param_sha256=hashlib.sha256(param_data).hexdigest(),
            bin_sha256=hashlib.sha256(bin_data).hexdigest(),
        )

    @classmethod
    def load(cls, param_path: Path, bin_path: Path) -> "NcnnModel":
        for path in (param_path, bin_path):
            if not path.is_file():
                raise ReferenceModelError("REFERENCE_FILE_MISSING", f"{path}: ncnn model file not found")
        return cls.from_bytes(
            param_path.read_bytes(),
            bin_path.read_bytes(),
            param_source=str(param_path),
            bin_source=str(bin_path),
        )

    def byte_accounting(self) -> ByteAccounting:
        storage_counts: dict[str, int] = {}
        for record in self.records:
            storage_counts[record.storage] = storage_counts.get(record.storage, 0) + 1
        return ByteAccounting(
            file_bytes=self.bin_bytes,
            blobs=len(self.records),
            tag_bytes=sum(r.tag_bytes for r in self.records),
            data_bytes=sum(r.data_bytes for r in self.records),
            padding_bytes=sum(r.padding_bytes for r in self.records),
            values=sum(r.count for r in self.records),
            storage_counts=storage_counts,
        )

    def weight_tensors(self, layer_name: str) -> dict[str, Tensor]:
        return {role: torch.from_numpy(array.copy()) for role, array in self.weights[layer_name].items()}

    @torch.no_grad()
    def evaluate(self, x: Tensor) -> Tensor:
        """Run the graph on an N x C x H x W batch, blob by blob as ncnn would; returns the single output blob."""
        inputs, outputs = self.graph.inputs, self.graph.outputs
        if len(inputs) != 1 or len(outputs) != 1:
            raise ReferenceModelError(
                "NCNN_LAYER_UNSUPPORTED",
                f"{self.graph.source}: evaluation needs one input and one output blob, found {inputs} and {outputs}",
            )
        blobs: dict[str, Tensor] = {inputs[0]: x}
        for layer in self.graph.layers:
            if layer.type == "Input":
                continue
            kind = layer_kind(layer, self.graph.source)
            results = kind.forward(layer, self.weight_tensors(layer.name), [blobs.pop(b) for b in layer.bottoms])
            blobs.update(zip(layer.tops, results))
        return blobs[outputs[0]]
