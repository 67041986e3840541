"""The Real-ESRGAN degradation pipeline (tinysr_train.data): kernels, steps, USM, determinism, pairs (workers, resume,
the recipe mode), evaluation guard.

Synthetic images only; never /work/shared/data.
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml

import numpy as np
import pytest
import torch
from PIL import Image

from tinysr_train.cli import main
from tinysr_train.data import DataError, DegradationConfig, degrade, make_pairs, refuse_evaluation_set, usm_sharpen
from tinysr_train.data.degrade import (
    RoundConfig,
    add_gaussian_noise,
    add_poisson_noise,
    blur,
    from_uint8,
    jpeg_compress,
    random_resize,
)
from tinysr_train.data.kernels import (
    FIRST_ORDER_KERNELS,
    KERNEL_FAMILIES,
    KERNEL_SIZES,
    MAX_KERNEL_SIZE,
    SECOND_ORDER_KERNELS,
    gaussian_kernel,
    generalized_gaussian_kernel,
    plateau_kernel,
    random_blur_kernel,
    random_family_kernel,
    random_sinc_kernel,
    sinc_kernel,
    _bessel_j1,
)
from tinysr_train.data.sharpen import opencv_gaussian_kernel


def synthetic_photo(size: int, seed: int = 0) -> torch.Tensor:
    """A smooth gradient with edges and texture, [3,size,size] in [0,1]: more photo-like than uniform noise."""
    gen = torch.Generator().manual_seed(seed)
    ramp = torch.linspace(0.0, 1.0, size)
    flat = torch.full((size, size), 0.5)
    image = torch.stack([ramp[None, :].expand(size, size), ramp[:, None].expand(size, size), flat])
    image[:, size // 4 : size // 2, size // 4 : size // 2] = 0.9  # a hard-edged square
    return (image + 0.05 * torch.rand(3, size, size, generator=gen)).clamp(0.0, 1.0)


# ---------------------------------------------------------------- kernels


def test_real_esrgan_kernel_defaults() -> None:
    assert KERNEL_SIZES == (7, 9, 11, 13, 15, 17, 19, 21)
    assert FIRST_ORDER_KERNELS.sigma_range == (0.2, 3.0)
    assert SECOND_ORDER_KERNELS.sigma_range == (0.2, 1.5)
    assert FIRST_ORDER_KERNELS.generalized_beta_range == (0.5, 4.0)
    assert FIRST_ORDER_KERNELS.plateau_beta_range == (1.0, 2.0)
    assert FIRST_ORDER_KERNELS.sinc_probability == 0.1
    assert math.isclose(sum(FIRST_ORDER_KERNELS.family_probabilities), 1.0)


@pytest.mark.parametrize(
    "kernel",
    [
        gaussian_kernel(7, 1.2),
        gaussian_kernel(21, 3.0, 0.5, 0.7),
        generalized_gaussian_kernel(11, 1.5, None, 0.0, 0.5),
        generalized_gaussian_kernel(15, 2.0, 1.0, -1.0, 4.0),
        plateau_kernel(13, 1.0, None, 0.0, 2.0),
        plateau_kernel(9, 1.5, 0.4, 2.0, 1.0),
        sinc_kernel(13, math.pi / 4),
        sinc_kernel(7, math.pi),
    ],
    ids=["iso", "aniso", "gen-iso", "gen-aniso", "plateau-iso", "plateau-aniso", "sinc-13", "sinc-7"],
)
def test_kernels_sum_to_one_and_are_point_symmetric(kernel: np.ndarray) -> None:
    assert kernel.ndim == 2 and kernel.shape[0] == kernel.shape[1] and kernel.shape[0] % 2 == 1
    assert kernel.sum() == pytest.approx(1.0, abs=1e-12)
    # Every family is symmetric under a half-turn about the centre (x -> -x leaves the quadratic form unchanged).
    np.testing.assert_allclose(kernel, kernel[::-1, ::-1], atol=1e-15)
    assert kernel.argmax() == kernel.size // 2  # peak at the centre


def test_isotropic_kernels_have_full_symmetry_and_anisotropic_do_not() -> None:
    iso = gaussian_kernel(15, 2.0)
    np.testing.assert_allclose(iso, iso.T, atol=1e-15)
    np.testing.assert_allclose(iso, iso[::-1, :], atol=1e-15)
    aniso = gaussian_kernel(15, 3.0, 0.5, 0.0)  # wide along x
    assert not np.allclose(aniso, aniso.T)
    assert aniso[7, 0] > aniso[0, 7]


def test_gaussian_matches_closed_form() -> None:
    kernel = gaussian_kernel(9, 1.3)
    x = np.arange(-4, 5)
    expected = np.exp(-(x[None, :] ** 2 + x[:, None] ** 2) / (2 * 1.3**2))
    np.testing.assert_allclose(kernel, expected / expected.sum(), rtol=1e-12)


def test_bessel_j1_matches_reference_values() -> None:
    # Values from Abramowitz & Stegun table 9.1.
    np.testing.assert_allclose(
        _bessel_j1(np.array([0.0, 1.0, 2.0, 5.0, 10.0])),
        [0.0, 0.4400505857, 0.5767248078, -0.3275791376, 0.0434727462],
        atol=1e-9,
    )


def test_sinc_kernel_rings_and_pads() -> None:
    kernel = sinc_kernel(21, math.pi / 4)
    assert kernel.min() < 0  # the ringing that makes it a sinc and not a blur
    padded = sinc_kernel(7, math.pi / 2, pad_to=21)
    assert padded.shape == (21, 21)
    assert np.count_nonzero(padded[:7]) == 0
    np.testing.assert_allclose(padded[7:14, 7:14], sinc_kernel(7, math.pi / 2))


def test_random_kernels_are_padded_normalised_and_cover_every_family() -> None:
    rng = np.random.default_rng(5)
    for family in KERNEL_FAMILIES:
        kernel = random_family_kernel(rng, family, 11, FIRST_ORDER_KERNELS)
        assert kernel.shape == (11, 11) and kernel.sum() == pytest.approx(1.0)
    for _ in range(30):
        for kernel in (random_blur_kernel(rng, FIRST_ORDER_KERNELS), random_sinc_kernel(rng, final=True)):
            assert kernel.shape == (MAX_KERNEL_SIZE, MAX_KERNEL_SIZE)
            assert kernel.sum() == pytest.approx(1.0)


def test_bad_kernel_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="odd"):
        gaussian_kernel(8, 1.0)
    with pytest.raises(ValueError, match="cutoff"):
        sinc_kernel(7, 4.0)
    with pytest.raises(ValueError, match="unknown kernel family"):
        random_family_kernel(np.random.default_rng(0), "box", 7, FIRST_ORDER_KERNELS)


# ---------------------------------------------------------------- steps


def test_blur_preserves_constant_images_and_smooths_edges() -> None:
    flat = torch.full((3, 32, 32), 0.4)
    torch.testing.assert_close(blur(flat, gaussian_kernel(21, 2.0)), flat)
    photo = synthetic_photo(32)
    blurred = blur(photo, gaussian_kernel(9, 2.0))
    assert blurred.shape == photo.shape
    assert blurred.diff(dim=-1).abs().max() < photo.diff(dim=-1).abs().max()
    tiny = torch.rand(3, 5, 5)  # smaller than the kernel radius: falls back to replicate padding
    assert blur(tiny, gaussian_kernel(21, 1.0)).shape == tiny.shape


def test_random_resize_obeys_ranges() -> None:
    rng = np.random.default_rng(1)
    image = torch.rand(3, 40, 40)
    config = RoundConfig(resize_range=(0.5, 1.5))
    sizes = {random_resize(rng, image, config, (40, 40)).shape[-1] for _ in range(40)}
    assert min(sizes) >= 20 and max(sizes) <= 60
    assert 40 in sizes and min(sizes) < 40 < max(sizes)  # keep, down and up all occur


@pytest.mark.parametrize("grey", [False, True])
def test_noise_changes_the_image_within_range(grey: bool) -> None:
    image = synthetic_photo(32)
    for noisy in (
        add_gaussian_noise(image, np.random.default_rng(0), 10 / 255, grey),
        add_poisson_noise(image, np.random.default_rng(0), 2.0, grey),
    ):
        assert noisy.shape == image.shape
        assert 0.0 <= noisy.min() and noisy.max() <= 1.0
        residual = noisy - image
        assert residual.abs().mean() > 1e-3
        # Grey noise is one field shared by the channels; compare only where no channel was clipped.
        unclipped = ((noisy > 0) & (noisy < 1)).all(dim=0)
        spread = (residual - residual.mean(dim=0, keepdim=True)).abs().amax(dim=0)[unclipped]
        assert unclipped.sum() > 100
        if grey:
            assert spread.max() < 1e-6
        else:
            assert spread.max() > 1e-2


def test_jpeg_changes_the_image_and_more_at_lower_quality() -> None:
    image = synthetic_photo(64)
    exact = (image * 255).round() / 255
    errors = {q: (jpeg_compress(image, q) - exact).abs().mean().item() for q in (30, 95)}
    assert errors[95] > 0
    assert errors[30] > errors[95]
    with pytest.raises(DataError) as caught:
        jpeg_compress(image, 0)
    assert caught.value.code == "DATA_BAD_ARGUMENT"


# ---------------------------------------------------------------- USM sharpening of the GT


def test_opencv_gaussian_kernel_matches_get_gaussian_kernel() -> None:
    kernel = opencv_gaussian_kernel(51)  # radius 50 made odd, sigma = 0.3 * (25 - 1) + 0.8 = 8
    x = np.arange(-25, 26)
    expected = np.exp(-(x**2) / (2 * 8.0**2))
    np.testing.assert_allclose(kernel, expected / expected.sum(), rtol=1e-12)
    np.testing.assert_array_equal(opencv_gaussian_kernel(5), [0.0625, 0.25, 0.375, 0.25, 0.0625])  # OpenCV's table
    with pytest.raises(DataError):
        opencv_gaussian_kernel(4)


def test_usm_leaves_flat_images_and_faint_detail_unchanged() -> None:
    flat = torch.full((3, 40, 40), 0.37)
    assert torch.equal(usm_sharpen(flat), flat)
    faint = flat.clone()
    faint[:, :, 20:] += 2 / 255  # below the 10-level threshold: no mask, no change
    assert torch.equal(usm_sharpen(faint), faint)


def test_usm_adds_contrast_at_an_edge_within_range() -> None:
    edge = torch.full((3, 64, 64), 0.3)
    edge[:, :, 32:] = 0.7
    sharp = usm_sharpen(edge)
    assert sharp.shape == edge.shape and 0.0 <= sharp.min() and sharp.max() <= 1.0
    assert sharp[:, :, 31].mean() < 0.3 - 0.02 and sharp[:, :, 32].mean() > 0.7 + 0.02  # overshoot on both sides
    assert (sharp[:, :, 32] - sharp[:, :, 31]).mean() > (edge[:, :, 32] - edge[:, :, 31]).mean()


def test_usm_matches_basicsr_two_dimensional_filter() -> None:
    """BasicSR's USMSharp filters with the 2-D outer product of the kernel; the separable filter is the same."""
    image = synthetic_photo(48, seed=4)
    kernel_2d = np.outer(opencv_gaussian_kernel(51), opencv_gaussian_kernel(51))
    residual = image - blur(image, kernel_2d)
    soft_mask = blur((residual.abs() * 255 > 10).float(), kernel_2d)
    expected = soft_mask * (image + 0.5 * residual).clamp(0, 1) + (1 - soft_mask) * image
    torch.testing.assert_close(usm_sharpen(image), expected, atol=1e-5, rtol=0)


