"""`tinysr-train eval` (issue 5, stage 5): quality of any set of methods on evaluation sets; `tinysr-train eval-fetch`
(the no-reference metrics' standard model files, through apt and pip); `tinysr-train eval-validate` (our metrics
against published per-image values). Owns the arguments and the printed summary only.

May import: argparse, tinysr_train.config (stdlib + PyYAML only), pathlib and shlex at module level; this package's
modules inside `run_*` (they import torch, which would slow `tinysr-train --help`).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from tinysr_train.config import add_recipe_arguments


def _command_line() -> str:
    return "tinysr-train " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="PSNR/SSIM-Y (pyiqa convention), BRISQUE, NIQE and agreement with the teacher for each eval.methods entry",
        description=(
            "Runs every method of eval.methods on every set of eval.sets (outputs cached under eval.run_dir), measures "
            "them and writes <set>.md, <set>.json, <set>-sheet.png and summary.md into eval.out."
        ),
        epilog="example: tinysr-train eval --config configs/recipe-small.yaml eval.limit=5",
    )
    add_recipe_arguments(parser, "eval.limit=5")
    parser.add_argument(
        "--record-quality",
        action="store_true",
        help="also write each onnx:<model folder> method's means into that folder's manifest.json quality list",
    )
    parser.set_defaults(func=run_eval)

    fetch = subparsers.add_parser(
        "eval-fetch",
        help="fetch BRISQUE's OpenCV model (Debian opencv-data) and NIQE's pristine model (PyPI basicsr sdist)",
        description="Puts the files into training/.cache/eval after checking their pinned sha256 digests.",
    )
    fetch.set_defaults(func=run_fetch)

    check = subparsers.add_parser(
        "eval-validate",
        help="compare our metrics with the per-image values logged beside published SR outputs",
    )
    check.add_argument("sets", nargs="+", type=Path, help="set folders holding OUTPUTS/ (with the log) and HR/")
    check.add_argument("--outputs", default="osediff_reference", help="SR outputs folder inside each set")
    check.add_argument("--hr", default="test_HR", help="ground-truth folder inside each set")
    check.add_argument("--log", default="metrics.log", help="pyiqa log file inside the outputs folder")
    check.add_argument("--limit", type=int, default=None, help="first N images of each set")
    check.add_argument("--report", type=Path, default=None, help="write the markdown here (else print it)")
    check.set_defaults(func=run_validate)


def run_eval(args: argparse.Namespace) -> int:
    from tinysr_train.config import load_config

    from .evaluate import evaluate
    from .record import record_quality
    from .report import set_table, write_reports

    settings, nr, results = evaluate(load_config(args.config, args.overrides))
    written = write_reports(settings, nr, results, _command_line())
    if args.record_quality:
        written += record_quality(results)
    for path in written:
        print(f"wrote {path}")
    for result in results:
        print(f"\n{result.eval_set.name} ({len(result.images)} images)\n{set_table(result)}")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    from .model_files import fetch_brisque, fetch_niqe

    print(f"BRISQUE model files in {fetch_brisque()}")
    print(f"NIQE pristine model at {fetch_niqe()}")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    import torch

    from .validate import validate_set, validation_markdown

    torch.set_num_threads(2)
    results = {s.name: validate_set(s, args.outputs, args.hr, args.log, args.limit) for s in args.sets}
    markdown = validation_markdown(results, _command_line())
    if args.report is None:
        print(markdown)
    else:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(markdown, encoding="utf-8")
        print(f"wrote {args.report}")
    return 0
