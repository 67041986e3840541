"""The small latent teacher's stages (`teacher-vae`, `teacher-latent`) on `tinysr-test` with a tiny fake pixel cache:
two steps, resume, exact resume, the chain between the stages, the frozen loaded teacher and the missing-stage error.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import torch

from tinysr_train.cli import main as cli_main
from tinysr_train.config import load_config
from tinysr_train.models import build_teacher
from tinysr_train.registry import ModelConfig
from tinysr_train.train.runner import StageError, load_stage_modules
from tinysr_train.train.teacher_latent import (
    encode_lq,
    init_adaln_zero,
    load_trained_teacher,
    train_teacher_latent,
)
from tinysr_train.train.teacher_vae import MODULE, build_vae, train_teacher_vae

SMOKE_RECIPE = Path(__file__).resolve().parent.parent / "configs" / "recipe-smoke.yaml"
PAIRS = 3
LQ_SIDE = 8  # 32 px HQ: a 4 x 4 latent of tinysr-test, 4 transformer tokens


class FakePixelCache:
    """The PairCache pixel API over a few seeded random pairs (the tests never read shared data)."""

    def __init__(self) -> None:
        generator = torch.Generator().manual_seed(7)
        self.lq = torch.rand(PAIRS, 3, LQ_SIDE, LQ_SIDE, generator=generator)
        self.hq = torch.rand(PAIRS, 3, 4 * LQ_SIDE, 4 * LQ_SIDE, generator=generator)
        self.ref = torch.rand(PAIRS, 3, 4 * LQ_SIDE, 4 * LQ_SIDE, generator=generator)

    def pixels(self, indices: Sequence[int] | torch.Tensor) -> dict[str, torch.Tensor]:
        index = torch.as_tensor(indices)
        return {"lq": self.lq[index], "hq": self.hq[index], "ref": self.ref[index]}

    def sample_indices(self, generator: torch.Generator, batch: int) -> torch.Tensor:
        return torch.randint(PAIRS, (batch,), generator=generator)


def recipe(tmp_path: Path, steps: int = 2) -> dict[str, Any]:
    """The smoke recipe's teacher sections on tinysr-test, writing under tmp_path."""
    cfg = load_config(SMOKE_RECIPE, ["model.registry=tinysr-test", f"paths.cache={tmp_path / 'cache'}"])
    for section in ("teacher_vae", "teacher_latent"):
        cfg[section].update(run_dir=str(tmp_path / section), steps=steps, checkpoint_every=2, batch_size=1)
    return cfg


def with_steps(cfg: dict[str, Any], section: str, steps: int) -> dict[str, Any]:
    changed = copy.deepcopy(cfg)
    changed[section]["steps"] = steps
    return changed


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Both stages run 2 steps, then resumed to 3, once for the module's tests."""
    cfg = recipe(tmp_path_factory.mktemp("teacher"))
    cache = FakePixelCache()
    results = {
        "vae": train_teacher_vae(cfg, cache=cache, log=lambda _: None),
        "vae_resumed": train_teacher_vae(with_steps(cfg, "teacher_vae", 3), cache=cache, log=lambda _: None),
    }
    cfg = with_steps(cfg, "teacher_vae", 3)
    cfg["teacher_latent"]["loss_weights"]["pixel_l1"] = 0.5  # the optional term too
    results["latent"] = train_teacher_latent(cfg, cache=cache, log=lambda _: None)
    cfg = with_steps(cfg, "teacher_latent", 3)
    results["latent_resumed"] = train_teacher_latent(cfg, cache=cache, log=lambda _: None)
    return {"cfg": cfg, "cache": cache, **results}


@pytest.mark.parametrize("stage", ["vae", "latent"])
def test_each_stage_trains_two_steps_then_resumes_to_three(trained: dict[str, Any], stage: str) -> None:
    first, resumed = trained[stage], trained[f"{stage}_resumed"]
    assert (first.start_step, first.step, len(first.losses)) == (0, 2, 2)
    assert (resumed.start_step, resumed.step, len(resumed.losses)) == (2, 3, 1)
    assert all(torch.isfinite(torch.tensor(list(row.values()))).all() for row in first.losses + resumed.losses)
    assert set(first.losses[0]) >= ({"l1", "kl"} if stage == "vae" else {"latent_l1", "pixel_l1"})


