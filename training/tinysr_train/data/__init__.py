"""Training data: the Real-ESRGAN second-order degradation model, LQ/HQ pair generation and the training cache
(issue 5, stage 1).

Modules, in dependency order: `errors` (DataError); `kernels` (blur and sinc kernels,
numpy only); `degrade` (the pipeline's steps and `degrade`); `sharpen` (USM of the GT); `pairs` (`make_pairs` from a
photo folder, evaluation-set refusal); `recipe` (the recipe keys the commands read); `cache` (`PairCache`, what every
stage reads); `reference_teacher` and `cache_build` (writing the cache; the latter imports the latent teacher, so it is
not re-exported here).
"""

from .cache import PairCache
from .degrade import DegradationConfig, RoundConfig, degrade
from .errors import DataError
from .pairs import Pair, make_pairs, refuse_evaluation_set
from .sharpen import usm_sharpen

__all__ = [
    "DataError",
    "DegradationConfig",
    "Pair",
    "PairCache",
    "RoundConfig",
    "degrade",
    "make_pairs",
    "refuse_evaluation_set",
    "usm_sharpen",
]
