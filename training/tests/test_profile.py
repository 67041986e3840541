"""The profiler: its counting rules on tiny modules with hand-computed counts, and every paper number it reproduces.

The full-size models are built on the `meta` device, so the paper checks cost seconds, not gigabytes.
"""

from __future__ import annotations

import argparse
import json

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tinysr_train.profiling import command
from tinysr_train.profiling.counter import Counts, count, trace
from tinysr_train.profiling.report import TOLERANCE_PCT, Row, paper_rows, profile_pipeline

torch.set_num_threads(1)


def _x(*shape: int, device: str = "cpu") -> torch.Tensor:
    return torch.zeros(*shape, device=device)


# ---- counting rules (hand-computed) ----


def test_conv_counts_output_elements_times_input_channels_per_group_times_kernel_and_ignores_bias() -> None:
    # output 1x8x10x10 = 800 elements, each 3 input channels x 3x3 kernel
    assert count(nn.Conv2d(3, 8, 3, padding=1, bias=True), _x(1, 3, 10, 10)).macs == 800 * 3 * 9
    assert count(nn.Conv2d(3, 8, 3, padding=1, bias=False), _x(1, 3, 10, 10)).macs == 800 * 3 * 9
    # stride 2: output 1x6x4x4 = 96 elements
    assert count(nn.Conv2d(4, 6, 3, stride=2, padding=1), _x(1, 4, 8, 8)).macs == 96 * 4 * 9
    # depthwise: 1 input channel per group
    assert count(nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False), _x(1, 4, 6, 6)).macs == 4 * 36 * 1 * 9
    # batch counts: 2 samples, 1x1 conv
    assert count(nn.Conv2d(5, 2, 1), _x(2, 5, 3, 3)).macs == 2 * 2 * 9 * 5


def test_linear_counts_output_elements_times_in_features_and_ignores_bias() -> None:
    assert count(nn.Linear(5, 7), _x(2, 3, 5)).macs == 2 * 3 * 7 * 5
    assert count(nn.Linear(5, 7, bias=False), _x(2, 3, 5)).macs == 2 * 3 * 7 * 5


def test_normalisations_count_two_per_element_doubled_with_affine_and_groupnorm_counts_zero() -> None:
    assert count(nn.LayerNorm(6), _x(2, 4, 6)).macs == 4 * 48
    assert count(nn.LayerNorm(6, elementwise_affine=False), _x(2, 4, 6)).macs == 2 * 48
    assert count(nn.BatchNorm2d(3).eval(), _x(1, 3, 2, 2)).macs == 4 * 12
    assert count(nn.GroupNorm(2, 4), _x(1, 4, 3, 3)).macs == 0


def test_upsample_module_counts_per_output_element_but_functional_interpolate_counts_zero() -> None:
    assert count(nn.Upsample(scale_factor=2, mode="nearest"), _x(1, 2, 3, 3)).macs == 2 * 6 * 6
    assert count(nn.Upsample(scale_factor=2, mode="bilinear"), _x(1, 2, 3, 3)).macs == 2 * 6 * 6 * 11

    class Functional(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.interpolate(x, scale_factor=4, mode="bicubic")

    assert count(Functional(), _x(1, 3, 4, 4)) == Counts(params=0, macs=0, attention_macs=0)


def test_activations_count_zero_and_unknown_leaf_types_are_reported() -> None:
    model = nn.Sequential(nn.SiLU(), nn.ReLU(), nn.GELU(), nn.ConvTranspose2d(2, 2, 2))
    tally = trace(model, lambda: model(_x(1, 2, 3, 3)))
    assert tally.counts().macs == 0
    assert tally.uncounted == {"ConvTranspose2d"}


def test_attention_matmuls_are_counted_only_in_the_second_figure() -> None:
    class Attention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.to_q = nn.Linear(8, 8)

        def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
            return F.scaled_dot_product_attention(self.to_q(q), k, v)

    # q: batch 1 x heads 2 x Lq 5 x 8; k: Lk 7 x 8; v: Lk 7 x 3 -> QK^T 2*5*7*8 + AV 2*5*7*3
    counts = count(Attention(), _x(1, 2, 5, 8), _x(1, 2, 7, 8), _x(1, 2, 7, 3))
    assert counts.macs == 1 * 2 * 5 * 8 * 8  # the to_q linear only
    assert counts.attention_macs == 2 * 5 * 7 * (8 + 3)
    assert counts.macs_with_attention == counts.macs + counts.attention_macs


def test_explicit_matmuls_count_output_elements_times_inner_dimension() -> None:
    class Products(nn.Module):
        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            scores = torch.baddbmm(torch.zeros(2, 3, 5), a, b)  # 2*3*5 outputs x 4
            return torch.bmm(scores, b.transpose(1, 2)) + (a @ b).sum()  # 2*3*4 x 5, then 2*3*5 x 4

    counts = count(Products(), _x(2, 3, 4), _x(2, 4, 5))
    assert counts.macs == 0
    assert counts.attention_macs == 2 * 3 * 5 * 4 + 2 * 3 * 4 * 5 + 2 * 3 * 5 * 4


def test_params_are_every_parameter_and_a_module_called_twice_counts_twice() -> None:
    linear = nn.Linear(4, 4)

    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = linear
            self.scale = nn.Parameter(torch.ones(3))  # not in a leaf module: still a parameter

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear(self.linear(x))

    counts = count(Twice(), _x(1, 4))
    assert counts.params == 4 * 4 + 4 + 3
    assert counts.macs == 2 * 4 * 4


def test_tally_splits_counts_by_submodule_and_meta_tensors_give_the_same_counts() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(4, 2, 1)))
    tally = trace(model, lambda: model(_x(1, 3, 4, 4)))
    assert tally.counts("0") == Counts(params=3 * 4 * 9 + 4, macs=4 * 16 * 27)
    assert tally.counts("1") == Counts(params=4 * 2 + 2, macs=4 * 64 + 2 * 64 * 4)
    assert tally.counts() == tally.counts("0") + tally.counts("1")
    meta_model = model.to("meta")
    assert count(meta_model, _x(1, 3, 4, 4, device="meta")) == tally.counts()


