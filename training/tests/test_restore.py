"""Restoration (`tinysr-train restore --stage 1|2`) on `tinysr-test` with fake inputs written in the layouts of the
stages before it: a tiny PairCache, a pruned student keeping 4 of 24 layers (`pruned.pt`) and a tiny-VAE checkpoint.
Stage 1 runs 4 steps through the CLI; resumed from its step-2 checkpoint it lands exactly on the same step 4; called
again it has nothing to do, and it refuses a changed recipe. Stage 2 starts from stage 1's output, trains the student
and the discriminator but not the tiny VAE, and its checkpoint loads into the export's pipeline with the keep-list."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch

from tinysr_train.checkpoint import load_checkpoint, save_checkpoint
from tinysr_train.cli import main as cli_main
from tinysr_train.config import load_config
from tinysr_train.data.cache import LATENTS_FILE, PIXELS_FILE
from tinysr_train.export.tinysr import load_pipeline
from tinysr_train.models import TinyVAE, build_student
from tinysr_train.registry import get_config
from tinysr_train.train.restore import DISCRIMINATOR, MODULE, train_restore
from tinysr_train.train.runner import checkpoint_path, module_state

SMOKE_RECIPE = Path(__file__).resolve().parent.parent / "configs" / "recipe-smoke.yaml"
KEEP = [1, 6, 13, 20]  # not the registry's 12 layers: the keep-list must travel to the export
PAIRS = 2
QUIET = {"log": lambda _: None}


def write_inputs(root: Path) -> None:
    """The fake cache, pruned student and tiny VAE (seeded), where the overrides below point the recipe."""
    model_cfg = get_config("tinysr-test")
    generator = torch.Generator().manual_seed(3)
    lq_side, latent_side = model_cfg.lr_tile, model_cfg.latent_tile
    names = [f"photo_{i}.png" for i in range(PAIRS)]

    def image(side: int) -> torch.Tensor:
        return torch.randint(0, 256, (PAIRS, 3, side, side), generator=generator, dtype=torch.uint8)

    def latent() -> torch.Tensor:
        return torch.randn(PAIRS, 16, latent_side, latent_side, generator=generator).half()

    (root / "cache").mkdir(parents=True)
    torch.save({"names": names, "lq": image(lq_side), "hq": image(4 * lq_side), "ref": image(4 * lq_side)},
               root / "cache" / PIXELS_FILE)
    torch.save({"names": names, "lq": latent(), "hq": latent(), "teacher": latent(), "provenance": {}},
               root / "cache" / LATENTS_FILE)
    torch.manual_seed(5)
    student = build_student(replace(model_cfg, keep=tuple(KEEP)))
    vae = TinyVAE(model_cfg.tiny_vae)
    cfg = {"seed": 0, "model": {"registry": "tinysr-test"}}
    save_checkpoint(root / "prune" / "pruned.pt", model_state=_grouped("student", student), step=2, config=cfg,
                    extra={"stage": "prune", "keep": KEEP})
    save_checkpoint(checkpoint_path(root / "vae-decoder", 2), model_state=_grouped("tiny_vae", vae), step=2, config=cfg)


def _grouped(name: str, module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {f"{name}.{key}": value for key, value in module.state_dict().items()}


def overrides(root: Path) -> list[str]:
    return [
        "model.registry=tinysr-test", f"paths.cache={root / 'cache'}", f"prune.run_dir={root / 'prune'}",
        "vae_encoder.variant=null", f"vae_decoder.run_dir={root / 'vae-decoder'}",
        f"restore1.run_dir={root / 'restore1'}", f"restore2.run_dir={root / 'restore2'}",
        "restore1.steps=4", "restore1.checkpoint_every=2", "restore2.steps=2",
    ]


def restore_cli(root: Path, stage: int, *extra: str) -> int:
    return cli_main(["restore", "--config", str(SMOKE_RECIPE), "--stage", str(stage), *overrides(root), *extra])


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stage 1 run 4 steps through the CLI, once for the module's tests."""
    path = tmp_path_factory.mktemp("restore")
    write_inputs(path)
    assert restore_cli(path, 1) == 0
    return path


