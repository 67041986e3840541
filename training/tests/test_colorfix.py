"""AdaIN and wavelet colour fix (spec section 1), checked against hand-computed values and their defining properties."""

from __future__ import annotations

import math

import pytest
import torch

from tinysr_train.models import adain_color_fix, wavelet_color_fix
from tinysr_train.models.colorfix import ADAIN_EPS, wavelet_decompose


def _image(seed: int, low: float, high: float, size=(2, 3, 40, 48)) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(size, generator=generator, dtype=torch.float64)


def test_adain_known_values():
    sr = torch.tensor([0.2, 0.4, 0.6, 0.8], dtype=torch.float64).view(1, 1, 2, 2)
    lr_up = torch.tensor([0.5, 0.5, 0.7, 0.7], dtype=torch.float64).view(1, 1, 2, 2)
    # sr: mean 0.5, unbiased var 0.2/3; lr_up: mean 0.6, unbiased var 0.04/3.
    sr_std, lr_std = math.sqrt(0.2 / 3 + ADAIN_EPS), math.sqrt(0.04 / 3 + ADAIN_EPS)
    expected = [0.6 + (v - 0.5) / sr_std * lr_std for v in (0.2, 0.4, 0.6, 0.8)]
    assert adain_color_fix(sr.expand(1, 3, 2, 2), lr_up.expand(1, 3, 2, 2))[0, 1].flatten().tolist() == pytest.approx(
        expected, abs=1e-12
    )


def test_adain_matches_per_channel_statistics():
    sr, lr_up = _image(0, 0.3, 0.7), _image(1, 0.45, 0.6)
    fixed = adain_color_fix(sr, lr_up)
    assert torch.allclose(fixed.mean(dim=(2, 3)), lr_up.mean(dim=(2, 3)), atol=1e-12)
    # The std matches up to the epsilon the formula adds to both variances; exactly, the variance is:
    sr_var, lr_var, fixed_var = (t.flatten(2).var(dim=2) for t in (sr, lr_up, fixed))
    assert torch.allclose(fixed_var, sr_var / (sr_var + ADAIN_EPS) * (lr_var + ADAIN_EPS), rtol=1e-10)
    assert torch.allclose(fixed_var.sqrt(), lr_var.sqrt(), rtol=0.01)


def test_adain_clamps_to_unit_range():
    fixed = adain_color_fix(_image(2, 0.0, 1.0), _image(3, 0.0, 1.0) * 3 - 1)
    assert fixed.min() >= 0 and fixed.max() <= 1 and (fixed == 1).any()


def test_wavelet_of_identical_inputs_is_identity():
    image = _image(4, 0.0, 1.0)
    assert torch.allclose(wavelet_color_fix(image, image), image, atol=1e-12)


def test_wavelet_decomposition_sums_back_and_keeps_constants_low():
    image = _image(5, 0.0, 1.0)
    high, low = wavelet_decompose(image)
    assert torch.allclose(high + low, image, atol=1e-12)
    flat_high, flat_low = wavelet_decompose(torch.full_like(image, 0.25))
    assert torch.allclose(flat_low, torch.full_like(image, 0.25)) and flat_high.abs().max() < 1e-12


def test_wavelet_blur_kernel_known_values():
    delta = torch.zeros(1, 3, 9, 9, dtype=torch.float64)
    delta[..., 4, 4] = 16.0
    _, low = wavelet_decompose(delta, levels=1)
    assert low[0, 0, 3:6, 3:6].tolist() == [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
    assert low[0, 0].sum() == 16.0


def test_wavelet_takes_colour_from_lr_and_detail_from_sr():
    lr_up = _image(6, 0.2, 0.7)
    # A global colour cast is pure low frequency: the fix removes it entirely.
    assert torch.allclose(wavelet_color_fix(lr_up + 0.1, lr_up), lr_up, atol=1e-12)
    # Detail the LR lacks survives.
    detail = torch.zeros_like(lr_up)
    detail[..., ::2, :] = 0.05
    fixed = wavelet_color_fix(lr_up + detail, lr_up)
    assert (fixed - lr_up).abs().max() > 0.01


@pytest.mark.parametrize("fix", [adain_color_fix, wavelet_color_fix])
def test_shape_mismatch_is_refused(fix):
    with pytest.raises(ValueError, match="same N x C x H x W"):
        fix(torch.rand(1, 3, 16, 16), torch.rand(1, 3, 8, 8))
