"""The evaluation metrics against known values: PSNR-Y / SSIM-Y (pyiqa's convention), BRISQUE (OpenCV's features and
SVR), NIQE (pyiqa's), MATLAB's half-size resize, and the app-style tiler. Golden numbers come from the reference
implementations themselves (pyiqa 0.1.16 and cv2.quality from opencv-contrib-python-headless 5.0, run outside this
workspace on the same synthetic images); reports/metric-validation.md checks the metrics on real photos.
No shared data, no model files: the BRISQUE / NIQE models here are tiny hand-made ones.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tinysr_train.eval import brisque as B
from tinysr_train.eval import niqe as N
from tinysr_train.eval.metrics import luma, psnr_y, ssim_y
from tinysr_train.eval.tiler import axis_plan, upscale_tiled


def synthetic(h: int, w: int, phase: float) -> torch.Tensor:
    """A deterministic 8-bit RGB test card (sines and a ramp), 1 x 3 x h x w in [0, 1]."""
    yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij")
    r = 0.5 + 0.4 * torch.sin(xx / 3.0 + phase) * torch.cos(yy / 5.0)
    g = 0.5 + 0.3 * torch.sin((xx + yy) / 7.0 + 2 * phase)
    b = (xx / w * 0.8 + 0.1 * torch.cos(yy / 2.0 + phase)).clamp(0, 1)
    return (torch.round(torch.stack([r, g, b]) * 255) / 255).float().unsqueeze(0)


def test_luma_is_studio_swing_bt601() -> None:
    black, white = torch.zeros(1, 3, 1, 1), torch.ones(1, 3, 1, 1)
    assert float(luma(black)) == pytest.approx(16 / 255, abs=1e-7)
    assert float(luma(white)) == pytest.approx(235 / 255, abs=1e-6)


def test_identical_images() -> None:
    x = synthetic(32, 32, 0.0)
    assert float(psnr_y(x, x)) == pytest.approx(80.0)  # pyiqa's eps 1e-8 caps identical images at 80 dB
    assert float(ssim_y(x, x)) == pytest.approx(1.0, abs=1e-12)


def test_psnr_of_a_known_offset() -> None:
    x = torch.full((1, 3, 16, 16), 0.4)
    d = 0.02  # every channel +d moves Y by d * 219 / 255
    expected = 10 * math.log10(1 / ((d * 219 / 255) ** 2 + 1e-8))
    assert float(psnr_y(x + d, x)) == pytest.approx(expected, abs=1e-4)


def test_metrics_are_symmetric_and_order_noise() -> None:
    x = synthetic(48, 48, 0.5)
    generator = torch.Generator().manual_seed(0)
    mild = (x + 0.01 * torch.randn(x.shape, generator=generator)).clamp(0, 1)
    strong = (x + 0.05 * torch.randn(x.shape, generator=generator)).clamp(0, 1)
    assert float(psnr_y(x, mild)) == pytest.approx(float(psnr_y(mild, x)))
    assert float(ssim_y(x, mild)) == pytest.approx(float(ssim_y(mild, x)))
    assert float(psnr_y(x, mild)) > float(psnr_y(x, strong))
    assert 1.0 > float(ssim_y(x, mild)) > float(ssim_y(x, strong))


def test_golden_psnr_ssim_match_pyiqa() -> None:
    a, b = synthetic(64, 64, 0.0), synthetic(64, 64, 0.3)
    assert float(psnr_y(a, b)) == pytest.approx(23.730464935302734, abs=1e-5)  # pyiqa psnr(ycbcr): 23.730464935
    assert float(ssim_y(a, b)) == pytest.approx(0.8621753888435768, abs=1e-9)  # pyiqa ssim(ycbcr)


# cv2.quality.QualityBRISQUE_computeFeatures on synthetic(96, 96, 0.7) (BGR uint8).
OPENCV_FEATURES = [
    1.402, 0.0515417, 0.49, 0.0444436, 0.000121134, 0.00865065, 0.464, 0.048509, 2.96847e-05, 0.00953336, 0.505,
    0.042011, 0.000128368, 0.00768075, 0.487, 0.042516, 0.000156762, 0.00832148, 2.161, 0.146742, 0.695, 0.121958,
    0.0008629, 0.0493372, 0.647, 0.135212, 0.000186237, 0.0544084, 0.707, 0.111699, 0.000872285, 0.0420117, 0.678,
    0.109483, 0.00169808, 0.0465868,
]


def _uint8(image: torch.Tensor) -> np.ndarray:
    return (image[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


def test_brisque_features_match_opencv() -> None:
    features = B.brisque_features(B.grey(_uint8(synthetic(96, 96, 0.7))))
    np.testing.assert_allclose(features, OPENCV_FEATURES, rtol=1e-5, atol=1e-7)


def test_brisque_grey_is_opencvs_fixed_point() -> None:
    # cv2.cvtColor(BGR2GRAY) levels: (9798 R + 19235 G + 3735 B + 2^14) >> 15
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [1, 1, 1]]], dtype=np.uint8)
    assert (B.grey(rgb) * 255).round().tolist() == [[76, 150, 29, 1]]


def _write_opencv_model(folder: Path) -> None:
    """A two-support-vector SVR in OpenCV's FileStorage layout, over 36 features."""
    vectors = "\n".join(f"      - [ {', '.join(str(v) for v in row)} ]" for row in ([0.0] * 36, [0.5] * 36))
    (folder / B.MODEL_FILE).write_text(
        "%YAML:1.0\n---\nopencv_ml_svm:\n   format: 3\n   svmType: EPS_SVR\n   kernel:\n      type: RBF\n"
        "      gamma: 0.05\n   C: 1024.\n   term_criteria: { epsilon:1.0e-03 }\n   var_count: 36\n   sv_total: 2\n"
        f"   support_vectors:\n{vectors}\n   decision_functions:\n      -\n         sv_count: 2\n"
        "         rho: -10.\n         alpha: [ 20., -5. ]\n         index: [ 0, 1 ]\n"
    )
    low, high = ", ".join(["0."] * 36), ", ".join(["2."] * 36)
    (folder / B.RANGE_FILE).write_text(
        f"%YAML:1.0\n---\nrange: !!opencv-matrix\n   rows: 2\n   cols: 36\n   dt: f\n   data: [ {low}, {high} ]\n"
    )


