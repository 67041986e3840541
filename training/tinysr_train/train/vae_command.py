"""CLI commands `tinysr-train vae-compress` (train the tiny VAE) and `tinysr-train report-vae` (its Tab. 3 analogue).

Owns the commands' arguments and printed output; the stage is `vae_compress.train_vae_compress`, the report
`vae_report.build_report`. May import: argparse, tinysr_train.config (stdlib + PyYAML only) at module level; the config
and stage modules inside `run`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tinysr_train.config import add_recipe_arguments

EXAMPLE_CONFIG = "configs/recipe-smoke.yaml"
DEFAULTS = {"repeats": 5, "threads": 2}  # report-vae's timing: median of 5 runs on 2 threads


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser(
        "vae-compress",
        help="train the tiny VAE against the teacher's VAE (encoder by latent L2, decoder with perceptual + GAN)",
        description=(
            "Phase 1 (section vae_encoder): the tiny encoder regresses the cached teacher-encoder latents of bicubic "
            "x4 LQ by L2. Phase 2 (section vae_decoder): the tiny decoder decodes the cached teacher latents of HQ, "
            "trained with reconstruction + perceptual + hinge GAN. Each phase checkpoints into its run_dir and resumes "
            "from it; phase 2's checkpoint holds module `tiny_vae`. Needs `tinysr-train data cache --what latents`."
        ),
        epilog=f"example: tinysr-train vae-compress --config {EXAMPLE_CONFIG} vae_decoder.steps=4",
    )
    add_recipe_arguments(train, "vae_encoder.steps=4")
    train.set_defaults(func=run_train)

    report = subparsers.add_parser(
        "report-vae",
        help="Tab. 3 analogue: params, MACs, CPU ms and held-out quality of the teacher VAE and the tiny-VAE variants",
        description=(
            "Counts params and MACs of one HR tile through the teacher's VAE and every tiny-VAE variant at the "
            "recipe's size, times them on the CPU, and measures the trained ones on the held-out cached pairs. "
            "Stages not run yet are named in the notes instead of failing."
        ),
        epilog=f"example: tinysr-train report-vae --config {EXAMPLE_CONFIG} --out reports/vae-compression.md",
    )
    add_recipe_arguments(report, "vae_encoder.holdout=24")
    report.add_argument("--out", type=Path, help="write the markdown here instead of printing it")
    report.add_argument("--repeats", type=int, default=DEFAULTS["repeats"], help="timed runs per VAE (median; 0: none)")
    report.add_argument("--threads", type=int, default=DEFAULTS["threads"], help="CPU intra-op threads for timing")
    report.set_defaults(func=run_report)


def run_train(args: argparse.Namespace) -> int:
    from tinysr_train.config import load_config
    from tinysr_train.train.vae_compress import train_vae_compress

    for phase, result in zip(("encoder", "decoder"), train_vae_compress(load_config(args.config, args.overrides)),
                             strict=True):
        if result.losses:
            last = ", ".join(f"{key} {value:.4g}" for key, value in result.losses[-1].items())
            print(f"vae-compress {phase}: step {result.step} ({last}); checkpoint {result.checkpoints[-1]}")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from tinysr_train.config import emit_report, load_config
    from tinysr_train.train.vae_report import build_report

    options = [f"--{name} {getattr(args, name)}" for name in DEFAULTS if getattr(args, name) != DEFAULTS[name]]
    command = " ".join(["tinysr-train report-vae --config", str(args.config), *args.overrides, *options]
                       + ([f"--out {args.out}"] if args.out else []))
    text = build_report(
        load_config(args.config, args.overrides), repeats=args.repeats, threads=args.threads, regenerate=command
    )
    emit_report(text, args.out)
    return 0