def test_a_second_call_at_the_target_step_has_nothing_to_do(trained: dict[str, Any]) -> None:
    again = train_teacher_latent(trained["cfg"], cache=trained["cache"], log=lambda _: None)
    assert (again.start_step, again.step, again.losses) == (3, 3, [])


def test_resume_reproduces_the_uninterrupted_run(tmp_path: Path, test_cfg: ModelConfig) -> None:
    cfg, cache = recipe(tmp_path, steps=3), FakePixelCache()
    cfg["teacher_vae"].update(perceptual="gradient-l1", sources=["hq", "ref", "lq_up"])  # the optional terms too
    cfg["teacher_vae"]["loss_weights"]["perceptual"] = 0.5
    straight = train_teacher_vae(cfg, cache=cache, log=lambda _: None)
    vaes = [build_vae(test_cfg, 0) for _ in range(2)]
    load_stage_modules(straight.checkpoints[-1], {MODULE: vaes[0]})
    straight.checkpoints[-1].unlink()  # as if the run had been killed after saving step 2
    resumed = train_teacher_vae(cfg, cache=cache, log=lambda _: None)
    assert resumed.start_step == 2 and resumed.losses == straight.losses[2:]
    assert straight.losses[0]["perceptual"] > 0
    load_stage_modules(resumed.checkpoints[-1], {MODULE: vaes[1]})
    for a, b in zip(vaes[0].state_dict().values(), vaes[1].state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_the_loaded_teacher_is_frozen_and_holds_the_trained_vae(trained: dict[str, Any], test_cfg: ModelConfig) -> None:
    cfg = trained["cfg"]
    teacher = load_trained_teacher(cfg)
    assert not teacher.training and not any(p.requires_grad for p in teacher.parameters())
    vae = build_vae(test_cfg, 0)
    load_stage_modules(trained["vae_resumed"].checkpoints[-1], {MODULE: vae})
    for key, value in vae.state_dict().items():  # teacher-latent trained the transformer only
        torch.testing.assert_close(teacher.vae.state_dict()[key], value, rtol=0, atol=0)
    lq = trained["cache"].lq[:1]
    with torch.no_grad():
        assert teacher.denoise(encode_lq(teacher, lq)).shape == (1, 16, LQ_SIDE // 2, LQ_SIDE // 2)


def test_the_transformer_starts_as_the_identity(test_cfg: ModelConfig) -> None:
    teacher = build_teacher(test_cfg)
    init_adaln_zero(teacher.transformer)
    latent = torch.randn(1, 16, 4, 4)
    with torch.no_grad():
        torch.testing.assert_close(teacher.denoise(latent), latent)


def test_teacher_latent_without_a_trained_vae_names_the_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(StageError, match="tinysr-train teacher-vae") as raised:
        train_teacher_latent(recipe(tmp_path), cache=FakePixelCache(), log=lambda _: None)
    assert raised.value.code == "STAGE_NOT_RUN"
    status = cli_main(["teacher-latent", "--config", str(SMOKE_RECIPE), f"teacher_vae.run_dir={tmp_path / 'none'}"])
    assert status == 2 and "error [STAGE_NOT_RUN]" in capsys.readouterr().err



def test_a_pretrained_teacher_replaces_the_teacher_stages(tmp_path: Path) -> None:
    # The real-teacher path: with teacher.pretrained set, nothing is trained and loading names the missing files.
    from tinysr_train.models.errors import MissingWeightsError
    from tinysr_train.train.teacher_latent import load_trained_teacher, train_teacher_latent
    from tinysr_train.train.teacher_vae import train_teacher_vae

    real = {"transformer": str(tmp_path / "transformer"), "vae": str(tmp_path / "vae"),
            "conditioning": str(tmp_path / "embeds"), "lora": None}
    cfg = {"seed": 0, "model": {"registry": "tinysr-test"}, "teacher": {"pretrained": real}}
    logs: list[str] = []
    assert train_teacher_vae(cfg, log=logs.append).step == 0
    assert train_teacher_latent(cfg, log=logs.append).step == 0
    assert all("teacher.pretrained is set" in line for line in logs)
    with pytest.raises(MissingWeightsError, match="transformer"):
        load_trained_teacher(cfg)
