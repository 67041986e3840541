"""BRISQUE (Mittal et al. 2012) as OpenCV's `cv::quality::QualityBRISQUE` computes it, from OpenCV's standard LIVE model
files (`brisque_model_live.yml`, `brisque_range_live.yml`, shipped by Debian's `opencv-data`), without OpenCV: the
36 features, the [-1, 1] feature scaling and the libsvm epsilon-SVR with an RBF kernel, in numpy.

Owns: feature extraction, reading the two yml files, prediction. May import: numpy, pyyaml, `.errors`.
Lower is better; scores are clamped to [0, 100] as OpenCV does.

OpenCV's steps, followed literally (reports/metric-validation.md compares the scores with cv2.quality's):
grey = OpenCV's 8-bit RGB->grey (integer, fixed-point weights), scaled to [0, 1] float32; at two scales (the
image, then a bicubic (a = -0.75, replicated border) resize to half size): MSCN = (I - mu) / (sigma + 1/255) with mu,
sigma from a 7x7 Gaussian of sigma 7/6 (replicated border, OpenCV's FMA summation order); an asymmetric generalised
Gaussian fit of MSCN (gamma, mean of the two variances) and of its products with the right, lower, lower-right and
upper-right neighbour (zero outside the image): gamma, mean, left and right variance. The AGGD shape is OpenCV's
search: gamma from 0.2 in steps of 0.001 until the fit error first rises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from .errors import EvalError

MODEL_FILE = "brisque_model_live.yml"
RANGE_FILE = "brisque_range_live.yml"
FEATURES = 36
# OpenCV's 8-bit COLOR_BGR2GRAY: 0.299 R + 0.587 G + 0.114 B in 15-bit fixed point (the weights sum to 2^15),
# rounded to an integer level; then convertTo(CV_32F, 1/255), which multiplies in double and rounds once.
_GREY_FIXED_POINT = (9798, 19235, 3735)  # R, G, B
_GREY_SHIFT = 15
_CUBIC_A = -0.75
_BLUR_SIGMA = 7.0 / 6.0
_BLUR_SIZE = 7
_SHIFTS = ((0, 1), (1, 0), (1, 1), (-1, 1))


@dataclass(frozen=True)
class BrisqueModel:
    """The SVR (support vectors, their coefficients, rho, RBF gamma) and the per-feature [min, max] scaling range."""

    support_vectors: np.ndarray  # S x 36 float32
    alpha: np.ndarray  # S float64
    rho: float
    gamma: float
    feature_min: np.ndarray  # 36 float32
    feature_max: np.ndarray  # 36 float32
    source: str


class _OpenCvYamlLoader(yaml.SafeLoader):
    """OpenCV FileStorage YAML: `%YAML:1.0` header and `!!opencv-matrix` nodes."""


def _construct_matrix(loader: yaml.SafeLoader, node: yaml.Node) -> np.ndarray:
    fields = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return np.asarray(fields["data"], dtype=np.float64).reshape(int(fields["rows"]), int(fields["cols"]))


_OpenCvYamlLoader.add_constructor("tag:yaml.org,2002:opencv-matrix", _construct_matrix)


def _read_opencv_yaml(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if text.startswith("%YAML:"):
        text = text.split("\n", 1)[1]  # OpenCV writes '%YAML:1.0', which is not a YAML 1.1 directive
    return yaml.load(text, Loader=_OpenCvYamlLoader)  # noqa: S506 - SafeLoader subclass


@lru_cache(maxsize=4)
def load_brisque_model(folder: Path) -> BrisqueModel:
    """Reads the two OpenCV files from `folder`; EvalError('EVAL_MODEL_FILES') naming the file when unreadable."""
    model_path, range_path = folder / MODEL_FILE, folder / RANGE_FILE
    try:
        svm = _read_opencv_yaml(model_path)["opencv_ml_svm"]
        feature_range = _read_opencv_yaml(range_path)["range"]
        (decision,) = svm["decision_functions"]
        vectors = np.asarray(svm["support_vectors"], dtype=np.float32)
        alpha = np.asarray(decision["alpha"], dtype=np.float64)
        order = np.asarray(decision.get("index", np.arange(len(alpha))), dtype=np.int64)
        kind, kernel = svm["svmType"], svm["kernel"]["type"]
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as err:
        raise EvalError("EVAL_MODEL_FILES", f"{folder}: cannot read OpenCV's BRISQUE model files: {err}") from err
    if kind != "EPS_SVR" or kernel != "RBF" or vectors.shape[1] != FEATURES or feature_range.shape != (2, FEATURES):
        raise EvalError(
            "EVAL_MODEL_FILES",
            f"{folder}: expected an EPS_SVR RBF model on {FEATURES} features with a 2 x {FEATURES} range, found "
            f"{kind} {kernel} on {vectors.shape[1]} features, range {feature_range.shape}",
        )
    return BrisqueModel(
        support_vectors=vectors[order],
        alpha=alpha,
        rho=float(decision["rho"]),
        gamma=float(svm["kernel"]["gamma"]),
        feature_min=feature_range[0].astype(np.float32),
        feature_max=feature_range[1].astype(np.float32),
        source=str(folder),
    )


def grey(rgb: np.ndarray) -> np.ndarray:
    """H x W x 3 uint8 RGB -> H x W float32 grey in [0, 1], as OpenCV's QualityBRISQUE prepares its input."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"BRISQUE expects an H x W x 3 uint8 RGB array, got {rgb.dtype} {rgb.shape}")
    weighted = rgb.astype(np.int32) @ np.asarray(_GREY_FIXED_POINT, dtype=np.int32)
    level = (weighted + (1 << (_GREY_SHIFT - 1))) >> _GREY_SHIFT
    return (level.astype(np.float64) * (1.0 / 255.0)).astype(np.float32)


