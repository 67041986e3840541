"""The app's fixture models (`tinysr-train fixtures --out test/fixtures/models`): one command regenerates them all from
their configs in training/configs/export-fixture-*.yaml, with fixed seeds.

- generic-x4-tiny: free-size generic x4 model with a bounded receptive field (GenericTinyX4).
- tinysr-tiny: the TinySR architecture at the 'tinysr-test' size, cached, fixed 128 px LR tile.
May import: torch, tinysr_train.config, tinysr_train.export.*.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch

from tinysr_train.config import CONFIG_DIR, load_config
from tinysr_train.export.errors import ExportError
from tinysr_train.export.generic_x4 import SCALE, GenericTinyX4
from tinysr_train.export.onnx_export import ExportResult, export_onnx


def export_generic_fixture(cfg: dict[str, Any], out_dir: Path) -> ExportResult:
    """Builds GenericTinyX4 from `cfg` (seeded) and exports it; cost comes from the profiler."""
    model = GenericTinyX4(seed=cfg["seed"], **cfg["model"]["generic"])
    spec = cfg["export"]
    tile_lr = spec["example_tile"]
    example = torch.rand(1, 3, tile_lr, tile_lr, generator=torch.Generator().manual_seed(cfg["seed"]))
    return export_onnx(
        model,
        out_dir=out_dir,
        model_id=spec["id"],
        name=spec["name"],
        description=spec["description"],
        version=spec["version"],
        family="generic-sr",
        scale=SCALE,
        tile=spec["tile"],
        overlap=spec["overlap"],
        receptive_field=model.receptive_field,
        color_fix=spec["color_fix"],
        license=spec["license"],
        provenance={**spec["provenance"], "weights": "random-init", "config": cfg},
        example_input=example,
        fp16=spec["fp16"],
        opset=spec["opset"],
    )


def export_tinysr_fixture(cfg: dict[str, Any], out_dir: Path) -> ExportResult:
    from tinysr_train.export.tinysr import export_tinysr  # builds diffusers models: import only when asked

    return export_tinysr(cfg, out_dir=out_dir)


FixtureBuilder = Callable[[dict[str, Any], Path], ExportResult]
FIXTURES: dict[str, tuple[Path, FixtureBuilder]] = {
    "generic-x4-tiny": (CONFIG_DIR / "export-fixture-generic-x4-tiny.yaml", export_generic_fixture),
    "tinysr-tiny": (CONFIG_DIR / "export-fixture-tinysr-tiny.yaml", export_tinysr_fixture),
}


def build_fixtures(out_root: str | Path, only: Iterable[str] | None = None) -> list[ExportResult]:
    """Exports the named fixtures (all by default) into `out_root/<id>/`."""
    names = list(only) if only else list(FIXTURES)
    unknown = [n for n in names if n not in FIXTURES]
    if unknown:
        raise ExportError("FIXTURE_UNKNOWN", f"unknown fixture(s) {unknown}; known: {sorted(FIXTURES)}")
    results = []
    for name in names:
        config_path, build = FIXTURES[name]
        cfg = load_config(config_path)
        results.append(build(cfg, Path(out_root) / cfg["export"]["id"]))
    return results
