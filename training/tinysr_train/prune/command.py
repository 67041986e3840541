"""CLI commands `tinysr-train prune` and `tinysr-train recoverability`.

Owns the commands' arguments and printed summary; the stages are `stage.run_prune` and
`recoverability.run_recoverability`. May import: argparse, tinysr_train.config (stdlib + PyYAML only), shlex at module
level; the config and stage modules inside `run` (keeps `--help` fast).
"""

from __future__ import annotations

import argparse
import shlex

from tinysr_train.config import add_recipe_arguments

EXAMPLE_CONFIG = "configs/recipe-smoke.yaml"


def register(subparsers: argparse._SubParsersAction) -> None:
    prune = subparsers.add_parser(
        "prune",
        help="choose the teacher layers the student keeps (DIA + ECS, TinyFusion or a baseline) and cut the student",
        description=(
            "Runs prune.method (dia-ecs | tinyfusion | random-min | similarity | sensitivity) at prune.keep_ratio "
            "on the cached latents with the trained latent teacher, and writes prune.run_dir/keep.json and "
            "prune.run_dir/pruned.pt (module `student`, read by the restoration stage). Learned methods checkpoint "
            "and resume their search; a second call with the same recipe does nothing."
        ),
        epilog=f"example: tinysr-train prune --config {EXAMPLE_CONFIG} prune.method=tinyfusion prune.keep_ratio=0.5",
    )
    recoverability = subparsers.add_parser(
        "recoverability",
        help="prune with every method and ratio, fine-tune each student briefly and tabulate (paper Tab. 2 / C.2)",
        description=(
            "For each of recoverability.methods x recoverability.keep_ratios: prune (search budget "
            "recoverability.search_steps), fine-tune the student for recoverability.steps, score the hold-out before "
            "and after, and write recoverability.report (Markdown + JSON). Finished cells resume."
        ),
        epilog=f"example: tinysr-train recoverability --config {EXAMPLE_CONFIG}",
    )
    for parser, command in ((prune, "prune"), (recoverability, "recoverability")):
        add_recipe_arguments(parser, "prune.steps=4")
        parser.set_defaults(func=run, prune_command=command)


def run(args: argparse.Namespace) -> int:
    from tinysr_train.config import load_config

    cfg = load_config(args.config, args.overrides)
    if args.prune_command == "prune":
        from tinysr_train.prune.stage import run_prune

        result = run_prune(cfg)
        state = "" if result.complete else " (search incomplete: rerun to continue it)"
        print(f"prune: keep {result.keep} -> {result.checkpoint}{state}")
        return 0
    from tinysr_train.prune.recoverability import run_recoverability

    command = shlex.join(["tinysr-train", "recoverability", "--config", str(args.config), *args.overrides])
    run_recoverability(cfg, command=command)
    return 0