def test_layer_norm_counts_twice_its_elements_doubled_with_an_affine() -> None:
    x = _x(2, 4, 6)
    assert count(nn.LayerNorm(6, elementwise_affine=False), x).macs == 2 * 48
    assert count(nn.LayerNorm(6), x).macs == 4 * 48


# ---- the paper's numbers (spec section 6), full-size models on the meta device ----

# key -> (params M, GMACs thop, GMACs of attention matmuls); None where the paper/spec gives no number.
PAPER = {
    "teacher.transformer": (2028.33, 918.16, 135.8),
    "teacher.encoder": (34.27, 541.60, None),
    "teacher.decoder": (49.55, 1240.31, None),
    "teacher.vae": (None, 1781.91, 34.4),
    "teacher": (2112.15, 2700.07, None),
    "student.transformer": (340.10, 348.17, 38.7),
    "student.encoder": (0.158, 7.76, None),
    "student.decoder": (1.229, 70.73, None),
    "student.vae": (1.387, 78.48, None),
    "student": (341.49, 426.65, None),
    "ablation.text-time": (1009.95, 535.18, None),
    "ablation.uncached": (516, 427, None),
    "vae.sd3-64": (2.07, 146.56, None),
    "vae.taesd": (2.46, 131.92, None),
    "vae.taesd-sepboth": (None, 16.88, None),
}


@pytest.fixture(scope="module")
def rows() -> dict[str, Row]:
    return {row.key: row for row in paper_rows()}


@pytest.mark.parametrize("key", sorted(PAPER))
def test_paper_number_is_reproduced_within_one_percent(rows: dict[str, Row], key: str) -> None:
    # The expected numbers are written out here, independently of the report's own reference table.
    counts = rows[key].counts
    for measured, expected in zip(
        (counts.params / 1e6, counts.macs / 1e9, counts.attention_macs / 1e9), PAPER[key], strict=True
    ):
        if expected is not None:
            assert measured == pytest.approx(expected, rel=TOLERANCE_PCT / 100), (key, measured, expected)
    assert rows[key].within_tolerance


def test_components_add_up_and_the_student_has_no_uncounted_weights(rows: dict[str, Row]) -> None:
    for model in ("teacher", "student"):
        parts = rows[f"{model}.transformer"].counts + rows[f"{model}.vae"].counts
        assert parts.macs == rows[model].counts.macs  # bicubic and colour fix are functional: zero by the convention
        assert parts.attention_macs == rows[model].counts.attention_macs
    student_parts = rows["student.transformer"].counts.params + rows["student.vae"].counts.params
    assert rows["student"].counts.params == student_parts
    assert all(not row.uncounted for row in rows.values())


def test_profile_pipeline_costs_one_tile_of_a_small_config() -> None:
    cost = profile_pipeline("tinysr-test")
    assert (cost["lr_size"], cost["hr_size"]) == (128, 512)
    parts = [cost[name] for name in ("encoder", "transformer", "decoder")]
    assert cost["total"]["macs"] == sum(part["macs"] for part in parts) > 0
    assert cost["total"]["attention_macs"] == cost["transformer"]["attention_macs"] > 0
    assert cost["total"]["macs_with_attention"] == cost["total"]["macs"] + cost["total"]["attention_macs"]


def test_profile_command_prints_the_table_and_json(rows: dict[str, Row], capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="tinysr-train")
    command.register(parser.add_subparsers())
    for argv in (["profile"], ["profile", "--json"]):
        args = parser.parse_args(argv)
        assert args.func(args) == 0
    table, as_json = capsys.readouterr().out.split("# TinySR efficiency", 1)[1].split("\n{", 1)
    assert "TSD-SR total (teacher)" in table and "All 15 reference rows reproduced within 1 %." in table
    report = json.loads("{" + as_json)
    assert [row["key"] for row in report["rows"]] == list(rows)
    teacher = next(row for row in report["rows"] if row["key"] == "teacher")
    assert teacher["within_tolerance"] and abs(teacher["deviation_pct"]["macs"]) < TOLERANCE_PCT
    assert teacher["gmacs"] == pytest.approx(2700.07, abs=0.01)
