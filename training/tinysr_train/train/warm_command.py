"""CLI command `tinysr-train report-warm`: the warm-started recipe's per-stage table on held-out crops
(`warm_report.build_report`). May import: argparse, tinysr_train.config at module level; the rest inside `run`."""

from __future__ import annotations

import argparse
from pathlib import Path

from tinysr_train.config import add_recipe_arguments

EXAMPLE_CONFIG = "configs/recipe-warm.yaml"


def register(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser(
        "report-warm",
        help="warm recipe: agreement with x4plus, fidelity and token-border blocks of every stage on held-out crops",
        description=(
            "Measures bicubic (the latent teacher at step 0), the trained latent teacher, the teacher with the tiny "
            "decoder, the pruned student and both restoration stages on a held-out pixel cache (made from the "
            "training photos with another seed), and counts params and MACs per tile of each part."
        ),
        epilog=f"example: tinysr-train report-warm --config {EXAMPLE_CONFIG} --holdout-cache runs/warm/holdout-cache",
    )
    add_recipe_arguments(report, "restore2.run_dir=runs/warm/restore2")
    report.add_argument("--holdout-cache", type=Path, required=True, help="pixel cache of the held-out crops")
    report.add_argument("--eval-dir", type=Path, help="also measure token borders on `tinysr-train eval`'s outputs here")
    report.add_argument("--out", type=Path, help="write the markdown here instead of printing it")
    report.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time

    import torch

    from tinysr_train.config import emit_report, load_config
    from tinysr_train.data.cache import PairCache
    from tinysr_train.train.vae_report import cpu_description
    from tinysr_train.train.warm_report import build_report

    command = " ".join(
        ["tinysr-train report-warm --config", str(args.config), *args.overrides, "--holdout-cache",
         str(args.holdout_cache)]
        + ([f"--eval-dir {args.eval_dir}"] if args.eval_dir else [])
        + ([f"--out {args.out}"] if args.out else [])
    )
    header = (
        f"Machine: {cpu_description()}, torch {torch.__version__} on {torch.get_num_threads()} threads; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}."
    )
    cfg = load_config(args.config, args.overrides)
    text = build_report(cfg, PairCache.load(args.holdout_cache), command, header, args.eval_dir)
    emit_report(text, args.out)
    return 0