def test_brisque_reads_opencv_yaml_and_predicts_the_svr(tmp_path: Path) -> None:
    _write_opencv_model(tmp_path)
    model = B.load_brisque_model(tmp_path)
    features = np.full(36, 1.5, dtype=np.float32)  # scaled to [-1, 1] by the range [0, 2]: 0.5 each
    expected = 20 * math.exp(-0.05 * 36 * 0.25) - 5 * math.exp(0.0) + 10
    assert B.predict(model, features) == pytest.approx(expected, rel=1e-6)
    # zeros scale to -1 each: squared distances 36 (to the zero vector) and 36 * 1.5^2 (to the 0.5 vector)
    expected = 20 * math.exp(-0.05 * 36) - 5 * math.exp(-0.05 * 36 * 2.25) + 10
    assert B.predict(model, np.zeros(36, dtype=np.float32)) == pytest.approx(expected, rel=1e-6)


def test_brisque_rejects_another_model_kind(tmp_path: Path) -> None:
    _write_opencv_model(tmp_path)
    path = tmp_path / B.MODEL_FILE
    path.write_text(path.read_text().replace("EPS_SVR", "C_SVC"))
    with pytest.raises(Exception) as info:
        B.load_brisque_model(tmp_path)
    assert getattr(info.value, "code", None) == "EVAL_MODEL_FILES"


def test_matlab_half_size_matches_pyiqa_imresize() -> None:
    x = torch.arange(36, dtype=torch.float64).view(1, 1, 6, 6) ** 1.5
    expected = [7.015410423278809, 12.80156135559082, 20.259958267211914, 61.07175064086914, 73.58905792236328,
                86.82498168945312, 146.37387084960938, 162.88275146484375, 179.9617919921875]
    assert N.matlab_half_size(x).flatten().tolist() == pytest.approx(expected, abs=2e-5)


def test_niqe_matches_pyiqa_with_a_synthetic_model() -> None:
    model = N.NiqeModel(torch.full((36,), 0.5, dtype=torch.float64), torch.eye(36, dtype=torch.float64), "test")
    # pyiqa's value. Tolerance 1e-3, not 1e-9: luma is a float32 matmul (as pyiqa forms it), whose last bit depends on
    # the CPU's BLAS kernel, and that decides a few pixels' 8-bit rounding (measured: 4.158545 on one x86-64 machine,
    # 4.158332 on another, with the same torch and code).
    assert N.niqe(model, synthetic(192, 192, 1.1)) == pytest.approx(4.158331884670819, abs=1e-3)


def test_niqe_is_zero_at_the_model_mean() -> None:
    image = synthetic(192, 192, 0.2)
    features = N.niqe_features(image)
    model = N.NiqeModel(features.mean(dim=0), torch.eye(36, dtype=torch.float64), "test")
    assert N.niqe(model, image) == pytest.approx(0.0, abs=1e-9)


def test_tiler_stitches_a_local_model_exactly() -> None:
    x = synthetic(70, 90, 0.4)
    run = lambda batch: F.interpolate(batch, scale_factor=4, mode="nearest")  # noqa: E731 - a pixel-local "model"
    whole = run(x)
    for tile, overlap in ((32, 8), (64, 16), (128, 16)):
        tiled = upscale_tiled(x, run, tile=tile, scale=4, overlap=overlap)
        assert torch.allclose(tiled, whole, atol=1e-6), (tile, overlap)


def test_blend_weights_are_a_partition_of_unity() -> None:
    plan = axis_plan(300, 64, 4, 16, 4)
    total = torch.zeros(300 * 4, dtype=torch.float64)
    for start, weights in zip(plan.starts, plan.weights, strict=True):
        total[start * 4 : start * 4 + weights.numel()] += weights
    assert torch.allclose(total, torch.ones_like(total))
    assert plan.starts[0] == 0 and plan.starts[-1] == 300 - 64
