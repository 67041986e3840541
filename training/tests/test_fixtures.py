"""The app's fixture models: `tinysr-train fixtures` regenerates both into a folder, their manifests validate, the
graphs run in onnxruntime, the TinySR one refuses other tile sizes, and the committed copies match a regeneration."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from tinysr_train.cli import main
from tinysr_train.export.manifest import REPO_ROOT, read_manifest

COMMITTED = REPO_ROOT / "test" / "fixtures" / "models"
FIXTURE_IDS = ("generic-x4-tiny", "tinysr-tiny")
MAX_FIXTURE_BYTES = 5_000_000


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fixtures")
    assert main(["fixtures", "--out", str(out)]) == 0
    return out


def session(folder: Path, file: str = "model.onnx") -> ort.InferenceSession:
    return ort.InferenceSession(str(folder / file), providers=["CPUExecutionProvider"])


def test_command_writes_every_fixture_with_a_valid_manifest(regenerated: Path) -> None:
    assert sorted(p.name for p in regenerated.iterdir()) == sorted(FIXTURE_IDS)
    for fixture_id in FIXTURE_IDS:
        manifest = read_manifest(regenerated / fixture_id)
        assert manifest["id"] == fixture_id and manifest["provenance"]["weights"] == "random-init"
        assert manifest["provenance"]["parity"]["fp32MaxAbsError"] <= 1e-4
        assert all(f["bytes"] < MAX_FIXTURE_BYTES for f in manifest["files"].values())


def test_generic_fixture_is_free_size_with_a_bounded_receptive_field(regenerated: Path) -> None:
    manifest = read_manifest(regenerated / "generic-x4-tiny")
    assert manifest["family"] == "generic-sr" and manifest["colorFix"] == "none"
    assert manifest["tile"]["mode"] == "free" and manifest["overlap"] >= manifest["receptiveField"] == 3
    (hr,) = session(regenerated / "generic-x4-tiny").run(None, {"lr": np.full((1, 3, 17, 23), 0.25, np.float32)})
    assert hr.shape == (1, 3, 68, 92)


def test_tinysr_fixture_takes_only_its_fixed_tile(regenerated: Path) -> None:
    folder = regenerated / "tinysr-tiny"
    manifest = read_manifest(folder)
    assert manifest["family"] == "tinysr" and manifest["colorFix"] == "adain"
    assert manifest["tile"] == {"mode": "fixed", "size": 128} and "receptiveField" not in manifest
    assert manifest["cost"]["tileLr"] == 128 and manifest["cost"]["macsWithAttention"] > manifest["cost"]["macs"] > 0
    assert manifest["provenance"]["config"]["model"]["registry"] == "tinysr-test"
    for file in ("model.onnx", "model.fp16.onnx"):
        run = session(folder, file)
        (hr,) = run.run(None, {"lr": np.random.default_rng(0).random((2, 3, 128, 128), dtype=np.float32)})
        assert hr.shape == (2, 3, 512, 512) and 0.0 <= hr.min() and hr.max() <= 1.0
        with pytest.raises(Exception, match=r"invalid dimensions for input: lr[\s\S]*Got: 96 Expected: 128"):
            run.run(None, {"lr": np.zeros((1, 3, 96, 96), np.float32)})


@pytest.mark.parametrize("fixture_id", FIXTURE_IDS)
def test_committed_manifests_hash_their_files(fixture_id: str) -> None:
    for entry in read_manifest(COMMITTED / fixture_id)["files"].values():
        data = (COMMITTED / fixture_id / entry["path"]).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["bytes"], entry["sha256"])


@pytest.mark.parametrize("fixture_id", FIXTURE_IDS)
def test_committed_fixture_matches_a_regeneration(regenerated: Path, fixture_id: str) -> None:
    """Stale committed fixtures fail here; regenerate with `tinysr-train fixtures --out test/fixtures/models`."""
    committed = read_manifest(COMMITTED / fixture_id)
    fresh = read_manifest(regenerated / fixture_id)
    # Everything but what legitimately varies between machines and runs: file bytes, parity figures, timestamps.
    for manifest in (committed, fresh):
        del manifest["files"], manifest["provenance"]["parity"], manifest["provenance"]["createdAt"]
    assert committed == fresh
    shape = (1, 3, 128, 128) if committed["tile"]["mode"] == "fixed" else (1, 3, 40, 40)
    lr = np.random.default_rng(3).random(shape, dtype=np.float32)
    (expected,) = session(regenerated / fixture_id).run(None, {"lr": lr})
    (found,) = session(COMMITTED / fixture_id).run(None, {"lr": lr})
    np.testing.assert_allclose(found, expected, atol=1e-6, rtol=0)
