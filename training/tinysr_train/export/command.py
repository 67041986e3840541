"""CLI commands `tinysr-train export` and `tinysr-train fixtures`. Owns their arguments and printed reports only.

May import: argparse, tinysr_train.config (stdlib + PyYAML only) at module level; torch and the export package inside
`run_*` (keeps `--help` fast).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tinysr_train.config import add_recipe_arguments

if TYPE_CHECKING:  # the export package imports torch and onnx: only for type checkers here
    from tinysr_train.export.onnx_export import ExportResult

_WARNING_LINES = (
    "WARNING: exporting RANDOM, UNTRAINED weights (--random-weights).",
    "The model produces noise, not super-resolution. Use it only for tests and",
    "latency measurements; it is recorded as provenance.weights = random-init.",
)
RANDOM_WEIGHTS_WARNING = "\n".join(["!" * 80, *(f"!! {line:<74} !!" for line in _WARNING_LINES), "!" * 80])


def register(subparsers: argparse._SubParsersAction) -> None:
    export = subparsers.add_parser(
        "export",
        help="export a TinySR model to ONNX (fp32 + fp16) with a checked manifest",
        description=(
            "Builds the TinySR pipeline named by model.registry, loads model.checkpoint, applies cache(), exports one "
            "end-to-end tile graph to native-models/<export.id>/ and checks onnxruntime against PyTorch."
        ),
        epilog=(
            "example: tinysr-train export --config training/configs/export-tinysr.yaml model.checkpoint=runs/x/last.pt"
        ),
    )
    add_recipe_arguments(export, "export.opset=17")
    export.add_argument("--out", type=Path, help="model folder to write (default: native-models/<export.id>)")
    export.add_argument(
        "--random-weights",
        action="store_true",
        help="export without a checkpoint, with seeded random weights (tests and latency only)",
    )
    export.add_argument(
        "--time-tile", action="store_true", help="after exporting, time one tile of model.onnx in onnxruntime on CPU"
    )
    export.add_argument(
        "--threads", type=int, default=2, help="onnxruntime intra-op threads (parity check and --time-tile)"
    )
    export.set_defaults(func=run_export)

    fixtures = subparsers.add_parser(
        "fixtures",
        help="regenerate the app's fixture models (generic-x4-tiny, tinysr-tiny)",
        description="Exports every fixture model with its manifest into OUT/<id>/, from fixed seeds.",
    )
    fixtures.add_argument("--out", required=True, type=Path, help="folder that receives one sub-folder per fixture")
    fixtures.add_argument("--only", nargs="+", metavar="ID", help="export only these fixtures")
    fixtures.set_defaults(func=run_fixtures)


def run_export(args: argparse.Namespace) -> int:
    from tinysr_train.config import load_config
    from tinysr_train.export.manifest import REPO_ROOT
    from tinysr_train.export.tinysr import export_tinysr, time_tile

    overrides = list(args.overrides) + (["export.random_weights=true"] if args.random_weights else [])
    cfg = load_config(args.config, overrides)
    if cfg["export"]["random_weights"]:
        print(RANDOM_WEIGHTS_WARNING, file=sys.stderr)
    out_dir = args.out or REPO_ROOT / "native-models" / str(cfg["export"]["id"])
    result = export_tinysr(cfg, out_dir=out_dir, ort_threads=args.threads)
    _print_result(result)
    if args.time_tile:
        tile = result.manifest["tile"]["size"]
        seconds = time_tile(result.fp32_path, tile_lr=tile, threads=args.threads)
        print(f"one {tile} px LR tile, fp32, onnxruntime CPU, {args.threads} threads: {seconds:.2f} s")
    return 0


def run_fixtures(args: argparse.Namespace) -> int:
    from tinysr_train.export.fixtures import build_fixtures

    for result in build_fixtures(args.out, only=args.only):
        _print_result(result)
    return 0


def _print_result(result: ExportResult) -> None:
    manifest = result.manifest
    sizes = ", ".join(f"{k} {v['path']} {v['bytes'] / 1e6:.2f} MB" for k, v in manifest["files"].items())
    fp16 = "" if result.fp16_max_abs_error is None else f", fp16 {result.fp16_max_abs_error:.3g}"
    parity = f"parity max abs error fp32 {result.fp32_max_abs_error:.3g}{fp16}"
    print(f"{manifest['id']}: {result.manifest_path} ({sizes}); {parity}")
