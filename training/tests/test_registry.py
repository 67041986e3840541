"""Named configs: lookup, validation, one structure for every size, and the full-size counts of spec section 1."""

from __future__ import annotations

import dataclasses

import pytest

from tinysr_train.models import build_teacher
from tinysr_train.registry import ModelConfig, TinyVAEConfig, config_names, get_config


def _millions(module) -> float:
    return sum(p.numel() for p in module.parameters()) / 1e6


def test_known_names_and_unknown_name_lists_them():
    assert {"tsdsr-sd3m", "tinysr", "tinysr-small", "tinysr-cpu", "tinysr-test"} <= set(config_names())
    with pytest.raises(KeyError) as err:
        get_config("tinysr-huge")
    message = str(err.value)
    assert "tinysr-huge" in message and all(name in message for name in config_names())


@pytest.mark.parametrize("name", ["tinysr", "tinysr-small", "tinysr-cpu", "tinysr-test"])
def test_every_student_size_has_the_full_size_structure(name):
    full, cfg = get_config("tinysr").transformer, get_config(name).transformer
    for field in ("num_layers", "patch_size"):
        assert getattr(cfg, field) == getattr(full, field), field
    assert len(get_config(name).keep) == 12
    assert get_config(name).vae_scale == 8
    # tinysr-cpu's one structural change: 64 latent channels (see the registry), the same everywhere a latent passes.
    latent = 64 if name == "tinysr-cpu" else full.in_channels
    model = get_config(name)
    assert (cfg.in_channels, cfg.out_channels, model.vae.latent_channels, model.tiny_vae.latent_channels) == (latent,) * 4


def test_full_size_tiles():
    cfg = get_config("tinysr")
    assert (cfg.latent_tile, cfg.hr_tile, cfg.lr_tile, cfg.text_seq_len, cfg.timestep) == (64, 512, 128, 333, 1000.0)
    assert get_config("tsdsr-sd3m").keep == tuple(range(24))


def test_test_config_runs_a_128_px_lr_tile():
    assert get_config("tinysr-test").lr_tile == 128


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"keep": (3, 1)}, "ascending"),
        ({"keep": (0, 24)}, "ascending"),
        ({"keep": ()}, "ascending"),
        ({"latent_tile": 63}, "multiple of patch_size"),
        ({"latent_tile": 512}, "pos_embed_max_size"),
    ],
)
def test_invalid_model_configs_are_refused(change, fragment):
    with pytest.raises(ValueError, match=fragment):
        dataclasses.replace(get_config("tinysr"), **change)


def test_invalid_tiny_vae_variant_is_refused():
    with pytest.raises(ValueError, match="taesd-sepenc"):
        TinyVAEConfig(variant="taesd-big")  # type: ignore[arg-type]


def test_configs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_config("tinysr").latent_tile = 32  # type: ignore[misc]
    assert isinstance(get_config("tinysr"), ModelConfig)


def test_full_size_teacher_matches_spec_counts_on_meta():
    """Spec section 1 (measured): transformer 2028.33M, SD3 VAE encoder 34.27M + decoder 49.55M (within 0.1 %)."""
    teacher = build_teacher(get_config("tsdsr-sd3m"), device="meta")
    assert all(p.is_meta for p in teacher.parameters())
    assert _millions(teacher.transformer) == pytest.approx(2028.33, rel=1e-3)
    assert _millions(teacher.vae.encoder) == pytest.approx(34.27, rel=1e-3)
    assert _millions(teacher.vae.decoder) == pytest.approx(49.55, rel=1e-3)
    assert _millions(teacher.transformer.time_text_embed) == pytest.approx(8.26, rel=1e-3)
    assert _millions(teacher.transformer.context_embedder) == pytest.approx(6.29, rel=1e-3)
    assert _millions(teacher.transformer.norm_out) == pytest.approx(4.72, rel=1e-3)
