"""The mask models of depth pruning, without any transformer: TinyFusion's N:M options, hard straight-through Gumbel
draws, TinySR's DIA candidates under both neighbour rules (ECS marginal ranking and the authors' logit rule), the pair
invariant, the decision rule, and the search-space sizes the paper and the spec state."""

from __future__ import annotations

import math

import pytest
import torch

from tinysr_train.prune.masks import (
    GroupMask,
    GroupSpace,
    InterBlockMask,
    full_space_size,
    hard_gumbel_softmax,
    keep_of,
    pick_max,
    reachable_pair_masks,
    reachable_space_size,
    space_for_ratio,
)

SPACE_2_4 = GroupSpace(layers=24, group_size=4, keep=2)
# Options of a 2:4 group in itertools.combinations order: 01, 02, 03, 12, 13, 23.
OPT_01, OPT_02, OPT_03, OPT_12, OPT_13, OPT_23 = range(6)


def test_tinyfusion_options_are_combinations_in_order_with_logits_at_0_02() -> None:
    assert SPACE_2_4.options().tolist() == [
        [1, 1, 0, 0], [1, 0, 1, 0], [1, 0, 0, 1], [0, 1, 1, 0], [0, 1, 0, 1], [0, 0, 1, 1],
    ]
    mask = GroupMask(SPACE_2_4)
    assert mask.logits.shape == (6, 6)
    assert torch.all(mask.logits == 0.02) and torch.equal(mask.ema_logits, mask.logits.detach())


def test_ratios_map_to_n_of_m_spaces() -> None:
    assert space_for_ratio(24, 0.5) == GroupSpace(24, 4, 2)
    assert space_for_ratio(24, 0.67) == GroupSpace(24, 3, 2)  # 16 kept: pruning 33 %
    assert space_for_ratio(24, 0.33) == GroupSpace(24, 3, 1)  # 8 kept: pruning 67 %
    assert space_for_ratio(24, 0.75) == GroupSpace(24, 4, 3)
    with pytest.raises(ValueError, match="not an N:M pattern"):
        space_for_ratio(24, 0.3)


def test_search_space_sizes_match_the_paper_and_the_spec() -> None:
    assert SPACE_2_4.static_space_size() == 6**6 == 46_656
    assert full_space_size(SPACE_2_4) == math.comb(24, 12) == 2_704_156
    assert len(reachable_pair_masks(SPACE_2_4)) == 68  # 36 unchanged + 16 (1, 3) + 16 (3, 1)
    assert reachable_space_size(SPACE_2_4) == 68**3 == 314_432
    assert reachable_space_size(SPACE_2_4) / full_space_size(SPACE_2_4) == pytest.approx(0.116, abs=1e-3)
    for ratio in (0.67, 0.33):  # 8 blocks of 3, 4 pairs: 9 unchanged + 3 + 3 patterns per pair
        assert reachable_space_size(space_for_ratio(24, ratio)) == 15**4


def test_hard_gumbel_is_one_hot_follows_the_softmax_and_passes_gradients() -> None:
    logits = torch.tensor([0.0, math.log(3.0)], requires_grad=True)
    draws = hard_gumbel_softmax(logits, tau=1.0, draws=4000, generator=torch.Generator().manual_seed(0))
    assert torch.equal(draws.detach().sum(-1), torch.ones(4000))
    assert set(draws.detach().flatten().tolist()) <= {0.0, 1.0}
    assert draws[:, 1].detach().mean().item() == pytest.approx(0.75, abs=0.03)
    (draws[:, 1] * 2.0).sum().backward()
    assert logits.grad is not None and logits.grad[1] > 0 > logits.grad[0]


@pytest.mark.parametrize("model", ["tinyfusion", "marginal", "logit"])
def test_straight_through_gradients_reach_every_logit(model: str) -> None:
    mask = GroupMask(SPACE_2_4) if model == "tinyfusion" else InterBlockMask(SPACE_2_4, neighbour=model)
    sampled = mask(8, 4.0, torch.Generator().manual_seed(1))
    assert sampled.shape == (8, 24)
    weights = torch.randn(24, generator=torch.Generator().manual_seed(2))
    (sampled * weights).sum().backward()
    assert mask.logits.grad is not None and mask.logits.grad.abs().sum() > 0
    if isinstance(mask, InterBlockMask):
        assert mask.pair_logits.grad is not None and mask.pair_logits.grad.abs().sum() > 0


