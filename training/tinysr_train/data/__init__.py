"""Training data: the Real-ESRGAN second-order degradation model and LQ/HQ pair generation (issue 5, stage 1).

Modules, in dependency order: `errors` (DataError); `kernels` (blur and sinc kernels, numpy only); `degrade`
(the pipeline's steps and `degrade`); `pairs` (`make_pairs` from a photo folder, evaluation-set refusal).
"""

from .degrade import DegradationConfig, RoundConfig, degrade
from .errors import DataError
from .pairs import Pair, make_pairs, refuse_evaluation_set

__all__ = ["DataError", "DegradationConfig", "Pair", "RoundConfig", "degrade", "make_pairs", "refuse_evaluation_set"]
