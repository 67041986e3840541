"""The VAE-compression stage (`vae-compress`, `report-vae`) on `tinysr-test` with a tiny fake cache written in the
PairCache layout: both phases run 2 steps through the CLI and resume to 3, the decoder carries the encoder phase's
encoder unchanged, an interrupted decoder run (GAN on) resumes exactly, and the report works before and after."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import torch

from tinysr_train.checkpoint import CheckpointError, load_checkpoint
from tinysr_train.cli import main as cli_main
from tinysr_train.config import load_config
from tinysr_train.data.cache import LATENTS_FILE, PIXELS_FILE, PairCache
from tinysr_train.models import TinyVAE
from tinysr_train.train import runner
from tinysr_train.train.runner import StageError, load_stage_modules
from tinysr_train.train.vae_compress import (
    DECODER_SECTION,
    DISCRIMINATOR,
    ENCODER_SECTION,
    MODULE,
    build_tiny_vae_for,
    load_trained_tiny_vae,
    train_decoder,
    train_encoder,
)
from tinysr_train.train.vae_report import measure_quality

SMOKE_RECIPE = Path(__file__).resolve().parent.parent / "configs" / "recipe-smoke.yaml"
PAIRS, HOLDOUT = 4, 1
LQ_SIDE = 8  # 32 px HQ: a 4 x 4 latent of tinysr-test
QUIET = {"log": lambda _: None}


def write_fake_cache(cache_dir: Path) -> None:
    """Seeded random pairs and latents in the files `tinysr-train data cache` writes (tests never read shared data)."""
    generator = torch.Generator().manual_seed(7)
    names = [f"photo_{i:03d}.png" for i in range(PAIRS)]

    def image(side: int) -> torch.Tensor:
        return torch.randint(0, 256, (PAIRS, 3, side, side), generator=generator, dtype=torch.uint8)

    def latent() -> torch.Tensor:
        return torch.randn(PAIRS, 16, LQ_SIDE // 2, LQ_SIDE // 2, generator=generator).half()

    cache_dir.mkdir(parents=True)
    torch.save({"names": names, "lq": image(LQ_SIDE), "hq": image(4 * LQ_SIDE), "ref": image(4 * LQ_SIDE)},
               cache_dir / PIXELS_FILE)
    torch.save({"names": names, "lq": latent(), "hq": latent(), "teacher": latent(), "provenance": {}},
               cache_dir / LATENTS_FILE)


def overrides(tmp_path: Path) -> list[str]:
    values = ["model.registry=tinysr-test", f"paths.cache={tmp_path / 'cache'}", f"{ENCODER_SECTION}.holdout={HOLDOUT}",
              f"{DECODER_SECTION}.discriminator_channels=8", f"teacher_latent.run_dir={tmp_path / 'no-teacher'}"]
    for section in (ENCODER_SECTION, DECODER_SECTION):
        values += [f"{section}.run_dir={tmp_path / section}", f"{section}.steps=2", f"{section}.checkpoint_every=1"]
    return values


def with_steps(cfg: dict[str, Any], encoder_steps: int) -> dict[str, Any]:
    changed = copy.deepcopy(cfg)
    changed[ENCODER_SECTION]["steps"] = encoder_steps
    return changed


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """2 steps of both phases through the CLI, then each resumed to 3, once for the module's tests."""
    tmp_path = tmp_path_factory.mktemp("vae")
    write_fake_cache(tmp_path / "cache")
    quality_before = measure_quality(load_config(SMOKE_RECIPE, overrides(tmp_path)))
    assert cli_main(["vae-compress", "--config", str(SMOKE_RECIPE), *overrides(tmp_path)]) == 0
    assert (tmp_path / DECODER_SECTION / "losses.png").is_file()
    cache = PairCache.load(tmp_path / "cache")
    # The decoder carries the encoder, so it resumes only while the encoder's recipe (steps included) is unchanged.
    decoder_cfg = load_config(SMOKE_RECIPE, [*overrides(tmp_path), f"{DECODER_SECTION}.steps=3"])
    encoder_cfg = load_config(SMOKE_RECIPE, [*overrides(tmp_path), f"{ENCODER_SECTION}.steps=3"])
    with pytest.MonkeyPatch.context() as patch:
        skip_loss_curves(patch)
        return {
            "tmp": tmp_path,
            "cfg": decoder_cfg,
            "encoder_cfg": encoder_cfg,
            "cache": cache,
            "quality_before": quality_before,
            "decoder": train_decoder(decoder_cfg, cache=cache, **QUIET),
            "encoder": train_encoder(encoder_cfg, cache=cache, **QUIET),
        }


def skip_loss_curves(patch: pytest.MonkeyPatch) -> None:
    """The loss-curve PNG is drawn (and checked) by the first CLI run; later runs skip it to keep the suite fast."""
    patch.setattr(runner, "plot_losses", lambda *args, **kwargs: None)


@pytest.fixture(autouse=True)
def no_loss_curves(monkeypatch: pytest.MonkeyPatch) -> None:
    skip_loss_curves(monkeypatch)


