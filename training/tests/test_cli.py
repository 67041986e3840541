"""`tinysr-train`: the console script's help, command registration, error reporting, and `export` from a checkpoint."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from tinysr_train.checkpoint import save_checkpoint
from tinysr_train.cli import COMMAND_MODULES, main
from tinysr_train.config import CONFIG_DIR, config_hash, load_config
from tinysr_train.models import build_pipeline
from tinysr_train.registry import get_config

TINY_CONFIG = CONFIG_DIR / "export-fixture-tinysr-tiny.yaml"


def test_console_script_help_lists_the_commands() -> None:
    script = Path(sys.executable).with_name("tinysr-train")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "export" in done.stdout and "fixtures" in done.stdout
    assert "unavailable" not in done.stderr  # every listed command module imported


@pytest.mark.parametrize("module_name", COMMAND_MODULES)
def test_every_command_module_registers(module_name: str) -> None:
    assert callable(importlib.import_module(module_name).register)


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (["export.random_weights=false"], "EXPORT_NO_WEIGHTS"),
        (["export.opst=18"], "CONFIG_UNKNOWN_KEY"),
        (["model.registry=tinysr-huge"], "EXPORT_CONFIG"),
    ],
)
def test_errors_print_their_code_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], code: str
) -> None:
    assert main(["export", "--config", str(TINY_CONFIG), *extra, "--out", str(tmp_path / "m")]) == 2
    assert f"error [{code}]:" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_random_weights_warn_loudly_and_exclude_a_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "--config", str(TINY_CONFIG), "export.random_weights=false", "model.checkpoint=some.pt"]
    assert main([*argv, "--random-weights", "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "WARNING: exporting RANDOM, UNTRAINED weights" in err
    assert "error [EXPORT_CONFIG]: model.checkpoint and --random-weights" in err


def test_checkpoint_of_another_layout_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = load_config(TINY_CONFIG)
    student_only = build_pipeline(get_config("tinysr-test")).student.state_dict()
    path = save_checkpoint(tmp_path / "student.pt", model_state=student_only, step=1, config=cfg)
    argv = ["export", "--config", str(TINY_CONFIG), "export.random_weights=false", f"model.checkpoint={path}"]
    assert main([*argv, "--out", str(tmp_path / "m")]) == 2
    assert "error [EXPORT_CHECKPOINT_STATE]:" in capsys.readouterr().err


def test_export_from_checkpoint_records_its_provenance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train_cfg = {**load_config(TINY_CONFIG), "train": {"steps": 2}}
    torch.manual_seed(7)
    pipeline = build_pipeline(get_config("tinysr-test")).eval()
    path = save_checkpoint(
        tmp_path / "run" / "last.pt",
        model_state=pipeline.state_dict(),
        step=2,
        config=train_cfg,
        extra={"weights": "imported", "teacher": "tsdsr-sd3m (random test weights)"},
    )
    out = tmp_path / "model"
    argv = ["export", "--config", str(TINY_CONFIG), "export.random_weights=false", "export.fp16=false",
            f"model.checkpoint={path}", "--out", str(out), "--time-tile", "--threads", "1"]
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert "one 128 px LR tile, fp32, onnxruntime CPU, 1 threads:" in printed.out and "WARNING" not in printed.err
    manifest = json.loads((out / "manifest.json").read_text())
    provenance = manifest["provenance"]
    assert provenance["weights"] == "imported" and provenance["teacher"] == "tsdsr-sd3m (random test weights)"
    assert provenance["config"]["checkpoint"] == {"step": 2, "configHash": config_hash(train_cfg), "config": train_cfg}
    assert provenance["configHash"] == config_hash(provenance["config"]) and "fp16" not in manifest["files"]
    lr = np.random.default_rng(5).random((1, 3, 128, 128), dtype=np.float32)
    with torch.no_grad():
        expected = pipeline.cache()(torch.from_numpy(lr)).numpy()
    (found,) = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"]).run(None, {"lr": lr})
    np.testing.assert_allclose(found, expected, atol=1e-4, rtol=0)
