"""The training side of the cross-language goldens in test/fixtures/golden/ (written by `npm run gen:goldens` from the
app's tiler and this package's PSNR-Y): eval/tiler.py must reproduce the app's tile starts, blend weights and reflect
indices, and eval/metrics.py's PSNR-Y the recorded values. test/unit/golden-fixtures.test.ts holds the app to the same
files, so the TypeScript tiler and its Python port, and the two PSNR-Y implementations, agree with each other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from tinysr_train.eval import tiler
from tinysr_train.eval.metrics import psnr_y

GOLDEN = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "golden"
TILER = json.loads((GOLDEN / "tiler.json").read_text())
PSNR = json.loads((GOLDEN / "psnr-y.json").read_text())


@pytest.mark.parametrize("case", TILER["axes"], ids=lambda c: f"len{c['length']}-t{c['tile']}-x{c['scale']}-o{c['overlap']}-m{c['margin']}")
def test_tiler_matches_the_app(case: dict) -> None:
    plan = tiler.axis_plan(case["length"], case["tile"], case["scale"], case["overlap"], case["margin"])
    assert list(plan.starts) == case["starts"]
    assert len(plan.weights) == len(case["weights"])
    for got, expected in zip(plan.weights, case["weights"], strict=True):
        # The app keeps weights as float32: equal to its 9 significant digits, within float32 rounding.
        assert torch.allclose(got, torch.tensor(expected, dtype=torch.float64), rtol=0, atol=1e-7)


@pytest.mark.parametrize("case", TILER["reflect"], ids=lambda c: f"length{c['length']}")
def test_reflect_matches_the_app(case: dict) -> None:
    got = tiler._reflect(torch.tensor(case["indices"]), case["length"])  # noqa: SLF001 - the port's own helper
    assert got.tolist() == case["expected"]


@pytest.mark.parametrize("pair", PSNR["pairs"], ids=lambda p: p["name"])
def test_psnr_y_matches_the_golden(pair: dict) -> None:
    def image(values: list[int]) -> torch.Tensor:
        return torch.tensor(values, dtype=torch.float32).view(1, PSNR["height"], PSNR["width"], 3).permute(0, 3, 1, 2) / 255.0

    assert float(psnr_y(image(pair["a"]), image(pair["b"]))[0]) == pytest.approx(pair["psnr_y_db"], abs=1e-6)