# ---------------------------------------------------------------- the whole pipeline


def test_degrade_outputs_quarter_size_in_unit_range() -> None:
    hq = synthetic_photo(64)
    for seed in range(12):
        lq = degrade(hq, seed)
        assert lq.shape == (3, 16, 16)
        assert lq.dtype == torch.float32
        assert 0.0 <= lq.min() and lq.max() <= 1.0
        torch.testing.assert_close(lq, (lq * 255).round() / 255)  # quantised to 8-bit levels


def test_degrade_is_deterministic_and_seed_sensitive() -> None:
    hq = synthetic_photo(96, seed=3)
    first = degrade(hq, 7)
    assert torch.equal(first, degrade(hq, 7))
    assert torch.equal(first, degrade(hq, np.random.default_rng(7)))
    others = [degrade(hq, seed) for seed in (8, 9, 10)]
    assert all(not torch.equal(first, other) for other in others)


def test_degrade_respects_the_scale_and_rejects_bad_input() -> None:
    lq = degrade(synthetic_photo(48), 0, DegradationConfig(scale=2))
    assert lq.shape == (3, 24, 24)
    with pytest.raises(DataError, match="divisible") as caught:
        degrade(synthetic_photo(50), 0)
    assert caught.value.code == "DATA_BAD_ARGUMENT"
    with pytest.raises(DataError, match=r"\[3,H,W\]"):
        degrade(torch.rand(1, 3, 64, 64), 0)


