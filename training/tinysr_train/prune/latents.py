"""The cached latents the pruning stages train and score on, how they are split, and held-out evaluation.

Owns: the `LatentCache` interface (what `tinysr_train.data.cache.PairCache` provides), the split of a cache into
a training range, a fixed scoring subset of it (what the one-shot baselines rank on) and a hold-out tail (what the
recoverability table reports on, never seen by any search), batch drawing, and `LatentScorer` (latent L1 against the
cached teacher latent and, through a decoder, pixel PSNR against the decoded teacher latent).
May import: torch and the standard library (the cache module only inside `load_latent_cache`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
import torch.nn.functional as F

from tinysr_train.prune.errors import PruneError

PSNR_CAP_DB = 100.0  # identical images: report a finite number (JSON has no infinity)


class LatentCache(Protocol):
    """`latents(indices)` -> {"lq": input latent, "hq": HQ latent, "teacher": the latent teacher's output latent},
    each N x C x l x l float."""

    def latents(self, indices: Sequence[int]) -> dict[str, torch.Tensor]: ...

    def __len__(self) -> int: ...


def load_latent_cache(cfg: Mapping[str, Any]) -> LatentCache:
    from tinysr_train.data.cache import PairCache

    return PairCache.load(Path(cfg["paths"]["cache"]))


@dataclass(frozen=True)
class CacheSplit:
    train: int  # indices [0, train) are for training
    scoring: tuple[int, ...]  # a fixed subset of the training indices
    holdout: tuple[int, ...]  # the last `holdout` indices

    def draw(self, generator: torch.Generator, batch: int) -> list[int]:
        return torch.randint(self.train, (batch,), generator=generator).tolist()


def split_cache(size: int, holdout: int, score_samples: int, seed: int) -> CacheSplit:
    if size <= holdout:
        raise PruneError(
            "PRUNE_DATA",
            f"the latent cache holds {size} samples, not more than prune.holdout = {holdout}; "
            "lower prune.holdout or cache more pairs",
        )
    train = size - holdout
    generator = torch.Generator().manual_seed(seed)
    scoring = torch.randperm(train, generator=generator)[: min(score_samples, train)].sort().values
    return CacheSplit(train=train, scoring=tuple(scoring.tolist()), holdout=tuple(range(train, size)))


def batched(indices: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(indices), size):
        yield list(indices[start : start + size])


class LatentScorer:
    """Scores outputs on a fixed set of cached pairs, loaded (and, with a decoder, the teacher latents decoded) once:
    `latent_l1` = mean per-sample L1 of `output_fn(lq)` to the cached teacher latent; with `decoder` (latent -> [-1, 1]
    image) also `decoded_psnr` = mean PSNR (dB) of the decoded output against the decoded teacher latent."""

    def __init__(
        self,
        cache: LatentCache,
        indices: Sequence[int],
        *,
        batch_size: int,
        device: torch.device,
        decoder: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        self.device = device
        self.decoder = decoder
        self.samples = len(indices)
        self.batches: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]] = []
        with torch.no_grad():
            for chunk in batched(indices, batch_size):
                latents = cache.latents(chunk)
                lq, target = latents["lq"].float(), latents["teacher"].float()
                decoded = _to_unit(decoder(target.to(device))).cpu() if decoder is not None else None
                self.batches.append((lq, target, decoded))

    @torch.no_grad()
    def __call__(self, output_fn: Callable[[torch.Tensor], torch.Tensor]) -> dict[str, float]:
        l1_sum, psnr_sum = 0.0, 0.0
        for lq, target, decoded in self.batches:
            output = output_fn(lq.to(self.device))
            l1_sum += float(F.l1_loss(output, target.to(output), reduction="none").flatten(1).mean(1).sum())
            if self.decoder is not None and decoded is not None:
                psnr_sum += sum(_psnr(_to_unit(self.decoder(output)), decoded.to(output)))
        metrics = {"latent_l1": l1_sum / self.samples}
        if self.decoder is not None:
            metrics["decoded_psnr"] = psnr_sum / self.samples
        return metrics


def _to_unit(image: torch.Tensor) -> torch.Tensor:
    return ((image + 1.0) / 2.0).clamp(0.0, 1.0)


def _psnr(a: torch.Tensor, b: torch.Tensor) -> list[float]:
    mse = (a - b).pow(2).flatten(1).mean(1)
    return [PSNR_CAP_DB if m <= 0 else min(PSNR_CAP_DB, -10.0 * math.log10(m)) for m in mse.tolist()]
