"""The training losses: hinge values on known logits, the gradient-l1 substitute, LPIPS' refusal to run without its
weights and its loading of same-shaped weight files, and the PatchGAN discriminator."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tinysr_train.losses import (
    LPIPS_ALEXNET_FILE,
    LPIPS_LINEAR_FILE,
    LossError,
    PatchDiscriminator,
    build_discriminator,
    build_perceptual,
    hinge_d_loss,
    hinge_g_loss,
)
from tinysr_train.losses.lpips import LPIPS_CHANNELS, alexnet_features


def test_hinge_losses_on_known_logits() -> None:
    real = torch.tensor([2.0, 0.5, -1.0])  # relu(1 - real) = 0, 0.5, 2 -> mean 2.5 / 3
    fake = torch.tensor([-2.0, 0.0, 1.0])  # relu(1 + fake) = 0, 1, 2 -> mean 1
    assert hinge_d_loss(real, fake).item() == pytest.approx(2.5 / 3 + 1.0)
    assert hinge_g_loss(fake).item() == pytest.approx(1.0 / 3)  # -mean(-2, 0, 1)
    assert hinge_d_loss(torch.full((4,), 1.5), torch.full((4,), -1.5)).item() == 0.0  # beyond both margins


def test_gradient_l1_is_zero_for_identical_images_and_positive_otherwise() -> None:
    loss = build_perceptual("gradient-l1")
    assert loss is not None and "substitute" in loss.description
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(2, 3, 32, 32, generator=generator)
    assert loss(x, x.clone()).item() == 0.0
    y = x.clone()
    y[:, :, 8:16, 8:16] = 0.0  # an edge the other image lacks
    assert loss(x, y).item() > 0.0
    y.requires_grad_(True)
    loss(x, y).backward()
    assert y.grad is not None and y.grad.abs().sum() > 0  # gradients reach the input, none are trainable
    assert not any(p.requires_grad for p in loss.parameters())


def test_none_builds_no_loss_and_unknown_names_fail() -> None:
    assert build_perceptual("none") is None
    with pytest.raises(LossError) as err:
        build_perceptual("lpips-vgg")
    assert err.value.code == "LOSS_UNKNOWN_NAME"


def test_lpips_without_weights_names_the_files_it_needs(tmp_path: Path) -> None:
    for weights in (None, str(tmp_path)):
        with pytest.raises(LossError) as err:
            build_perceptual("lpips-alex", weights)
        assert err.value.code == "LOSS_WEIGHTS_MISSING"
        assert LPIPS_ALEXNET_FILE in str(err.value) and LPIPS_LINEAR_FILE in str(err.value)


def _write_lpips_weights(folder: Path) -> None:
    """Random weights in the real files' layouts: torchvision's AlexNet state dict and lpips' v0.1 heads."""
    torch.manual_seed(0)
    backbone = {f"features.{k}": v for k, v in alexnet_features().state_dict().items()}
    backbone["classifier.1.weight"] = torch.zeros(4, 9216)  # the real file carries the classifier too; unused
    torch.save(backbone, folder / LPIPS_ALEXNET_FILE)
    torch.save({f"lin{i}.model.1.weight": torch.rand(1, c, 1, 1) for i, c in enumerate(LPIPS_CHANNELS)},
               folder / LPIPS_LINEAR_FILE)


def test_lpips_loads_same_shaped_weight_files_and_runs(tmp_path: Path) -> None:
    _write_lpips_weights(tmp_path)
    from_folder = build_perceptual("lpips-alex", str(tmp_path))
    pair = f"{tmp_path / LPIPS_ALEXNET_FILE},{tmp_path / LPIPS_LINEAR_FILE}"
    from_pair = build_perceptual("lpips-alex", pair)
    assert from_folder is not None and from_pair is not None
    assert str(tmp_path / LPIPS_LINEAR_FILE) in from_folder.description
    generator = torch.Generator().manual_seed(1)
    x, y = torch.rand(2, 2, 3, 64, 64, generator=generator)
    distance = from_folder(x, y)
    assert distance.ndim == 0 and distance.item() > 0
    assert from_folder(x, x).item() == pytest.approx(0.0, abs=1e-6)
    torch.testing.assert_close(from_pair(x, y), distance)
    from_folder.train()
    assert not from_folder.training  # the heads' dropout stays off


def test_lpips_rejects_a_heads_file_of_the_wrong_layout(tmp_path: Path) -> None:
    _write_lpips_weights(tmp_path)
    torch.save({"lin0.weight": torch.rand(1, 64, 1, 1)}, tmp_path / LPIPS_LINEAR_FILE)
    with pytest.raises(LossError) as err:
        build_perceptual("lpips-alex", str(tmp_path))
    assert err.value.code == "LOSS_WEIGHTS_FORMAT" and "lin0.model.1.weight" in str(err.value)


def test_patch_discriminator_gives_a_logit_map_and_dino_needs_weights() -> None:
    discriminator = build_discriminator("patch", channels=8)
    assert isinstance(discriminator, PatchDiscriminator) and "from scratch" in discriminator.description
    logits = discriminator(torch.rand(2, 3, 64, 64))
    assert logits.shape == (2, 1, 6, 6)
    with pytest.raises(LossError) as err:
        build_discriminator("dino-projected")
    assert err.value.code == "LOSS_WEIGHTS_MISSING"
    with pytest.raises(LossError) as err:
        build_discriminator("patch", "some.pth")
    assert err.value.code == "LOSS_BAD_ARGUMENT"