def _one_pair(neighbour: str, logits_first: list[float]) -> InterBlockMask:
    mask = InterBlockMask(SPACE_2_4, neighbour=neighbour)
    with torch.no_grad():
        mask.logits[0] = torch.tensor(logits_first)
    return mask


def _transform(mask: InterBlockMask, first: int, second: int, row: int) -> list[list[int]]:
    chosen = torch.tensor([[first, second, 0, 0, 0, 0]])
    rows = torch.nn.functional.one_hot(torch.tensor([[row, 1, 1]]), 3).float()
    out = mask.transform(mask.options[chosen], chosen, rows, mask.logits.detach(), None)
    return out[0, :2].int().tolist()


# Block 0's logits (x gumbel_scale 100): option 02 has the highest logit, but options 03, 13 and 23 together make layer
# 3's marginal probability larger than layer 2's. Active layers of 01: layer 1's marginal is the lowest.
DIVERGING = [0.0, 0.03, 0.025, 0.0, 0.025, 0.025]


def test_ecs_marginal_candidates_drop_the_least_and_add_the_most_probable_layer() -> None:
    mask = _one_pair("marginal", DIVERGING)
    # corrode block 0; expand block 1, whose uniform logits tie every marginal: the lowest layer is added
    assert _transform(mask, OPT_01, OPT_23, row=0) == [[1, 0, 0, 0], [1, 0, 1, 1]]
    assert _transform(mask, OPT_01, OPT_23, row=1) == [[1, 1, 0, 0], [0, 0, 1, 1]]
    # expansion of block 0 adds layer 3 (highest marginal), not layer 2 (the logit rule's choice)
    assert _transform(mask, OPT_01, OPT_23, row=2)[0] == [1, 1, 0, 1]


def test_authors_logit_neighbour_is_the_best_adjacent_option() -> None:
    mask = _one_pair("logit", DIVERGING)
    # neighbour of 01 = 02 (highest logit among 02, 03, 12, 13; 23 shares no layer): intersection 0, union 012
    assert _transform(mask, OPT_01, OPT_23, row=2)[0] == [1, 1, 1, 0]
    assert _transform(mask, OPT_01, OPT_23, row=0)[0] == [1, 0, 0, 0]
    # 23 has the highest logit overall but is not adjacent to 01: never the neighbour
    with torch.no_grad():
        mask.logits[0, OPT_23] = 1.0
    assert _transform(mask, OPT_01, OPT_23, row=2)[0] == [1, 1, 1, 0]


@pytest.mark.parametrize("ratio", [0.5, 0.67, 0.33])
@pytest.mark.parametrize("neighbour", ["marginal", "logit"])
def test_every_pair_keeps_its_total_and_every_mask_is_reachable(ratio: float, neighbour: str) -> None:
    space = space_for_ratio(24, ratio)
    mask = InterBlockMask(space, neighbour=neighbour)
    reachable = reachable_pair_masks(space)
    pair = 2 * space.group_size
    generator = torch.Generator().manual_seed(3)
    for trial in range(6):
        with torch.no_grad():  # trial 0 keeps the uniform initial logits; the others are random priors
            if trial:
                mask.logits.normal_(0.0, 0.02, generator=generator)
                mask.pair_logits.normal_(0.0, 0.02, generator=generator)
        sampled = mask(200, 1.0, generator).detach()
        assert set(sampled.flatten().tolist()) <= {0.0, 1.0}
        pairs = sampled.view(200, -1, pair)
        assert torch.all(pairs.sum(-1) == 2 * space.keep)
        blocks = sampled.view(200, -1, space.group_size).sum(-1)
        assert torch.all((blocks - space.keep).abs() <= 1)
        assert {tuple(p) for p in pairs.int().view(-1, pair).tolist()} <= reachable


@pytest.mark.parametrize("neighbour", ["marginal", "logit"])
def test_uniform_logits_reach_every_reachable_pair_pattern(neighbour: str) -> None:
    mask = InterBlockMask(SPACE_2_4, neighbour=neighbour)
    sampled = mask(3000, 4.0, torch.Generator().manual_seed(4)).detach()
    seen = {tuple(p) for p in sampled[:, :8].int().tolist()}
    assert seen == reachable_pair_masks(SPACE_2_4)