@pytest.mark.parametrize("phase", ["encoder", "decoder"])
def test_each_phase_trained_two_steps_then_resumes_to_three(trained: dict[str, Any], phase: str) -> None:
    result = trained[phase]
    assert (result.start_step, result.step, len(result.losses)) == (2, 3, 1)
    assert all(torch.isfinite(torch.tensor(list(row.values()))).all() for row in result.losses)
    if phase == "decoder":  # gan_start is 1 in the smoke recipe: the adversarial pair is on
        assert {"reconstruction", "perceptual", "gan", "d_hinge"} <= set(result.losses[0])
    train, cfg = (train_encoder, trained["encoder_cfg"]) if phase == "encoder" else (train_decoder, trained["cfg"])
    again = train(cfg, cache=trained["cache"], **QUIET)
    assert (again.start_step, again.losses) == (3, [])


def test_a_decoder_trained_on_another_encoder_recipe_is_not_resumed(trained: dict[str, Any]) -> None:
    with pytest.raises(CheckpointError, match=f"{ENCODER_SECTION}.steps") as raised:
        train_decoder(with_steps(trained["cfg"], 4), cache=trained["cache"], **QUIET)
    assert raised.value.code == "CHECKPOINT_CONFIG_MISMATCH"


def test_the_decoder_carries_the_encoder_phase_encoder_unchanged(trained: dict[str, Any]) -> None:
    decoder_phase = load_trained_tiny_vae(trained["cfg"])
    encoder_phase = TinyVAE(decoder_phase.config)
    load_stage_modules(Path(trained["cfg"][ENCODER_SECTION]["run_dir"]) / "step-000002.pt", {MODULE: encoder_phase})
    for key, value in encoder_phase.encoder.state_dict().items():
        torch.testing.assert_close(decoder_phase.encoder.state_dict()[key], value, rtol=0, atol=0)
    untrained = build_tiny_vae_for(trained["cfg"])
    assert any(not torch.equal(value, untrained.decoder.state_dict()[key])
               for key, value in decoder_phase.decoder.state_dict().items())
    assert type(decoder_phase) is TinyVAE and not decoder_phase.training
    assert not any(p.requires_grad for p in decoder_phase.parameters())
    checkpoint = load_stage_modules(trained["decoder"].checkpoints[-1], {MODULE: TinyVAE(decoder_phase.config)})
    assert "substitute" in checkpoint.extra["perceptual"] and checkpoint.extra["perceptual"].startswith("gradient-l1")
    assert checkpoint.extra["discriminator"].startswith("patch")
    assert any(key.startswith(f"{DISCRIMINATOR}.") for key in checkpoint.model_state)


def test_an_interrupted_decoder_run_resumes_exactly(trained: dict[str, Any]) -> None:
    cfg = copy.deepcopy(trained["cfg"])
    cfg[DECODER_SECTION]["run_dir"] = str(trained["tmp"] / "straight")
    straight = train_decoder(cfg, cache=trained["cache"], **QUIET)
    final = load_checkpoint(straight.checkpoints[-1]).model_state
    straight.checkpoints[-1].unlink()  # as if killed after step 2 (the lr schedule depends on `steps`: keep it)
    resumed = train_decoder(cfg, cache=trained["cache"], **QUIET)
    assert resumed.start_step == 2 and resumed.losses == straight.losses[2:]
    again = load_checkpoint(resumed.checkpoints[-1]).model_state
    for key, value in final.items():
        torch.testing.assert_close(again[key], value, rtol=0, atol=0, msg=key)


def test_the_report_names_missing_stages_then_scores_the_trained_tiny_vae(trained: dict[str, Any]) -> None:
    quality, held_out, notes = trained["quality_before"]
    assert (quality, held_out) == ({}, HOLDOUT)
    assert any("tinysr-train vae-compress" in note for note in notes)  # names the command to run
    after = trained["tmp"] / "after.md"
    args = ["--config", str(SMOKE_RECIPE), "--repeats", "0", "--out", str(after), *overrides(trained["tmp"])]
    assert cli_main(["report-vae", *args]) == 0
    text = after.read_text()
    rows = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| ")}
    ours = next(line for label, line in rows.items() if "SepConv encoder (TinySR's)" in label)
    assert " | yes | " in ours and "not trained" in next(line for label, line in rows.items() if "plain convs" in label)
    assert "teacher VAE quality not measured" in text and "tinysr-train teacher-latent" in text
    assert "gradient-l1 (substitute" in text


def test_the_decoder_phase_needs_the_encoder_phase(tmp_path: Path) -> None:
    write_fake_cache(tmp_path / "cache")
    cfg = load_config(SMOKE_RECIPE, overrides(tmp_path))
    with pytest.raises(StageError, match="tinysr-train vae-compress") as raised:
        train_decoder(cfg, **QUIET)
    assert raised.value.code == "STAGE_NOT_RUN"


def test_a_perceptual_weight_without_a_perceptual_loss_is_refused(tmp_path: Path) -> None:
    cfg = load_config(SMOKE_RECIPE, [*overrides(tmp_path), f"{DECODER_SECTION}.perceptual=none"])
    with pytest.raises(StageError, match="loss_weights.perceptual") as raised:
        train_decoder(cfg, **QUIET)
    assert raised.value.code == "STAGE_CONFIG"
