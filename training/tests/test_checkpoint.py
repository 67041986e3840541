"""Checkpoints: round trip, atomic writes, clear errors for missing/foreign files and config mismatches."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from tinysr_train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from tinysr_train.config import config_hash

CONFIG = {"seed": 0, "model": {"registry": "tinysr-test"}, "train": {"lr": 0.001}}


def trained_pair() -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.randn(2, 4)).sum().backward()
    optimizer.step()
    return model, optimizer


def test_round_trip_restores_weights_optimizer_step_and_config(tmp_path: Path) -> None:
    model, optimizer = trained_pair()
    path = save_checkpoint(
        tmp_path / "run" / "step-2.pt",
        model_state=model.state_dict(),
        optimizer_state=optimizer.state_dict(),
        step=2,
        config=CONFIG,
        extra={"keep": [0, 2], "ema": torch.ones(3)},
    )
    loaded = load_checkpoint(path, expected_config=CONFIG)
    assert loaded.step == 2 and loaded.config == CONFIG and loaded.config_hash == config_hash(CONFIG)
    assert loaded.extra["keep"] == [0, 2] and torch.equal(loaded.extra["ema"], torch.ones(3))
    restored, restored_optimizer = nn.Linear(4, 3), torch.optim.AdamW(nn.Linear(4, 3).parameters())
    restored.load_state_dict(loaded.model_state)
    assert all(torch.equal(a, b) for a, b in zip(restored.state_dict().values(), model.state_dict().values()))
    restored_optimizer = torch.optim.AdamW(restored.parameters(), lr=1e-3)
    restored_optimizer.load_state_dict(loaded.optimizer_state)
    assert restored_optimizer.state_dict()["state"][0]["step"] == optimizer.state_dict()["state"][0]["step"]


def test_save_is_atomic_and_overwrites(tmp_path: Path) -> None:
    model, _ = trained_pair()
    path = tmp_path / "last.pt"
    save_checkpoint(path, model_state=model.state_dict(), step=1, config=CONFIG)
    save_checkpoint(path, model_state=model.state_dict(), step=5, config=CONFIG)
    assert load_checkpoint(path).step == 5 and load_checkpoint(path).optimizer_state is None
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]  # no temporary file left behind


def test_failed_save_leaves_the_previous_checkpoint(tmp_path: Path) -> None:
    model, _ = trained_pair()
    path = save_checkpoint(tmp_path / "last.pt", model_state=model.state_dict(), step=1, config=CONFIG)
    with pytest.raises(Exception):  # torch.save cannot pickle a lambda: it fails after the temporary file exists
        save_checkpoint(path, model_state=model.state_dict(), step=2, config=CONFIG, extra={"fn": lambda: 0})
    assert load_checkpoint(path).step == 1 and [p.name for p in tmp_path.iterdir()] == ["last.pt"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(tmp_path / "absent.pt")
    assert caught.value.code == "CHECKPOINT_NOT_FOUND" and "absent.pt" in str(caught.value)


def test_garbage_and_foreign_torch_files(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError) as not_torch:
        load_checkpoint(garbage)
    assert not_torch.value.code == "CHECKPOINT_FORMAT" and "garbage.pt" in str(not_torch.value)
    foreign = tmp_path / "state_dict.pt"
    torch.save(nn.Linear(2, 2).state_dict(), foreign)
    with pytest.raises(CheckpointError, match="importer") as plain:
        load_checkpoint(foreign)
    assert plain.value.code == "CHECKPOINT_FORMAT"


def test_config_mismatch_names_the_differing_keys(tmp_path: Path) -> None:
    model, _ = trained_pair()
    path = save_checkpoint(tmp_path / "a.pt", model_state=model.state_dict(), step=1, config=CONFIG)
    other = {**CONFIG, "train": {"lr": 0.01}, "seed": 1}
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path, expected_config=other)
    assert caught.value.code == "CHECKPOINT_CONFIG_MISMATCH"
    assert "seed, train.lr" in str(caught.value)


def test_tampered_config_is_detected(tmp_path: Path) -> None:
    model, _ = trained_pair()
    path = save_checkpoint(tmp_path / "a.pt", model_state=model.state_dict(), step=1, config=CONFIG)
    payload = torch.load(path, weights_only=True)
    payload["config"]["seed"] = 99
    torch.save(payload, path)
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    assert caught.value.code == "CHECKPOINT_CORRUPT"