def assert_same_states(found: dict[str, Any], expected: dict[str, Any]) -> None:
    assert found.keys() == expected.keys()
    for key, value in expected.items():
        torch.testing.assert_close(found[key], value, atol=0, rtol=0, msg=key)


def test_stage1_resumes_exactly_and_trains_only_the_student(root: Path) -> None:
    first, straight = (load_checkpoint(checkpoint_path(root / "restore1", step)) for step in (2, 4))
    assert first.extra["keep"] == KEEP and first.extra["stage"] == "restore-latent"
    straight.path.unlink()  # as if killed after the step-2 checkpoint
    resumed_run = train_restore(load_config(SMOKE_RECIPE, overrides(root)), 1, **QUIET)
    assert resumed_run.start_step == 2 and len(resumed_run.losses) == 2
    resumed = load_checkpoint(checkpoint_path(root / "restore1", 4))
    assert_same_states(resumed.model_state, straight.model_state)
    for param_id, state in straight.optimizer_state[MODULE]["state"].items():
        assert_same_states(resumed.optimizer_state[MODULE]["state"][param_id], state)
    moved = [key for key, value in first.model_state.items() if not torch.equal(value, resumed.model_state[key])]
    assert any(key.startswith(f"{MODULE}.student.transformer_blocks.") for key in moved)
    assert not any(key.startswith(f"{MODULE}.tiny_vae.") for key in moved)  # frozen in both stages


def test_stage1_called_again_has_nothing_to_do_and_refuses_a_changed_recipe(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert restore_cli(root, 1) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert restore_cli(root, 1, "restore1.steps=6", "restore1.lr=0.001") == 2
    err = capsys.readouterr().err
    assert "error [CHECKPOINT_CONFIG_MISMATCH]" in err and "differing keys: restore1.lr." in err
    assert not checkpoint_path(root / "restore1", 6).exists()


def test_stage2_starts_from_stage1_and_exports(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage1 = load_checkpoint(checkpoint_path(root / "restore1", 4))
    assert restore_cli(root, 2) == 0
    printed = capsys.readouterr().out
    assert "perceptual term gradient-l1 (substitute for LPIPS" in printed and "discriminator patch:" in printed
    stage2 = load_checkpoint(checkpoint_path(root / "restore2", 2))
    assert stage2.extra["perceptual"].startswith("gradient-l1") and stage2.extra["input"] == "tiny-encoder"
    assert module_state(stage2.model_state, DISCRIMINATOR)
    assert set(stage2.optimizer_state) == {MODULE, DISCRIMINATOR}
    pipeline_before, pipeline_after = (module_state(c.model_state, MODULE) for c in (stage1, stage2))
    moved = [key for key, value in pipeline_before.items() if not torch.equal(value, pipeline_after[key])]
    assert any(key.startswith("student.") for key in moved) and not any(key.startswith("tiny_vae.") for key in moved)

    export_cfg = copy.deepcopy(stage2.config)
    export_cfg["model"]["checkpoint"] = str(stage2.path)
    pipeline, provenance = load_pipeline(export_cfg)
    assert len(pipeline.student.transformer_blocks) == len(KEEP) and provenance["weights"] == "trained"
    assert_same_states(pipeline.state_dict(), pipeline_after)


@pytest.mark.parametrize(
    ("stage", "extra", "code", "needle"),
    [
        (2, ["restore2.input=pixels"], "STAGE_CONFIG", "restore2.input is 'pixels'"),
        (2, ["restore2.perceptual=none"], "STAGE_CONFIG", "restore2.perceptual is 'none'"),
        (1, [], "STAGE_NOT_RUN", "tinysr-train prune"),
        (2, [], "STAGE_NOT_RUN", "tinysr-train restore --stage 1"),
    ],
)
def test_errors_name_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stage: int, extra: list[str], code: str, needle: str
) -> None:
    assert restore_cli(tmp_path, stage, *extra) == 2  # tmp_path holds no earlier stage's output
    err = capsys.readouterr().err
    assert f"error [{code}]" in err and needle in err
