"""Learnable layer masks for depth pruning (spec section 4): TinyFusion's static N:M groups and TinySR's Dynamic
Inter-block Activation (DIA) with the Expansion-Corrosion Strategy (ECS). Pure tensor logic: no model, data or files.

Owns: the group search space (options in itertools.combinations order), hard straight-through Gumbel-softmax draws,
both mask models (logits, EMA logits, sampling, the pruning decision) and the reachable-set count of DIA.
May import: torch and the standard library.

A mask is a float tensor `draws x layers` (1 = keep the layer). Each model's `forward(draws, tau, generator)` samples
masks whose values are exactly 0/1 in the forward pass and carry straight-through gradients to the logits; the search
multiplies them into the transformer (`gating.py`). Randomness comes only from the caller's CPU generator, so a resumed
search draws what the uninterrupted one drew.

DIA, as implemented here (the paper's Sec. 3.1 with the authors' code for what the text leaves open):
- blocks of `group_size` layers keep `keep` each (2 of 4 at 50 %); blocks (0,1), (2,3), ... form pairs with pair
  logits theta' over three transformations: [corrode first + expand second, keep both, expand first + corrode second];
- per block, a sampled option m gets two neighbours: `corrosion` (a subset of m, one layer fewer) and `expansion`
  (a superset, one layer more). `marginal` (paper, Eq. 7): the per-layer marginal probability p_l (sum of the block's
  option probabilities over options holding layer l) ranks layers; corrosion drops m's active layer of lowest p,
  expansion adds the inactive layer of highest p (ranked in log space, see `_marginal_rank`). `logit` (authors'
  code): one neighbour n, the option of highest raw logit among those that differ from m by one swapped layer;
  corrosion = m * n, expansion = clamp(m + n). Both rules reach the same masks; they differ in which one they pick;
- candidates use the continuous relaxation of Eq. 8 (intersection = product, union = clamp(a + b, 0, 1)) with the
  neighbour detached; the first block of a pair takes [intersection, m, union] and the second [union, m, intersection],
  so one hard draw of theta' keeps the pair's total at 2 x keep;
- decision: argmax of the EMA pair logits picks each pair's row, argmax of the EMA block logits each block's option,
  then the same neighbour rule (without noise; ties go to the lowest index) gives the final mask.

Generalised ratios (the paper only states 2:4): blocks keep `keep` of `group_size`; with `keep` = 1 every other option
is disjoint, so the logit variant's neighbour rule "differs by one swapped layer" (= shares keep - 1 layers) admits
all of them and corrosion can empty a block while its partner gains a layer.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

Neighbour = Literal["marginal", "logit"]
NEIGHBOURS: tuple[str, ...] = ("marginal", "logit")
PAIR_ROWS = 3  # [corrode first / expand second, unchanged, expand first / corrode second]
_UNIFORM_EPS = 1e-10  # keeps log(-log(u)) finite


@dataclass(frozen=True)
class GroupSpace:
    """`layers` split into consecutive groups of `group_size`, each keeping `keep` (N:M = keep:group_size)."""

    layers: int
    group_size: int
    keep: int

    def __post_init__(self) -> None:
        if self.group_size < 2 or self.layers % self.group_size:
            raise ValueError(f"GroupSpace: {self.layers} layers do not split into groups of {self.group_size}")
        if not 1 <= self.keep < self.group_size:
            raise ValueError(f"GroupSpace: keep must be in [1, {self.group_size}), got {self.keep}")

    @property
    def groups(self) -> int:
        return self.layers // self.group_size

    @property
    def kept_layers(self) -> int:
        return self.groups * self.keep

    def option_sets(self) -> list[tuple[int, ...]]:
        """The kept positions of each option within a group, in itertools.combinations order (TinyFusion's)."""
        return list(itertools.combinations(range(self.group_size), self.keep))

    def options(self) -> torch.Tensor:
        """Options x group_size matrix of 0/1 floats."""
        sets = self.option_sets()
        matrix = torch.zeros(len(sets), self.group_size)
        for row, kept in enumerate(sets):
            matrix[row, list(kept)] = 1.0
        return matrix

    def adjacent(self) -> torch.Tensor:
        """Options x options bool: True where two options differ by exactly one swapped layer (the logit neighbours)."""
        options = self.options()
        return (options @ options.T).round().long() == self.keep - 1

    def static_space_size(self) -> int:
        return len(self.option_sets()) ** self.groups


def space_for_ratio(layers: int, keep_ratio: float, group_size: int | None = None) -> GroupSpace:
    """The N:M space keeping round(keep_ratio x layers) layers: groups of 4 when they divide evenly (the paper's 2:4),
    otherwise groups of 3 (2:3 keeps 67 %, 1:3 keeps 33 % of 24 layers exactly); `group_size` forces a size."""
    if not 0.0 < keep_ratio < 1.0:
        raise ValueError(f"keep_ratio must be in (0, 1), got {keep_ratio}")
    kept = round(keep_ratio * layers)
    for size in (group_size,) if group_size else (4, 3):
        if layers % size == 0 and (kept * size) % layers == 0 and 0 < kept * size // layers < size:
            return GroupSpace(layers, size, kept * size // layers)
    sizes = f"group size {group_size}" if group_size else "groups of 4 or 3"
    raise ValueError(f"keeping {kept} of {layers} layers (keep_ratio {keep_ratio}) is not an N:M pattern with {sizes}")


def hard_gumbel_softmax(
    logits: torch.Tensor, tau: float, draws: int, generator: torch.Generator | None
) -> torch.Tensor:
    """`draws` one-hot samples of softmax(logits) over the last axis (draws x *logits.shape): exactly one-hot in the
    forward pass, the gradient of softmax((logits + g) / tau) in the backward pass (straight-through)."""
    uniform = torch.rand((draws, *logits.shape), generator=generator).to(logits.device, logits.dtype)
    gumbel = -torch.log(-torch.log(uniform.clamp(_UNIFORM_EPS, 1.0 - _UNIFORM_EPS)))
    soft = torch.softmax((logits.unsqueeze(0) + gumbel) / tau, dim=-1)
    hard = F.one_hot(soft.argmax(dim=-1), logits.shape[-1]).to(soft.dtype)
    return hard - soft.detach() + soft


def pick_max(
    scores: torch.Tensor, generator: torch.Generator | None, allowed: torch.Tensor | None = None
) -> torch.Tensor:
    """Index of the maximum over the last axis among the `allowed` entries (all by default); ties are broken uniformly
    at random with `generator`, or by the lowest index when it is None (decisions)."""
    allowed = torch.ones_like(scores, dtype=torch.bool) if allowed is None else allowed
    masked = torch.where(allowed, scores, torch.full_like(scores, -math.inf))
    best = allowed & (masked == masked.max(dim=-1, keepdim=True).values)
    if generator is None:
        return best.float().argmax(dim=-1)
    priority = torch.rand(scores.shape, generator=generator).to(scores.device)
    return torch.where(best, priority + 1.0, torch.zeros_like(priority)).argmax(dim=-1)


class GroupMask(nn.Module):
    """TinyFusion's static N:M mask: per group, hard Gumbel over the options of softmax(logits x scale)."""

    def __init__(self, space: GroupSpace, *, logit_init: float = 0.02, scale: float = 100.0, ema_decay: float = 0.999):
        super().__init__()
        self.space = space
        self.scale = scale
        self.ema_decay = ema_decay
        self.register_buffer("options", space.options())
        self.logits = nn.Parameter(torch.full((space.groups, len(space.option_sets())), float(logit_init)))
        self.register_buffer("ema_logits", self.logits.detach().clone())

    def forward(self, draws: int, tau: float, generator: torch.Generator | None) -> torch.Tensor:
        return self.to_layers(self.block_masks(draws, tau, generator)[0])

    def block_masks(
        self, draws: int, tau: float, generator: torch.Generator | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(draws x groups x group_size straight-through masks, draws x groups sampled option indices)."""
        onehot = hard_gumbel_softmax(self.logits * self.scale, tau, draws, generator)
        return onehot @ self.options, onehot.detach().argmax(dim=-1)

    def to_layers(self, block_masks: torch.Tensor) -> torch.Tensor:
        return block_masks.reshape(block_masks.shape[0], self.space.layers)

    @torch.no_grad()
    def update_ema(self) -> None:
        for ema, value in self._ema_pairs():
            ema.mul_(self.ema_decay).add_(value.detach(), alpha=1.0 - self.ema_decay)

    def _ema_pairs(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        return [(self.ema_logits, self.logits)]

    @torch.no_grad()
    def decision(self) -> torch.Tensor:
        """The final 0/1 layer mask (layers,): argmax of the EMA logits per group."""
        return self.options[self.ema_logits.argmax(dim=-1)].reshape(-1)

    def keep(self) -> list[int]:
        return keep_of(self.decision())

    def state_summary(self) -> dict[str, list[list[float]]]:
        """Logits and EMA logits as nested lists, for keep.json."""
        return {name: tensor.detach().cpu().tolist() for name, tensor in self._named_logits()}

    def _named_logits(self) -> list[tuple[str, torch.Tensor]]:
        return [("logits", self.logits), ("ema_logits", self.ema_logits)]


class InterBlockMask(GroupMask):
    """TinySR's Dynamic Inter-block Activation over `space` with the given neighbour rule (module docstring)."""

    def __init__(
        self,
        space: GroupSpace,
        *,
        neighbour: Neighbour = "marginal",
        logit_init: float = 0.02,
        scale: float = 100.0,
        ema_decay: float = 0.999,
    ):
        if space.groups % 2:
            raise ValueError(f"InterBlockMask pairs blocks, but the space has {space.groups} blocks")
        if neighbour not in NEIGHBOURS:
            raise ValueError(f"neighbour must be one of {NEIGHBOURS}, got {neighbour!r}")
        super().__init__(space, logit_init=logit_init, scale=scale, ema_decay=ema_decay)
        self.neighbour = neighbour
        self.register_buffer("adjacent", space.adjacent())
        self.pair_logits = nn.Parameter(torch.full((space.groups // 2, PAIR_ROWS), float(logit_init)))
        self.register_buffer("ema_pair_logits", self.pair_logits.detach().clone())

    def forward(self, draws: int, tau: float, generator: torch.Generator | None) -> torch.Tensor:
        masks, chosen = self.block_masks(draws, tau, generator)
        rows = hard_gumbel_softmax(self.pair_logits * self.scale, tau, draws, generator)
        return self.to_layers(self.transform(masks, chosen, rows, self.logits.detach(), generator))

    def transform(
        self,
        masks: torch.Tensor,
        chosen: torch.Tensor,
        rows: torch.Tensor,
        logits: torch.Tensor,
        generator: torch.Generator | None,
    ) -> torch.Tensor:
        """Applies each pair's transformation: masks (draws x blocks x size, differentiable), chosen (draws x blocks,
        option indices), rows (draws x pairs x 3, one-hot), logits (blocks x options, the neighbour prior)."""
        corrosion, expansion = self.neighbours(chosen, logits, generator)
        intersection = masks * corrosion
        union = (masks + expansion).clamp(0.0, 1.0)
        first = torch.stack([intersection, masks, union], dim=2)  # draws x blocks x 3 x size
        second = torch.stack([union, masks, intersection], dim=2)
        is_first = (torch.arange(self.space.groups, device=masks.device) % 2 == 0).view(1, -1, 1, 1)
        candidates = torch.where(is_first, first, second)
        block_rows = rows.repeat_interleave(2, dim=1)  # draws x blocks x 3: a pair's row applies to both its blocks
        return (block_rows.unsqueeze(-1) * candidates).sum(dim=2)

    @torch.no_grad()
    def neighbours(
        self, chosen: torch.Tensor, logits: torch.Tensor, generator: torch.Generator | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(corrosion, expansion) masks, draws x blocks x size, for the chosen options (detached, exactly 0/1)."""
        current = self.options[chosen]
        if self.neighbour == "logit":
            allowed = self.adjacent[chosen]  # draws x blocks x options
            neighbour = self.options[pick_max(logits.unsqueeze(0).expand(allowed.shape), generator, allowed)]
            return neighbour, neighbour
        active = current > 0.5
        dropped = pick_max(-self._marginal_rank(current, logits), generator, active)
        added = pick_max(self._marginal_rank(1.0 - current, logits), generator, ~active)
        size = self.space.group_size
        return current - F.one_hot(dropped, size).to(current), current + F.one_hot(added, size).to(current)

    def _marginal_rank(self, candidates: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """Scores (draws x blocks x size) that order the `candidates` layers (0/1) of each block as their marginal
        probabilities p_l = sum of softmax(logits x scale) over the options holding l (Eq. 7) do.

        Computed as log-sums over the options holding l, leaving out the options that hold every candidate: those add
        the same mass to each candidate, and once training has made one option dominant their mass would swamp the
        differences below float precision (p_0 and p_1 both round to 1 when option 01 dominates)."""
        scaled = (logits * self.scale).unsqueeze(0).expand(candidates.shape[0], -1, -1)  # draws x blocks x options
        holds_all = (self.options.view(1, 1, *self.options.shape) >= candidates.unsqueeze(2)).all(dim=-1)
        scaled = torch.where(holds_all, torch.full_like(scaled, -math.inf), scaled)
        log_options = torch.where(self.options > 0.5, 0.0, -math.inf)  # options x size
        return torch.logsumexp(scaled.unsqueeze(-1) + log_options, dim=2)

    def _ema_pairs(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        return [(self.ema_logits, self.logits), (self.ema_pair_logits, self.pair_logits)]

    def _named_logits(self) -> list[tuple[str, torch.Tensor]]:
        return [*super()._named_logits(), ("pair_logits", self.pair_logits), ("ema_pair_logits", self.ema_pair_logits)]

    @torch.no_grad()
    def decision(self) -> torch.Tensor:
        """The paper's rule: each pair's row by argmax of the EMA pair logits, each block's option by argmax of the EMA
        block logits, the neighbours from the EMA block logits; no noise, ties to the lowest index."""
        chosen = self.ema_logits.argmax(dim=-1).unsqueeze(0)
        rows = F.one_hot(self.ema_pair_logits.argmax(dim=-1), PAIR_ROWS).to(self.options).unsqueeze(0)
        masks = self.options[chosen]
        return self.to_layers(self.transform(masks, chosen, rows, self.ema_logits, None)).reshape(-1)


def keep_of(mask: torch.Tensor) -> list[int]:
    """The kept layer indices (ascending) of a 0/1 mask over layers."""
    return [int(i) for i in torch.nonzero(mask.reshape(-1) > 0.5).flatten()]


def reachable_pair_masks(space: GroupSpace) -> set[tuple[int, ...]]:
    """Every 0/1 layer pattern of one block pair that DIA can produce, for either neighbour rule (both reach the same
    set: corrosion can drop any active layer and expansion add any inactive one, given suitable logits)."""
    size = space.group_size
    reachable: set[tuple[int, ...]] = set()
    for first, second in itertools.product(space.option_sets(), repeat=2):
        reachable.add(_pattern(first, size) + _pattern(second, size))
        for dropped, added in itertools.product(first, [i for i in range(size) if i not in second]):
            reachable.add(_pattern(set(first) - {dropped}, size) + _pattern(set(second) | {added}, size))
        for added, dropped in itertools.product([i for i in range(size) if i not in first], second):
            reachable.add(_pattern(set(first) | {added}, size) + _pattern(set(second) - {dropped}, size))
    return reachable


def reachable_space_size(space: GroupSpace) -> int:
    """Masks DIA can reach over all layers: pairs are independent, so the pair count to the number of pairs."""
    return len(reachable_pair_masks(space)) ** (space.groups // 2)


def full_space_size(space: GroupSpace) -> int:
    """C(layers, kept): every mask keeping the same number of layers."""
    return math.comb(space.layers, space.kept_layers)


def _pattern(kept: tuple[int, ...] | set[int], size: int) -> tuple[int, ...]:
    return tuple(int(i in kept) for i in range(size))
