"""`tinysr-train eval` end to end on a synthetic set made here: every kind of method (interpolation, the random
stand-in reference teacher, a precomputed folder, the app's fixture ONNX model through the tiler, a tinysr-test
checkpoint), the tables, the JSON, the comparison sheet, the cache on a second run, and the no-reference metrics
reported unavailable when their model files are absent. No shared data.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from tinysr_train.checkpoint import save_checkpoint
from tinysr_train.cli import main
from tinysr_train.eval.errors import EvalError
from tinysr_train.eval.metrics import psnr_y
from tinysr_train.eval.model_files import locate_niqe
from tinysr_train.eval.producers import parse_method
from tinysr_train.models.pipeline import build_pipeline
from tinysr_train.reference.photo_check import read_rgb
from tinysr_train.registry import get_config

REPO = Path(__file__).resolve().parents[2]
FIXTURE_MODEL = REPO / "test" / "fixtures" / "models" / "tinysr-tiny"
NAMES = ("a.png", "b.png")


def _write_set(root: Path) -> tuple[Path, Path]:
    """Two 256 px HR test cards and their 64 px box-downscaled LR images; `perfect/` holds HR copies."""
    lr, hr, perfect = root / "lr", root / "hr", root / "perfect"
    for folder in (lr, hr, perfect):
        folder.mkdir(parents=True)
    yy, xx = np.mgrid[0:256, 0:256].astype(np.float64)
    for i, name in enumerate(NAMES):
        image = np.stack(
            [128 + 100 * np.sin(xx / (6 + i)) * np.cos(yy / 9), 128 + 90 * np.sin((xx + yy) / 11), 255 * xx / 256],
            axis=-1,
        )
        pixels = image.clip(0, 255).round().astype(np.uint8)
        Image.fromarray(pixels).save(hr / name)
        Image.fromarray(pixels).save(perfect / name)
        small = pixels.reshape(64, 4, 64, 4, 3).mean(axis=(1, 3)).round().astype(np.uint8)
        Image.fromarray(small).save(lr / name)
    return lr, hr


def _write_checkpoint(path: Path) -> Path:
    cfg = get_config("tinysr-test")
    torch.manual_seed(0)
    pipeline = build_pipeline(cfg)
    state = {f"pipeline.{k}": v for k, v in pipeline.state_dict().items()}
    return save_checkpoint(path, model_state=state, step=2, config={"model": {"registry": "tinysr-test"}})


@pytest.fixture(scope="module")
def eval_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("eval")
    lr, hr = _write_set(root / "cards")
    checkpoint = _write_checkpoint(root / "restore2" / "step-000002.pt")
    config = {
        "seed": 0,
        "model": {"registry": "tinysr-test"},
        "reference": {"model": "random-init"},
        "eval": {
            "run_dir": str(root / "run"),
            "out": str(root / "out"),
            "sets": {"cards": {"lr": str(lr), "hr": str(hr)}},
            "methods": [
                "bicubic",
                "lanczos",
                "reference",
                "folder:perfect",
                f"onnx:{FIXTURE_MODEL}",
                f"student=checkpoint:{checkpoint.parent}",
            ],
            "threads": 1,
            "crops": {"images": 2, "size": 32},
            "nr_models": {"brisque": str(root / "no-models"), "niqe": str(root / "no-models" / "niqe.npz")},
        },
    }
    path = root / "recipe.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["eval", "--config", str(path)]) == 0
    return root, path


def test_writes_tables_json_and_sheet(eval_run: tuple[Path, Path]) -> None:
    root, _ = eval_run
    out = root / "out"
    report = json.loads((out / "cards.json").read_text())
    labels = [m["label"] for m in report["methods"]]
    assert labels == ["bicubic", "lanczos", "reference", "perfect", "tinysr-tiny", "student"]
    assert report["images"] == list(NAMES)
    assert report["metrics"]["lpips"] == "unavailable (weights not present)"
    assert report["metrics"]["brisque"].startswith("unavailable")
    assert report["metrics"]["niqe"].startswith("unavailable")
    table = (out / "cards.md").read_text()
    assert "| perfect | 80.00 | 1.0000 |" in table and "(teacher)" in table
    assert "BRISQUE" not in table.split("## Methods")[0]  # unavailable metrics get no column
    assert "random weights" in table  # the smoke reference says it is a stand-in
    with Image.open(out / "cards-sheet.png") as sheet:  # bicubic, teacher, two models, ground truth; 2 rows
        assert sheet.width == 5 * 32 * 2 and sheet.height == 18 + 2 * (64 + 18)
    assert (out / "summary.md").is_file()


def test_values_match_the_metrics_on_the_written_images(eval_run: tuple[Path, Path]) -> None:
    root, _ = eval_run
    report = json.loads((root / "out" / "cards.json").read_text())
    bicubic = next(m for m in report["methods"] if m["label"] == "bicubic")
    sr = read_rgb(root / "run" / "cards" / "bicubic" / "a.png")
    hr = read_rgb(root / "cards" / "hr" / "a.png")
    teacher = read_rgb(root / "run" / "cards" / "reference" / "a.png")
    assert bicubic["per_image"]["a.png"]["psnr_y"] == pytest.approx(float(psnr_y(sr, hr)))
    assert bicubic["per_image"]["a.png"]["agreement_psnr_y"] == pytest.approx(float(psnr_y(sr, teacher)))
    for label in ("tinysr-tiny", "student"):
        assert read_rgb(root / "run" / "cards" / label / "b.png").shape == (1, 3, 256, 256)


def test_second_run_reuses_outputs_and_metrics(eval_run: tuple[Path, Path]) -> None:
    root, config = eval_run
    produced = root / "run" / "cards" / "student" / "a.png"
    before = produced.stat().st_mtime_ns
    (root / "run" / "cards" / "lanczos" / "b.png").unlink()  # one missing output is remade, nothing else
    assert main(["eval", "--config", str(config), "eval.methods=[bicubic, lanczos]", "+eval.teacher=null"]) == 0
    assert produced.stat().st_mtime_ns == before
    assert (root / "run" / "cards" / "lanczos" / "b.png").is_file()


def test_bad_method_and_wrong_model_file(tmp_path: Path) -> None:
    with pytest.raises(EvalError) as info:
        parse_method("upscayl:x", {}, set_name="s", lr_dir=tmp_path)
    assert info.value.code == "EVAL_METHOD"
    impostor = tmp_path / "niqe.npz"
    shutil.copyfile(FIXTURE_MODEL / "manifest.json", impostor)
    with pytest.raises(EvalError) as info:
        locate_niqe(str(impostor))
    assert info.value.code == "EVAL_MODEL_FILES"


def test_record_quality_writes_the_means_into_the_models_manifest(
    eval_run: tuple[Path, Path], tmp_path: Path
) -> None:
    root, config = eval_run
    model = shutil.copytree(FIXTURE_MODEL, tmp_path / "tinysr-tiny")
    files_before = json.loads((model / "manifest.json").read_text())["files"]
    methods = f"eval.methods=[bicubic, reference, onnx:{model}]"
    assert main(["eval", "--config", str(config), methods, "--record-quality"]) == 0
    manifest = json.loads((model / "manifest.json").read_text())
    assert manifest["files"] == files_before  # the weights and their digests are not touched
    report = json.loads((root / "out" / "cards.json").read_text())
    means = next(m for m in report["methods"] if m["label"] == "tinysr-tiny")["means"]
    quality = {q["metric"]: q for q in manifest["quality"]}
    assert set(quality) == {"psnr_y", "ssim_y", "psnr_y_vs_teacher"}  # BRISQUE / NIQE are unavailable here
    assert quality["psnr_y"]["value"] == pytest.approx(means["psnr_y"], abs=1e-4)
    assert quality["psnr_y_vs_teacher"]["value"] == pytest.approx(means["agreement_psnr_y"], abs=1e-4)
    assert {q["dataset"] for q in manifest["quality"]} == {"cards, 2 images"}


def test_record_quality_without_an_exported_model_is_an_error(
    eval_run: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, config = eval_run
    assert main(["eval", "--config", str(config), "eval.methods=[bicubic]", "+eval.teacher=null", "--record-quality"]) == 2
    assert "error [EVAL_RECORD]" in capsys.readouterr().err
