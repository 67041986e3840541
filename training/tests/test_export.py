"""export_onnx on small models: manifest contract, file hashes, fp16 with float32 I/O, dynamic batch and size,
parity refusal (no manifest written), range/tile/manifest errors, and the profiler-measured cost."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from torch import nn

from tinysr_train.config import config_hash
from tinysr_train.export import ExportError, ParityError, export_onnx
from tinysr_train.export.generic_x4 import GenericTinyX4
from tinysr_train.export.manifest import read_manifest

FREE_TILE = {"mode": "free", "multipleOf": 1, "min": 16, "max": 512, "default": 64}
CONFIG = {"seed": 0, "model": {"generic": {"features": 16, "convs": 3}}}


def export(model: nn.Module, out_dir: Path, **overrides: Any):
    arguments: dict[str, Any] = dict(
        out_dir=out_dir,
        model_id="test-model",
        name="Test model",
        family="generic-sr",
        scale=4,
        tile=FREE_TILE,
        overlap=8,
        color_fix="none",
        license={"id": "Apache-2.0"},
        provenance={"weights": "random-init", "teacher": "none", "data": "none", "config": CONFIG},
        example_input=torch.rand(1, 3, 24, 24, generator=torch.Generator().manual_seed(0)),
        receptive_field=3,
    )
    arguments.update(overrides)
    return export_onnx(model, **arguments)


class ExportOnlyOffset(nn.Module):
    """Differs from its own ONNX graph: adds 0.01 only while being exported."""

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        up = nn.functional.interpolate(lr, scale_factor=4, mode="nearest") * 0.5
        return up + 0.01 if torch.onnx.is_in_onnx_export() else up


@pytest.fixture(scope="module")
def generic_export(tmp_path_factory: pytest.TempPathFactory):
    return export(GenericTinyX4(seed=0), tmp_path_factory.mktemp("export") / "generic")


def test_manifest_follows_the_contract(generic_export) -> None:
    manifest = read_manifest(generic_export.out_dir)  # validates against native-models/manifest.schema.json
    assert manifest == generic_export.manifest
    assert manifest["io"] == {
        "input": "lr", "output": "hr", "layout": "NCHW", "channels": 3, "colorOrder": "RGB",
        "range": [0, 1], "dynamicBatch": True, "opset": 17,
    }
    provenance = manifest["provenance"]
    assert provenance["config"] == CONFIG and provenance["configHash"] == config_hash(CONFIG)
    assert provenance["exporter"].startswith("tinysr-train ") and provenance["weights"] == "random-init"
    assert 0 <= provenance["parity"]["fp32MaxAbsError"] <= 1e-4
    assert 0 < provenance["parity"]["fp16MaxAbsError"] < 1e-2
    assert manifest["receptiveField"] == 3 and manifest["tile"] == FREE_TILE
    assert (generic_export.out_dir / "resolved-config.yaml").is_file()
    assert sorted(p.name for p in generic_export.out_dir.parent.iterdir()) == ["generic"]  # no staging left


def test_file_entries_hash_the_files(generic_export) -> None:
    for entry in generic_export.manifest["files"].values():
        data = (generic_export.out_dir / entry["path"]).read_bytes()
        assert entry["bytes"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["dtype"] == "float32"


def test_fp16_file_has_fp16_weights_and_float32_io(generic_export) -> None:
    graph = onnx.load(str(generic_export.fp16_path)).graph
    assert {init.data_type for init in graph.initializer if len(init.dims) == 4} == {onnx.TensorProto.FLOAT16}
    for value in [*graph.input, *graph.output]:
        assert value.type.tensor_type.elem_type == onnx.TensorProto.FLOAT


@pytest.mark.parametrize("file_attr", ["fp32_path", "fp16_path"])
def test_graphs_run_any_batch_and_free_size(generic_export, file_attr: str) -> None:
    session = ort.InferenceSession(str(getattr(generic_export, file_attr)), providers=["CPUExecutionProvider"])
    model = GenericTinyX4(seed=0)
    lr = torch.rand(3, 3, 20, 36, generator=torch.Generator().manual_seed(1))
    (hr,) = session.run(None, {"lr": lr.numpy()})
    assert hr.shape == (3, 3, 80, 144) and hr.dtype == np.float32
    with torch.no_grad():
        expected = model(lr).numpy()
    tolerance = 1e-4 if file_attr == "fp32_path" else 5e-3
    np.testing.assert_allclose(hr, expected, atol=tolerance, rtol=0)


def test_cost_is_measured_by_the_profiler(generic_export) -> None:
    # thop convention: a conv costs output elements x input channels x 3 x 3; bias and bicubic are not counted.
    side = 24
    widths = [3, 16, 16, 48]
    macs = sum(side * side * c_out * c_in * 9 for c_in, c_out in zip(widths[:-1], widths[1:]))
    params = sum(c_out * c_in * 9 + c_out for c_in, c_out in zip(widths[:-1], widths[1:]))
    expected = {"params": params, "tileLr": side, "macs": macs, "macsWithAttention": macs}
    assert generic_export.manifest["cost"] == expected


def test_parity_failure_writes_no_manifest(tmp_path: Path) -> None:
    out_dir = tmp_path / "broken"
    out_dir.mkdir()
    (out_dir / "manifest.json").write_text('{"previous": true}')  # an earlier export's folder stays untouched
    with pytest.raises(ParityError) as caught:
        export(ExportOnlyOffset(), out_dir, fp16=False)
    assert caught.value.code == "EXPORT_PARITY" and caught.value.max_abs_error == pytest.approx(0.01, abs=1e-6)
    assert "No manifest was written" in str(caught.value)
    assert json.loads((out_dir / "manifest.json").read_text()) == {"previous": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken"]
    assert sorted(p.name for p in out_dir.iterdir()) == ["manifest.json"]


class Unclamped(nn.Module):
    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        return nn.functional.interpolate(lr, scale_factor=4, mode="nearest") * 3.0


@pytest.mark.parametrize(
    ("model", "overrides", "code", "fragment"),
    [
        (Unclamped(), {}, "EXPORT_RANGE", "clamp"),
        (GenericTinyX4(), {"scale": 2}, "EXPORT_SHAPE", "scale 2"),
        (GenericTinyX4(), {"tile": {"mode": "fixed", "size": 32}}, "EXPORT_EXAMPLE", "fixed 32 px"),
        (GenericTinyX4(), {"tile": {**FREE_TILE, "multipleOf": 16}}, "EXPORT_EXAMPLE", "multipleOf"),
        (GenericTinyX4(), {"model_id": "Not Valid"}, "MANIFEST_INVALID", "id"),
        (GenericTinyX4(), {"tile": {**FREE_TILE, "default": 1024}}, "MANIFEST_INVALID", "min <= default <= max"),
    ],
)
def test_invalid_exports_fail_clearly_and_write_nothing(
    tmp_path: Path, model: nn.Module, overrides: dict[str, Any], code: str, fragment: str
) -> None:
    with pytest.raises(ExportError) as caught:
        export(model, tmp_path / "out", fp16=False, **overrides)
    assert caught.value.code == code and fragment in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_fixed_tile_graph_refuses_other_sizes(tmp_path: Path) -> None:
    result = export(
        GenericTinyX4(seed=0), tmp_path / "fixed", fp16=False, tile={"mode": "fixed", "size": 24}, receptive_field=None
    )
    session = ort.InferenceSession(str(result.fp32_path), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape == ["batch", 3, 24, 24]
    assert session.run(None, {"lr": np.zeros((2, 3, 24, 24), np.float32)})[0].shape == (2, 3, 96, 96)
    with pytest.raises(Exception, match=r"invalid dimensions for input: lr[\s\S]*Got: 32 Expected: 24"):
        session.run(None, {"lr": np.zeros((1, 3, 32, 32), np.float32)})