def test_decision_takes_pair_rows_then_block_options_from_the_ema_logits() -> None:
    mask = InterBlockMask(SPACE_2_4, neighbour="marginal")
    with torch.no_grad():
        mask.logits.normal_()  # the raw logits must not matter, only the EMA ones
        mask.pair_logits.normal_()
        mask.ema_logits.fill_(0.0)
        mask.ema_logits[0, OPT_01], mask.ema_logits[0, OPT_02] = 1.0, 0.5  # layer 1 least probable of 0, 1
        mask.ema_logits[1, OPT_23], mask.ema_logits[1, OPT_13] = 1.0, 0.5  # layer 1 most probable of 0, 1
        mask.ema_pair_logits.fill_(0.0)
        mask.ema_pair_logits[0, 0] = 1.0  # pair (0, 1): corrode block 0, expand block 1
        mask.ema_pair_logits[1, 1] = 1.0  # pair (2, 3): unchanged, blocks take option 01 (ties: lowest index)
        mask.ema_pair_logits[2, 2] = 1.0  # pair (4, 5): expand block 4, corrode block 5; ties: lowest layer
    assert mask.keep() == [0, 5, 6, 7, 8, 9, 12, 13, 16, 17, 18, 21]
    assert mask.keep() == mask.keep()  # no noise


def test_tinyfusion_decision_and_ema() -> None:
    mask = GroupMask(SPACE_2_4, ema_decay=0.5)
    with torch.no_grad():
        mask.logits.copy_(torch.eye(6))  # group g prefers option g
    mask.update_ema()
    assert torch.allclose(mask.ema_logits, 0.5 * 0.02 + 0.5 * torch.eye(6))
    assert mask.keep() == [0, 1, 4, 6, 8, 11, 13, 14, 17, 19, 22, 23]
    summary = mask.state_summary()
    assert set(summary) == {"logits", "ema_logits"} and len(summary["logits"]) == 6


def test_tinyfusion_draws_one_mask_per_sample_and_keeps_n_per_group() -> None:
    sampled = GroupMask(SPACE_2_4)(64, 4.0, torch.Generator().manual_seed(5)).detach()
    assert torch.all(sampled.view(64, 6, 4).sum(-1) == 2)
    assert len({tuple(row) for row in sampled.int().tolist()}) > 32  # independent draws, not one shared mask


def test_ties_break_at_random_with_a_generator_and_to_the_lowest_index_without() -> None:
    scores = torch.tensor([[1.0, 3.0, 3.0, 3.0]]).expand(300, 4)
    assert torch.all(pick_max(scores, None) == 1)
    picked = pick_max(scores, torch.Generator().manual_seed(6))
    assert set(picked.tolist()) == {1, 2, 3}
    allowed = torch.tensor([True, False, True, True])
    assert torch.all(pick_max(torch.full((50, 4), -math.inf), torch.Generator().manual_seed(7), allowed) != 1)
    assert keep_of(torch.tensor([0.0, 1.0, 1.0, 0.0])) == [1, 2]


# 12 "useful" layers that no 2:4 mask holds (block 0 has one, block 1 three) but DIA reaches (pair 0 in row 0).
PLANTED = [0, 4, 5, 6, 9, 10, 12, 15, 17, 18, 20, 23]


def _learn(mask: GroupMask, steps: int = 100) -> list[int]:
    """Trains the logits alone on loss = number of planted layers a sampled mask leaves out (the search, minus the
    transformer); returns the decision."""
    cost = torch.zeros(24)
    cost[PLANTED] = 1.0
    optimizer = torch.optim.AdamW(mask.parameters(), lr=1e-3, weight_decay=0.0)
    generator = torch.Generator().manual_seed(0)
    for step in range(steps):
        sampled = mask(2, 4.0 + (0.1 - 4.0) * step / (steps - 1), generator)
        loss = (cost * (1.0 - sampled)).sum(-1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        mask.update_ema()
    return mask.keep()


@pytest.mark.parametrize("neighbour", ["marginal", "logit"])
def test_dia_learns_a_layer_distribution_static_groups_cannot_reach(neighbour: str) -> None:
    assert _learn(InterBlockMask(SPACE_2_4, neighbour=neighbour, ema_decay=0.99)) == PLANTED


def test_tinyfusion_learns_the_planted_layers_wherever_2_of_4_allows() -> None:
    static = _learn(GroupMask(SPACE_2_4, ema_decay=0.99))
    assert static != PLANTED and static[4:] == PLANTED[4:]
