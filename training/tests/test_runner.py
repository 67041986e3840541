"""The shared stage runner: exact resume, the recipe check, loss logs and curves, stage lookups, and the same stage run
as 2 processes through accelerate on CPU (gradients averaged across ranks, one set of files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from tinysr_train.checkpoint import CheckpointError, load_checkpoint
from tinysr_train.train.runner import (
    LOSS_LOG,
    LOSS_PLOT,
    StageError,
    StageRunner,
    StageSettings,
    latest_checkpoint,
    load_stage_modules,
    stage_output,
)

TARGET = torch.tensor([[1.5], [-2.0], [0.5]])


def _cfg(run_dir: Path, steps: int, lr: float = 0.1, **toy: object) -> dict:
    return {
        "seed": 3,
        "model": {"registry": "tinysr-test"},
        "paths": {},
        "toy": {"run_dir": str(run_dir), "steps": steps, "checkpoint_every": 2, "lr": lr, **toy},
        "other": {"anything": 1},
    }


def run_toy(cfg: dict) -> tuple[StageRunner, nn.Linear, list[dict[str, float]]]:
    """A linear regression whose batches come from the runner's per-step generator."""
    settings = StageSettings.from_section(cfg["toy"], "toy")
    runner = StageRunner("toy", cfg, settings, log=lambda _: None)
    torch.manual_seed(0)
    model = nn.Linear(3, 1, bias=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg["toy"]["lr"])
    prepared = runner.add("model", model, optimizer, warmup_steps=cfg["toy"].get("warmup_steps"), ema=True)

    def step(index: int) -> dict[str, float]:
        x = torch.randn(4, 3, generator=runner.generator(index))
        loss = (prepared(x) - x @ TARGET).pow(2).mean()
        optimizer.zero_grad()
        runner.backward(loss)
        optimizer.step()
        return {"mse": loss.item(), "lr": runner.lr("model") if runner._schedulers else 0.0}

    result = runner.run(step)
    return runner, model, result.losses


def test_resume_reproduces_the_uninterrupted_run(tmp_path: Path) -> None:
    _, straight, straight_losses = run_toy(_cfg(tmp_path / "a", 4))
    _, _, first = run_toy(_cfg(tmp_path / "b", 2))
    _, resumed, second = run_toy(_cfg(tmp_path / "b", 4))
    assert [round(x["mse"], 6) for x in first + second] == [round(x["mse"], 6) for x in straight_losses]
    assert torch.equal(resumed.weight, straight.weight)
    logged = [json.loads(line) for line in (tmp_path / "b" / LOSS_LOG).read_text().splitlines()]
    assert [row["step"] for row in logged] == [1, 2, 3, 4]
    assert (tmp_path / "b" / LOSS_PLOT).stat().st_size > 1000
    assert latest_checkpoint(tmp_path / "b").name == "step-000004.pt"


# Everything the runner adds from accelerate / diffusers at once: the cosine schedule with warmup, EMA, clipping, bf16.
EXTRAS = {"warmup_steps": 2, "ema_decay": 0.9, "max_grad_norm": 0.5}


@pytest.mark.parametrize("extras", [EXTRAS, {**EXTRAS, "mixed_precision": "bf16"}], ids=["fp32", "bf16"])
def test_schedule_ema_and_clipping_resume_exactly(tmp_path: Path, extras: dict) -> None:
    _, straight, straight_losses = run_toy(_cfg(tmp_path / "a", 6, **extras))
    _, _, first = run_toy(_cfg(tmp_path / "b", 3, **extras))
    _, resumed, second = run_toy(_cfg(tmp_path / "b", 6, **extras))
    assert first + second == straight_losses
    assert torch.equal(resumed.weight, straight.weight)
    # diffusers' cosine schedule: linear warmup from 0 over 2 steps, then cosine decay to 0 at `steps`.
    assert [round(row["lr"], 6) for row in straight_losses[:3]] == [0.0, 0.05, 0.1]
    assert all(a["lr"] > b["lr"] for a, b in zip(straight_losses[2:], straight_losses[3:], strict=False))
    # The checkpoint's `model.*` holds the EMA weights (what export and later stages load); the raw ones sit beside.
    checkpoint = load_checkpoint(latest_checkpoint(tmp_path / "a"))
    raw = checkpoint.extra["runner"]["weights"]["model"]["weight"]
    assert torch.equal(raw, straight.weight.detach())
    assert not torch.equal(checkpoint.model_state["model.weight"], raw)
    assert checkpoint.extra["runner"]["ema"]["model"]["optimization_step"] == 6


def test_clipping_bounds_the_step(tmp_path: Path) -> None:
    _, free, _ = run_toy(_cfg(tmp_path / "free", 1, lr=1.0))
    _, clipped, _ = run_toy(_cfg(tmp_path / "clipped", 1, lr=1.0, max_grad_norm=0.01))
    torch.manual_seed(0)
    start = nn.Linear(3, 1, bias=False).weight
    assert (clipped.weight - start).norm() <= 0.01 + 1e-6 < (free.weight - start).norm()


