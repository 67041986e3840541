"""CLI command `tinysr-train train-student`: runs (or resumes) the student's latent-distillation loop from a config.

Owns the command's arguments and printed report; the loop is `student_distill.train_student`.
May import: argparse at module level; the config and training modules inside `run` (keeps `--help` fast).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train-student",
        help="train the TinySR student by latent distillation (checkpoints and resumes)",
        description=(
            "Distils the student's output latent to the teacher's for train.steps steps, saving a checkpoint (with the "
            "resolved config inside) every train.checkpoint_every steps into train.run_dir, and resuming from the last "
            "one found there."
        ),
        epilog="example: tinysr-train train-student --config configs/train-student-smoke.yaml train.steps=4",
    )
    parser.add_argument("--config", required=True, type=Path, help="YAML config (defaults <- this file <- overrides)")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides such as train.steps=4")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tinysr_train.config import load_config
    from tinysr_train.train.student_distill import train_student

    result = train_student(load_config(args.config, args.overrides))
    if not result.losses:
        print(f"nothing to do: the run is already at step {result.step} (raise train.steps to continue)")
    return 0
