"""The paper's one-shot depth-pruning baselines (Tab. 2), scored on the fixed scoring subset of the cached latents with
the original (not fine-tuned) teacher.

Owns the three rules; each returns the kept layers and the per-candidate or per-layer scores it decided on:
- `random-min` (perturbation-based): `random_candidates` random N:M masks of the ratio's group space; keeps the one with
  the lowest latent L1 to the teacher (the paper ranks by LPIPS of decoded images; here the search loss).
- `similarity` (ShortGPT's Block Influence / Flux-Lite's layer similarity): the mean cosine similarity between each
  layer's image-stream input and output tokens; removes the layers that change their input least. Global, no groups.
- `sensitivity` (Han et al.): removes each layer alone and measures the latent L1 increase; keeps the most sensitive
  layers. Global, no groups.
May import: torch and tinysr_train.prune.{gating, latents, masks}.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from tinysr_train.prune.gating import GatedBlock, MaskedTeacher
from tinysr_train.prune.latents import LatentScorer
from tinysr_train.prune.masks import GroupSpace, keep_of


@dataclass(frozen=True)
class Selection:
    keep: list[int]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scoring:
    """What every baseline scores with: the gated original teacher and the scorer of the cache's scoring subset."""

    masked: MaskedTeacher
    scorer: LatentScorer

    def loss(self, mask: torch.Tensor | None) -> float:
        """Latent L1 on the scoring subset with a hard 0/1 mask (layers,), or of the full teacher (None)."""
        draws = None if mask is None else mask.to(self.scorer.device).view(1, -1)
        return self.scorer(lambda lq: self.masked(lq, draws))["latent_l1"]


def random_min(scoring: Scoring, space: GroupSpace, candidates: int, seed: int) -> Selection:
    generator = torch.Generator().manual_seed(seed)
    options = space.options()
    choices = torch.randint(len(options), (candidates, space.groups), generator=generator)
    losses = [scoring.loss(options[row].reshape(-1)) for row in choices]
    best = min(range(candidates), key=lambda i: losses[i])
    keep = keep_of(options[choices[best]].reshape(-1))
    return Selection(keep, {"candidates": [keep_of(options[row].reshape(-1)) for row in choices], "losses": losses})


@torch.no_grad()
def similarity(scoring: Scoring, kept: int) -> Selection:
    layers = scoring.masked.layers
    sums = torch.zeros(layers, dtype=torch.float64)
    handles = [
        block.register_forward_hook(_cosine_recorder(index, sums), with_kwargs=True)
        for index, block in enumerate(scoring.masked.teacher.transformer.transformer_blocks)
        if isinstance(block, GatedBlock)
    ]
    try:
        for lq, _, _ in scoring.scorer.batches:
            scoring.masked(lq.to(scoring.scorer.device))
    finally:
        for handle in handles:
            handle.remove()
    cosine = (sums / scoring.scorer.samples).tolist()
    keep = sorted(sorted(range(layers), key=lambda i: (cosine[i], i))[:kept])
    return Selection(keep, {"cosine_similarity": cosine})


def sensitivity(scoring: Scoring, kept: int) -> Selection:
    layers = scoring.masked.layers
    base = scoring.loss(None)
    increase = []
    for layer in range(layers):
        mask = torch.ones(layers)
        mask[layer] = 0.0
        increase.append(scoring.loss(mask) - base)
    keep = sorted(sorted(range(layers), key=lambda i: (-increase[i], i))[:kept])
    return Selection(keep, {"full_teacher_loss": base, "loss_increase": increase})


def _cosine_recorder(index: int, sums: torch.Tensor) -> Callable[..., None]:
    def record(module: GatedBlock, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
        hidden = kwargs["hidden_states"] if "hidden_states" in kwargs else args[0]
        cosine = F.cosine_similarity(hidden.float(), output[1].float(), dim=-1).mean(dim=1)  # per sample
        sums[index] += float(cosine.sum())

    return record
