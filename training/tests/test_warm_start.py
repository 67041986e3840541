"""The warm-started recipe's starting points work before any training: the exact codec round-trips losslessly, the
latent teacher and the TinySR pipeline built from it reproduce bicubic x4 at step 0, the camera degradation is seeded
and shaped like the LQ it replaces, and the x4fast-feature perceptual term measures distance on real-shaped weights."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from tinysr_train.data.camera import CameraDegradationConfig, camera_degrade
from tinysr_train.data.degrade import DegradationConfig
from tinysr_train.data.pairs import DEGRADATIONS
from tinysr_train.losses import build_perceptual
from tinysr_train.losses.errors import LossError
from tinysr_train.models import TinySRPipeline, build_student, build_teacher
from tinysr_train.models.codec import UnshuffleCodec
from tinysr_train.models.lr_input import bicubic_up
from tinysr_train.models.tiny_vae import build_tiny_vae
from tinysr_train.reference.archs import SRVGGNetCompact
from tinysr_train.reference.convert import ConvertedModel, save_converted
from tinysr_train.registry import get_config
from tinysr_train.train.teacher_latent import init_adaln_zero

WARM = get_config("tinysr-warm")


def test_unshuffle_codec_round_trip_is_exact() -> None:
    image = torch.rand(2, 3, 64, 48) * 2.0 - 1.0
    codec = UnshuffleCodec(WARM.vae.stride)
    latent = codec.encode(image)
    assert latent.shape == (2, WARM.vae.latent_channels, 8, 6)
    assert torch.equal(codec.decode(latent), image)


def test_tiny_vae_of_the_warm_size_starts_as_the_exact_codec() -> None:
    vae = build_tiny_vae(WARM.tiny_vae)
    image = torch.rand(1, 3, 32, 32) * 2.0 - 1.0
    assert torch.allclose(vae.decode(vae.encode(image)), image, atol=1e-6)
    assert not list(vae.encoder.parameters())  # nothing to train or load
    assert list(vae.decoder.parameters())  # the refinement, zero-initialised


def _warm_teacher() -> torch.nn.Module:
    torch.manual_seed(0)
    teacher = build_teacher(WARM).eval()
    init_adaln_zero(teacher.transformer)
    return teacher


def test_latent_teacher_equals_bicubic_at_step_zero() -> None:
    lr = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        out = _warm_teacher()(lr, color_fix="none")
    # The teacher enlarges an LR whose short side is under 128 px before x4, then resizes back: compare at its size.
    expected = bicubic_up(lr, (512, 512)).clamp(0.0, 1.0)
    expected = torch.nn.functional.interpolate(expected, size=(128, 128), mode="bicubic", antialias=True).clamp(0, 1)
    assert (out - expected).abs().max() < 1e-5


def test_pipeline_built_from_the_warm_teacher_equals_bicubic_at_step_zero() -> None:
    teacher = _warm_teacher()
    cfg = dataclasses.replace(WARM, keep=tuple(range(0, 24, 2)))
    pipeline = TinySRPipeline(build_student(cfg, teacher), build_tiny_vae(cfg.tiny_vae)).eval()
    lr = torch.rand(2, 3, cfg.lr_tile, cfg.lr_tile)
    with torch.no_grad():
        out = pipeline(lr)
        cached = pipeline.cache()(lr)
    expected = bicubic_up(lr).clamp(0.0, 1.0)
    assert (out - expected).abs().max() < 1e-5
    assert (cached - expected).abs().max() < 1e-5


def test_camera_degradation_is_seeded_and_quarter_size() -> None:
    hq = torch.rand(3, 64, 48)
    config = CameraDegradationConfig()
    first = camera_degrade(hq, np.random.default_rng(7), config)
    again = camera_degrade(hq, np.random.default_rng(7), config)
    other = camera_degrade(hq, np.random.default_rng(8), config)
    assert first.shape == (3, 16, 12)
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert torch.equal(first, (first * 255).round() / 255)  # 8-bit levels, like a file read from disk
    assert set(DEGRADATIONS) == {"realesrgan", "camera"} and DEGRADATIONS["realesrgan"] is DegradationConfig


def test_camera_degradation_blurs_less_noise_than_realesrgan_on_a_flat_patch() -> None:
    """The reason the camera model exists: a flat grey patch keeps its level with only mild noise."""
    flat = torch.full((3, 128, 128), 0.5)
    lq = camera_degrade(flat, np.random.default_rng(0), CameraDegradationConfig())
    assert (lq - 0.5).abs().max() <= 12 / 255  # noise sigma <= 3 levels, JPEG at quality >= 70


def test_x4fast_feature_loss_on_real_shaped_weights(tmp_path) -> None:  # noqa: ANN001
    torch.manual_seed(0)
    network = SRVGGNetCompact(num_conv=4)
    path = tmp_path / "x4fast.safetensors"
    save_converted(ConvertedModel("SRVGGNetCompact", network.config, network, {}), path, provenance={})
    loss = build_perceptual("x4fast-features", str(path))
    assert loss is not None and "x4fast" in loss.description
    x = torch.rand(2, 3, 32, 32, requires_grad=True)
    assert float(loss(x, x.detach()).detach()) == 0.0
    distance = loss(x, torch.rand(2, 3, 32, 32))
    distance.backward()
    assert float(distance.detach()) > 0.0 and x.grad is not None and not any(p.requires_grad for p in loss.parameters())
    with pytest.raises(LossError, match="x4fast"):
        build_perceptual("x4fast-features", None)


def test_token_border_ratio_flags_a_block_grid_and_not_plain_texture() -> None:
    from tinysr_train.train.warm_report import token_border_ratio

    torch.manual_seed(0)
    texture = torch.rand(1, 3, 64, 64)
    blocks = torch.rand(1, 3, 4, 4).repeat_interleave(16, 2).repeat_interleave(16, 3)
    blocky = (blocks + 0.01 * torch.rand(1, 3, 64, 64)).clamp(0.0, 1.0)
    assert 0.9 < token_border_ratio(texture, 16) < 1.1
    assert token_border_ratio(blocky, 16) > 10.0