def _cubic_taps(t: float) -> np.ndarray:
    a = _CUBIC_A
    c0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a
    c1 = ((a + 2) * t - (a + 3)) * t * t + 1
    c2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1
    return np.asarray([c0, c1, c2, 1.0 - c0 - c1 - c2], dtype=np.float32)


def _resize_axis(image: np.ndarray, out_length: int, axis: int) -> np.ndarray:
    """OpenCV INTER_CUBIC along one axis: pixel-centre mapping, 4 taps, indices clamped at the border."""
    length = image.shape[axis]
    scale = length / out_length
    out = np.zeros(image.shape[:axis] + (out_length,) + image.shape[axis + 1 :], dtype=np.float32)
    for d in range(out_length):
        position = np.float32((d + 0.5) * scale - 0.5)
        start = math.floor(position)
        taps = _cubic_taps(float(position - start))
        index = np.clip(np.arange(start - 1, start + 3), 0, length - 1)
        samples = np.take(image, index, axis=axis)
        moved = np.moveaxis(samples, axis, -1)
        np.moveaxis(out, axis, -1)[..., d] = moved @ taps
    return out


def half_size(image: np.ndarray) -> np.ndarray:
    """cv::resize(image, (W // 2, H // 2), INTER_CUBIC) on a float32 image."""
    height, width = image.shape
    return _resize_axis(_resize_axis(image, width // 2, 1), height // 2, 0)


def _gaussian_taps() -> np.ndarray:
    x = np.arange(_BLUR_SIZE, dtype=np.float64) - (_BLUR_SIZE - 1) / 2.0
    taps = np.exp(-(x * x) / (2.0 * _BLUR_SIGMA * _BLUR_SIGMA))
    return (taps / taps.sum()).astype(np.float32)


def _fma(acc: np.ndarray, tap: np.float32, values: np.ndarray) -> np.ndarray:
    """float32 acc + tap * values with one rounding, as the fused multiply-add of OpenCV's SIMD filters."""
    return (acc.astype(np.float64) + np.float64(tap) * values.astype(np.float64)).astype(np.float32)


def _blur(image: np.ndarray) -> np.ndarray:
    """cv::GaussianBlur(7x7, sigma 7/6, BORDER_REPLICATE) on float32, bit for bit: OpenCV's row pass sums the taps
    left to right, its column pass starts from the centre tap and adds (above + below) pairs, both with FMA. The
    order matters: in flat regions the local variance is ~1e-9 and its sign decides whether a pixel counts."""
    taps, half = _gaussian_taps(), _BLUR_SIZE // 2
    height, width = image.shape
    padded = np.pad(image, [(0, 0), (half, half)], mode="edge")
    rows = np.zeros_like(image)
    for k, tap in enumerate(taps):
        rows = _fma(rows, tap, padded[:, k : k + width])
    padded = np.pad(rows, [(half, half), (0, 0)], mode="edge")
    result = (taps[half] * padded[half : half + height]).astype(np.float32)
    for k in range(1, half + 1):
        pair = (padded[half + k : half + k + height] + padded[half - k : half - k + height]).astype(np.float32)
        result = _fma(result, taps[half + k], pair)
    return result


def mscn(image: np.ndarray) -> np.ndarray:
    """Mean-subtracted contrast-normalised coefficients, float32 (OpenCV's `structdis`)."""
    mu = _blur(image)
    with np.errstate(invalid="ignore"):
        sigma = np.sqrt(_blur(image * image) - mu * mu) + np.float32(1.0 / 255.0)
    return ((image - mu) / sigma).astype(np.float32)


@lru_cache(maxsize=1)
def _gamma_search_table() -> tuple[np.ndarray, np.ndarray]:
    """OpenCV's candidate shapes (0.2 += 0.001 while < 10, accumulated in double as its loop does) and r(gamma)."""
    shapes = []
    gam = 0.2
    while gam < 10:
        shapes.append(gam)
        gam += 0.001
    g = np.asarray(shapes)
    r = np.asarray([math.gamma(2 / s) ** 2 / (math.gamma(1 / s) * math.gamma(3 / s)) for s in shapes])
    return g, r


def aggd_fit(values: np.ndarray) -> tuple[float, float, float]:
    """(left sigma, right sigma, shape gamma) of an asymmetric generalised Gaussian fitted as OpenCV's AGGDfit.

    NaN samples (sqrt of a variance that float rounding made negative, in flat regions) count as zeros: OpenCV's
    max/min against 0 and patchNaNs drop them from the sums but keep them in the pixel count.
    """
    x = np.nan_to_num(values.astype(np.float64), nan=0.0)
    negative, positive = x[x < 0], x[x > 0]
    left = math.sqrt(float(np.sum(negative * negative)) / max(negative.size, 1))
    right = math.sqrt(float(np.sum(positive * positive)) / max(positive.size, 1))
    total = x.size
    square_mean = (float(np.sum(negative * negative)) + float(np.sum(positive * positive))) / total
    rhat = (float(np.sum(np.abs(x))) / total) ** 2 / square_mean
    ratio = left / right
    rhat_norm = rhat * (ratio**3 + 1) * (ratio + 1) / (ratio**2 + 1) ** 2
    shapes, r = _gamma_search_table()
    diff = np.abs(r - rhat_norm)
    rising = np.nonzero(diff[1:] > diff[:-1])[0]  # OpenCV stops at the first candidate whose error rises
    best = shapes[rising[0]] if rising.size else shapes[-1]
    return left, right, float(best)


def _shifted(structdis: np.ndarray, di: int, dj: int) -> np.ndarray:
    """shifted[i, j] = structdis[i + di, j + dj], zero where that lies outside the image."""
    out = np.zeros_like(structdis)
    h, w = structdis.shape
    rows_out = slice(max(0, -di), h - max(0, di))
    cols_out = slice(max(0, -dj), w - max(0, dj))
    rows_in = slice(max(0, di), h - max(0, -di))
    cols_in = slice(max(0, dj), w - max(0, -dj))
    out[rows_out, cols_out] = structdis[rows_in, cols_in]
    return out


def brisque_features(grey_image: np.ndarray) -> np.ndarray:
    """The 36 BRISQUE features of an H x W float32 grey image in [0, 1] (18 per scale)."""
    features: list[float] = []
    image = grey_image.astype(np.float32)
    for scale in range(2):
        if scale:
            image = half_size(image)
        structdis = mscn(image)
        left, right, shape = aggd_fit(structdis)
        features += [shape, (left * left + right * right) / 2]
        for di, dj in _SHIFTS:
            product = (structdis * _shifted(structdis, di, dj)).astype(np.float32)
            left, right, shape = aggd_fit(product)
            g1, g2, g3 = math.gamma(1 / shape), math.gamma(2 / shape), math.gamma(3 / shape)
            mean = (right - left) * (g2 / g1) * math.sqrt(g1) / math.sqrt(g3)
            features += [shape, mean, left * left, right * right]
    return np.asarray(features, dtype=np.float32)


def predict(model: BrisqueModel, features: np.ndarray) -> float:
    """Scale features to [-1, 1] by the model's range, evaluate the RBF SVR, clamp to [0, 100]."""
    span = model.feature_max - model.feature_min
    scaled = (np.float32(-1.0) + np.float32(2.0) * (features - model.feature_min) / span).astype(np.float32)
    distances = np.sum((model.support_vectors.astype(np.float64) - scaled.astype(np.float64)) ** 2, axis=1)
    kernel = np.exp((-model.gamma * distances).astype(np.float32))
    score = float(np.dot(model.alpha, kernel.astype(np.float64)) - model.rho)
    return min(max(score, 0.0), 100.0)


def brisque(model: BrisqueModel, rgb: np.ndarray) -> float:
    """BRISQUE score of an H x W x 3 uint8 RGB image (lower is better)."""
    return predict(model, brisque_features(grey(rgb)))
