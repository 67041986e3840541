"""Reader of ncnn's `.bin` weight stream, mirroring `ModelBinFromDataReader::load(w, type)`.

Owns: decoding blobs in the order layers ask for them and accounting for every byte (`BlobRecord`s, `finish()` refuses
trailing bytes). May import: numpy, `.errors`.

ncnn's two blob kinds:
- type 0 ("tagged"): a 4-byte tag, then the data. Tag 0x01306B47 = fp16, padded to a multiple of 4 bytes; tag 0 = raw
  fp32. ncnn reads any other tag as int8 or a quantisation table, which this reader refuses.
- type 1 ("raw"): `w` little-endian fp32 values, no tag (biases, PReLU slopes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .errors import ReferenceModelError

FP16_TAG = 0x01306B47
FP32_TAG = 0x00000000
INT8_TAG = 0x000D4B38

BlobKind = Literal["tagged", "raw"]
Storage = Literal["fp16", "fp32-tagged", "fp32-raw"]


@dataclass(frozen=True)
class BlobRecord:
    """Where one weight blob lies in the `.bin` and how it is stored."""

    layer: str
    role: str
    offset: int
    count: int
    storage: Storage
    tag_bytes: int
    data_bytes: int
    padding_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.tag_bytes + self.data_bytes + self.padding_bytes


class ModelBinReader:
    """Sequential reader over the bytes of one `.bin`; `records` grows with each `load`."""

    def __init__(self, data: bytes, *, source: str) -> None:
        self._data = data
        self._source = source
        self.offset = 0
        self.records: list[BlobRecord] = []

    def _take(self, nbytes: int, layer: str, role: str) -> bytes:
        end = self.offset + nbytes
        if end > len(self._data):
            raise ReferenceModelError(
                "NCNN_BIN_TRUNCATED",
                f"{self._source}: layer {layer} needs {nbytes} bytes for its {role} at offset {self.offset}, "
                f"but the file has only {len(self._data) - self.offset} left ({len(self._data)} bytes in all); "
                "the .bin does not belong to this .param or was cut short: fetch the package again",
            )
        chunk = self._data[self.offset : end]
        self.offset = end
        return chunk

    def load(self, count: int, kind: BlobKind, *, layer: str, role: str) -> np.ndarray:
        """Read `count` values the way ncnn's `mb.load(count, type)` does; returns float32."""
        start = self.offset
        if kind == "raw":
            values = np.frombuffer(self._take(4 * count, layer, role), dtype="<f4").astype(np.float32)
            self.records.append(BlobRecord(layer, role, start, count, "fp32-raw", 0, 4 * count, 0))
            return values
        tag = int.from_bytes(self._take(4, layer, f"{role} storage tag"), "little")
        if tag == FP16_TAG:
            data_bytes = 2 * count
            padding = -data_bytes % 4
            raw = self._take(data_bytes + padding, layer, role)
            values = np.frombuffer(raw[:data_bytes], dtype="<f2").astype(np.float32)
            self.records.append(BlobRecord(layer, role, start, count, "fp16", 4, data_bytes, padding))
            return values
        if tag == FP32_TAG:
            values = np.frombuffer(self._take(4 * count, layer, role), dtype="<f4").astype(np.float32)
            self.records.append(BlobRecord(layer, role, start, count, "fp32-tagged", 4, 4 * count, 0))
            return values
        kind_name = "int8" if tag == INT8_TAG else "an ncnn quantisation table or not ncnn data at all"
        raise ReferenceModelError(
            "NCNN_BIN_BAD_TAG",
            f"{self._source}: layer {layer} {role} at offset {start} has storage tag 0x{tag:08X}; expected fp16 "
            f"(0x{FP16_TAG:08X}) or raw fp32 (0x00000000), which ncnn would read as {kind_name}. "
            "Only fp16/fp32 models are supported; check that the .bin matches the .param",
        )

    def finish(self) -> None:
        """Refuse bytes no layer read: the walk must end exactly at end of file."""
        if self.offset != len(self._data):
            raise ReferenceModelError(
                "NCNN_BIN_TRAILING_BYTES",
                f"{self._source}: the layers read {self.offset} bytes but the file has {len(self._data)}; "
                f"{len(self._data) - self.offset} bytes belong to no layer, so the .bin does not match the .param",
            )
