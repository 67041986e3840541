"""CLI command `tinysr-train profile [--json]`: the efficiency table of spec section 6, measured and compared.

Owns the command's arguments and output only. May import: argparse and json at module level; the report (torch,
diffusers) inside `run`, so `tinysr-train --help` stays fast.
"""

from __future__ import annotations

import argparse
import json

EXIT_REFERENCE_MISSED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    profile = subparsers.add_parser(
        "profile",
        help="params and MACs of the teacher, the student and every tiny-VAE variant, against the paper",
        description=(
            "Builds every full-size model on the meta device (no weights allocated), runs one 1x3x128x128 LR tile "
            "through each pipeline and counts params and MACs by the paper's convention (thop: conv, linear, "
            "LayerNorm, nearest upsample; attention matmuls not counted) and with attention matmuls. Prints the table "
            "with the paper's numbers and the deviation; exits 1 when a number is more than 1 %% off."
        ),
        epilog="example: tinysr-train profile --json > reports/profile.json",
    )
    profile.add_argument("--json", action="store_true", help="print machine-readable rows instead of the table")
    profile.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from tinysr_train.profiling.report import format_json, format_markdown, paper_rows

    torch.set_num_threads(1)  # shapes only: nothing to parallelise
    rows = paper_rows()
    if args.json:
        print(json.dumps(format_json(rows), indent=2))
    else:
        print(format_markdown(rows), end="")
    return 0 if all(row.within_tolerance for row in rows) else EXIT_REFERENCE_MISSED