# ---------------------------------------------------------------- pairs and the evaluation-set guard


def write_photo(path: Path, size: tuple[int, int], seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = (synthetic_photo(max(size), seed)[:, : size[1], : size[0]] * 255).round().byte()
    Image.fromarray(pixels.permute(1, 2, 0).numpy()).save(path)


def test_make_pairs_writes_deterministic_png_pairs(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    write_photo(photos / "a.png", (80, 72), seed=1)
    write_photo(photos / "sub" / "b.jpg", (64, 96), seed=2)
    write_photo(photos / "small.png", (32, 32), seed=3)  # smaller than the crop: skipped
    pairs = make_pairs(photos, tmp_path / "out", seed=11, hq_size=64, lq_size=16, n_per_image=2)
    assert len(pairs) == 4
    assert {p.hq_path.name for p in pairs} == {"a_000.png", "a_001.png", "sub__b_000.png", "sub__b_001.png"}
    for pair in pairs:
        with Image.open(pair.hq_path) as hq, Image.open(pair.lq_path) as lq:
            assert hq.size == (64, 64) and lq.size == (16, 16) and lq.mode == "RGB"
    again = make_pairs(photos, tmp_path / "again", seed=11, hq_size=64, lq_size=16, n_per_image=2)
    other = make_pairs(photos, tmp_path / "other", seed=12, hq_size=64, lq_size=16, n_per_image=2)
    for first, second, third in zip(pairs, again, other, strict=True):
        assert first.lq_path.read_bytes() == second.lq_path.read_bytes()
        assert first.hq_path.read_bytes() == second.hq_path.read_bytes()
        assert first.lq_path.read_bytes() != third.lq_path.read_bytes()


def test_make_pairs_rejects_bad_sizes_and_empty_folders(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    write_photo(photos / "a.png", (40, 40), seed=1)
    with pytest.raises(DataError) as caught:
        make_pairs(photos, tmp_path / "out", seed=0, hq_size=64, lq_size=32)
    assert caught.value.code == "DATA_BAD_ARGUMENT"
    with pytest.raises(DataError, match="none is at least") as caught:
        make_pairs(photos, tmp_path / "out", seed=0, hq_size=64, lq_size=16)
    assert caught.value.code == "DATA_NO_IMAGES"


@pytest.mark.parametrize(
    "relative", ["RealSR_V3/Canon/test", "DRealSR/x4", "benchmarks/Set5/HR", "set14", "data/realsrv3"]
)
def test_evaluation_sets_are_refused_by_name(tmp_path: Path, relative: str) -> None:
    folder = tmp_path / relative
    write_photo(folder / "a.png", (64, 64), seed=0)
    with pytest.raises(DataError, match="evaluation set") as caught:
        make_pairs(folder, tmp_path / "out", seed=0, hq_size=64, lq_size=16)
    assert caught.value.code == "DATA_EVALUATION_SET"
    assert not (tmp_path / "out").exists()  # refused before writing anything


def test_evaluation_sets_are_refused_by_reference_sibling(tmp_path: Path) -> None:
    (tmp_path / "mybench" / "osediff_reference").mkdir(parents=True)
    for folder in (tmp_path / "mybench" / "hr", tmp_path / "mybench"):
        folder.mkdir(exist_ok=True)
        with pytest.raises(DataError) as caught:
            refuse_evaluation_set(folder)
        assert caught.value.code == "DATA_EVALUATION_SET"


@pytest.mark.parametrize("relative", ["dataset5", "Set50", "photos/street", "unrealsrx"])
def test_ordinary_folders_are_accepted(tmp_path: Path, relative: str) -> None:
    folder = tmp_path / relative
    folder.mkdir(parents=True)
    refuse_evaluation_set(folder)


def read_png(path: Path) -> torch.Tensor:
    with Image.open(path) as opened:
        return from_uint8(np.asarray(opened))


def test_make_pairs_sharpens_the_hq_and_degrades_the_sharpened_crop(tmp_path: Path) -> None:
    write_photo(tmp_path / "photos" / "a.png", (80, 80), seed=6)
    plain = make_pairs(tmp_path / "photos", tmp_path / "plain", seed=2, hq_size=64, lq_size=16, usm=False)[0]
    sharp = make_pairs(tmp_path / "photos", tmp_path / "sharp", seed=2, hq_size=64, lq_size=16)[0]
    assert (plain.top, plain.left) == (sharp.top, sharp.left)
    with Image.open(tmp_path / "photos" / "a.png") as photo:
        crop = from_uint8(np.asarray(photo)[plain.top : plain.top + 64, plain.left : plain.left + 64])
    assert torch.equal(read_png(plain.hq_path), crop)  # no USM: the crop as it is
    assert torch.equal(read_png(sharp.hq_path), (usm_sharpen(crop) * 255).round() / 255)
    rng = np.random.default_rng([2, 0, 0])  # pair 0 of photo 0: the crop's two draws, then the degradation's
    assert (int(rng.integers(0, 17)), int(rng.integers(0, 17))) == (sharp.top, sharp.left)
    assert torch.equal(read_png(sharp.lq_path), degrade(usm_sharpen(crop), rng))


def test_make_pairs_with_workers_writes_the_same_files(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    for index in range(3):
        write_photo(photos / f"p{index}.png", (72, 72), seed=index)
    one = make_pairs(photos, tmp_path / "one", seed=5, hq_size=64, lq_size=16, n_per_image=2)
    two = make_pairs(photos, tmp_path / "two", seed=5, hq_size=64, lq_size=16, n_per_image=2, workers=2)
    assert [p.hq_path.name for p in one] == [p.hq_path.name for p in two]
    for first, second in zip(one, two, strict=True):
        assert first.hq_path.read_bytes() == second.hq_path.read_bytes()
        assert first.lq_path.read_bytes() == second.lq_path.read_bytes()


def test_make_pairs_resumes_and_refuses_other_settings(tmp_path: Path) -> None:
    photos, out = tmp_path / "photos", tmp_path / "out"
    write_photo(photos / "a.png", (72, 72), seed=1)
    first = make_pairs(photos, out, seed=3, hq_size=64, lq_size=16, n_per_image=3)
    assert all(pair.written for pair in first)
    lost = first[1].lq_path
    original = lost.read_bytes()
    lost.unlink()  # as if the run had been interrupted before this file
    again = make_pairs(photos, out, seed=3, hq_size=64, lq_size=16, n_per_image=3)
    assert [pair.written for pair in again] == [False, True, False]
    assert lost.read_bytes() == original
    assert [(p.top, p.left) for p in again] == [(p.top, p.left) for p in first]
    assert not any(pair.written for pair in make_pairs(photos, out, seed=3, hq_size=64, lq_size=16, n_per_image=3))
    with pytest.raises(DataError, match="differing: per_image, seed") as caught:
        make_pairs(photos, out, seed=4, hq_size=64, lq_size=16, n_per_image=2)
    assert caught.value.code == "DATA_PAIRS_MISMATCH"


def test_data_pairs_command_reads_the_recipe_and_resumes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_photo(tmp_path / "photos" / "a.png", (64, 64), seed=4)
    recipe = {
        "seed": 1,
        "paths": {"photos": str(tmp_path / "photos"), "pairs": str(tmp_path / "pairs")},
        "data": {"per_image": 1, "hq_size": 32, "lq_size": 8, "workers": 1, "usm": True, "degradation": "realesrgan"},
    }
    config = tmp_path / "recipe.yaml"
    config.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    assert main(["data", "pairs", "--config", str(config), "data.per_image=2"]) == 0
    assert "wrote 2 pairs from 1 photo(s)" in capsys.readouterr().out
    assert main(["data", "pairs", "--config", str(config), "data.per_image=2"]) == 0
    assert "nothing to do: all 2 pairs" in capsys.readouterr().out
    assert main(["data", "pairs", "--config", str(config), "--seed", "3"]) == 2
    assert "error [DATA_BAD_ARGUMENT]: --seed: with --config" in capsys.readouterr().err
    assert main(["data", "pairs", "--config", str(config), "data.usm=1"]) == 2
    assert "error [DATA_CONFIG]: data.usm must be a bool" in capsys.readouterr().err


def test_data_pairs_command_writes_pairs_and_reports_refusals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_photo(tmp_path / "photos" / "a.png", (64, 64), seed=4)
    argv = ["data", "pairs", str(tmp_path / "photos"), str(tmp_path / "out"), "--hq-size", "64", "--lq-size", "16"]
    assert main([*argv, "--seed", "3"]) == 0
    assert "wrote 1 pairs from 1 photo(s)" in capsys.readouterr().out
    assert (tmp_path / "out" / "lq" / "a_000.png").is_file()
    write_photo(tmp_path / "Set14" / "b.png", (64, 64), seed=5)
    assert main(["data", "pairs", str(tmp_path / "Set14"), str(tmp_path / "out2")]) == 2
    assert "error [DATA_EVALUATION_SET]" in capsys.readouterr().err
