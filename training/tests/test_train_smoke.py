"""Smoke run of the student training loop ('tinysr-test', random teacher and data): 2 steps through the CLI write a
checkpoint holding the resolved config; a second invocation resumes and continues to step 4, and must land on the same
weights and optimizer state as one uninterrupted 4-step run."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tinysr_train.checkpoint import load_checkpoint
from tinysr_train.cli import main
from tinysr_train.config import CONFIG_DIR, config_hash, load_config
from tinysr_train.train.student_distill import checkpoint_path, train_student

SMOKE_CONFIG = CONFIG_DIR / "train-student-smoke.yaml"
# Same ops in the same order on the same data: resume should be bit-exact; the tolerance only absorbs nothing else.
ATOL = 1e-7


def _train_cli(run_dir: Path, *overrides: str) -> int:
    return main(["train-student", "--config", str(SMOKE_CONFIG), f"train.run_dir={run_dir}", *overrides])


def test_resumed_run_equals_uninterrupted_run(tmp_path: Path) -> None:
    resumed_dir, straight_dir = tmp_path / "resumed", tmp_path / "straight"
    assert _train_cli(resumed_dir) == 0
    first = load_checkpoint(checkpoint_path(resumed_dir, 2))
    assert first.step == 2
    assert first.config == load_config(SMOKE_CONFIG, [f"train.run_dir={resumed_dir}"])
    assert first.config_hash == config_hash(first.config)
    assert first.extra["stage"] == "latent-distill"

    assert _train_cli(resumed_dir, "train.steps=4") == 0
    resumed = load_checkpoint(checkpoint_path(resumed_dir, 4))
    assert resumed.config["train"]["steps"] == 4

    straight_cfg = load_config(SMOKE_CONFIG, [f"train.run_dir={straight_dir}", "train.steps=4"])
    straight = train_student(straight_cfg, log=lambda _: None)
    assert straight.start_step == 0 and len(straight.losses) == 4
    reference = load_checkpoint(checkpoint_path(straight_dir, 4))

    assert resumed.model_state.keys() == reference.model_state.keys()
    for key, value in reference.model_state.items():
        torch.testing.assert_close(resumed.model_state[key], value, atol=ATOL, rtol=0, msg=key)
    for param_id, state in reference.optimizer_state["state"].items():
        for name, value in state.items():
            torch.testing.assert_close(resumed.optimizer_state["state"][param_id][name], value, atol=ATOL, rtol=0)
    # Steps 3-4 moved the student (else a resume that trained nothing could pass the comparison above).
    moved = [k for k, v in first.model_state.items() if not torch.equal(v, resumed.model_state[k])]
    assert any(k.startswith("student.transformer_blocks.") for k in moved)
    assert not any(k.startswith("tiny_vae.") for k in moved)  # the tiny VAE is frozen in this stage


def test_resume_refuses_a_changed_recipe(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert _train_cli(tmp_path) == 0
    assert _train_cli(tmp_path, "train.steps=4", "train.lr=0.001") == 2
    err = capsys.readouterr().err
    assert "error [CHECKPOINT_CONFIG_MISMATCH]" in err
    assert err.split("differing keys: ")[1].split(". Only")[0] == "train.lr"  # train.steps may change on resume
    assert not checkpoint_path(tmp_path, 4).exists()