def test_a_checkpoint_without_schedule_state_resumes_on_the_schedule(tmp_path: Path) -> None:
    """Checkpoints written before the runner saved its schedules: the lr is a function of the step."""
    _, _, straight = run_toy(_cfg(tmp_path / "a", 4, warmup_steps=2))
    run_toy(_cfg(tmp_path / "b", 2, warmup_steps=2))
    path = latest_checkpoint(tmp_path / "b")
    payload = torch.load(path, weights_only=True)
    del payload["extra"]["runner"]
    torch.save(payload, path)
    _, _, second = run_toy(_cfg(tmp_path / "b", 4, warmup_steps=2))
    assert second == straight[2:]


@pytest.mark.parametrize(
    ("key", "value"), [("mixed_precision", "fp16"), ("max_grad_norm", 0), ("ema_decay", 1.0), ("ema_decay", "x")]
)
def test_settings_reject_bad_accelerate_keys(key: str, value: object) -> None:
    with pytest.raises(StageError, match=f"toy.{key}"):
        StageSettings.from_section({"run_dir": "x", "steps": 1, "checkpoint_every": 1, key: value}, "toy")


def test_nothing_to_do_when_the_run_is_complete(tmp_path: Path) -> None:
    run_toy(_cfg(tmp_path, 2))
    _, _, losses = run_toy(_cfg(tmp_path, 2))
    assert losses == []


def test_a_changed_recipe_refuses_resume_but_other_sections_do_not_matter(tmp_path: Path) -> None:
    run_toy(_cfg(tmp_path, 2))
    changed_elsewhere = _cfg(tmp_path, 4)
    changed_elsewhere["other"]["anything"] = 2
    run_toy(changed_elsewhere)
    with pytest.raises(CheckpointError, match="toy.lr") as caught:
        run_toy(_cfg(tmp_path, 6, lr=0.5))
    assert caught.value.code == "CHECKPOINT_CONFIG_MISMATCH"


def test_stage_lookups_name_the_missing_stage_and_module(tmp_path: Path) -> None:
    with pytest.raises(StageError, match="tinysr-train toy") as missing:
        stage_output(tmp_path / "never", "toy")
    assert missing.value.code == "STAGE_NOT_RUN"
    _, trained, _ = run_toy(_cfg(tmp_path, 2))
    fresh = nn.Linear(3, 1, bias=False)
    load_stage_modules(stage_output(tmp_path, "toy"), {"model": fresh})
    assert torch.equal(fresh.weight, trained.weight)
    with pytest.raises(StageError) as wrong:
        load_stage_modules(stage_output(tmp_path, "toy"), {"student": fresh})
    assert wrong.value.code == "STAGE_MODULE_MISSING"


def test_a_wall_clock_budget_stops_early_with_a_checkpoint_and_a_rerun_continues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TINYSR_STAGE_SECONDS", '{"toy": 0}')
    _, _, first = run_toy(_cfg(tmp_path, 4))
    assert len(first) == 1 and latest_checkpoint(tmp_path).name == "step-000001.pt"
    monkeypatch.delenv("TINYSR_STAGE_SECONDS")
    _, _, rest = run_toy(_cfg(tmp_path, 4))
    assert len(rest) == 3


def test_settings_reject_bad_steps() -> None:
    with pytest.raises(StageError, match="toy.steps"):
        StageSettings.from_section({"run_dir": "x", "steps": 0, "checkpoint_every": 1}, "toy")


TWO_PROCESS_SCRIPT = """
import json, sys, torch
sys.path.insert(0, {tests!r})
from test_runner import _cfg, run_toy
from pathlib import Path
runner, model, losses = run_toy(_cfg(Path({run_dir!r}), 2))
print(json.dumps({{"rank": runner.process_index, "world": runner.num_processes, "weight": model.weight.tolist()}}))
"""


@pytest.mark.slow
def test_two_processes_on_cpu_through_torchrun_and_accelerate(tmp_path: Path) -> None:
    script = tmp_path / "two.py"
    script.write_text(TWO_PROCESS_SCRIPT.format(tests=str(Path(__file__).parent), run_dir=str(tmp_path / "run")))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", str(script)],
        capture_output=True, text=True, env=env, timeout=240, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    reports = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    assert sorted(r["rank"] for r in reports) == [0, 1]
    assert all(r["world"] == 2 for r in reports)
    # DDP keeps the replicas identical: both ranks end with the same weights although they saw different batches.
    assert reports[0]["weight"] == reports[1]["weight"]
    assert latest_checkpoint(tmp_path / "run").name == "step-000002.pt"
    assert len((tmp_path / "run" / LOSS_LOG).read_text().splitlines()) == 2
