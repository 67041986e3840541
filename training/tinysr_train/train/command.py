"""CLI command `tinysr-train restore --stage 1|2`: runs (or resumes) one of the two restoration stages from a recipe.

Owns the command's arguments and printed report; the stages are `restore.train_restore`. May import: argparse,
tinysr_train.config (stdlib + PyYAML only) at module level; the config and stage modules inside `run` (keeps `--help`
fast).
"""

from __future__ import annotations

import argparse

from tinysr_train.config import add_recipe_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "restore",
        help="restoration training of the pruned student: --stage 1 (latent), --stage 2 (pixel + GAN)",
        description=(
            "Stage 1 starts from the pruned student (prune.run_dir/pruned.pt) and the tiny VAE (vae-compress) and "
            "distils the cached teacher output latents (section restore1); stage 2 starts from stage 1's output and "
            "adds perceptual and hinge-GAN terms through the frozen tiny decoder (section restore2). Each checkpoints "
            "module `pipeline` into its run_dir, resumes from it, and is exportable with `tinysr-train export "
            "model.checkpoint=<file>`."
        ),
        epilog="example: tinysr-train restore --config configs/recipe-smoke.yaml --stage 1 restore1.steps=4",
    )
    add_recipe_arguments(parser, "restore1.steps=4")
    parser.add_argument("--stage", required=True, type=int, choices=(1, 2), help="1: latent, 2: pixel + GAN")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tinysr_train.config import load_config
    from tinysr_train.train.restore import train_restore

    result = train_restore(load_config(args.config, args.overrides), args.stage)
    if result.losses:
        last = ", ".join(f"{key} {value:.4g}" for key, value in result.losses[-1].items())
        print(f"restore stage {args.stage}: step {result.step} ({last}); checkpoint {result.checkpoints[-1]}")
    return 0
