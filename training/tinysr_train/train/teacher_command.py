"""CLI commands `tinysr-train teacher-vae` and `tinysr-train teacher-latent`: the small latent teacher's two stages.

Owns the commands' arguments and printed report; the stages are `teacher_vae.train_teacher_vae` and
`teacher_latent.train_teacher_latent`. May import: argparse, tinysr_train.config (stdlib + PyYAML only) at module level;
the config and stage modules inside `run` (keeps `--help` fast).
"""

from __future__ import annotations

import argparse

from tinysr_train.config import add_recipe_arguments

EXAMPLE_CONFIG = "configs/recipe-smoke.yaml"
COMMANDS = {
    "teacher-vae": (
        "train the small latent teacher's SD3-layout VAE on cached HQ and reference-teacher pixels",
        "Trains the AutoencoderKL of model.registry from scratch (L1 + KL, optional perceptual) for teacher_vae.steps "
        "steps on paths.cache, checkpointing module `vae` into teacher_vae.run_dir and resuming from it.",
        "teacher_vae.steps=4",
    ),
    "teacher-latent": (
        "train the small latent teacher's 24-layer transformer one-step inside the trained VAE",
        "Trains the SD3 transformer of model.registry from scratch to map the VAE latent of bicubic x4 LQ to the "
        "latent of the reference teacher's output, for teacher_latent.steps steps; needs `tinysr-train teacher-vae` "
        "first. Checkpoints module `teacher` (the whole TSDSRTeacher) into teacher_latent.run_dir and resumes from it.",
        "teacher_latent.steps=4",
    ),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    for command, (summary, description, override) in COMMANDS.items():
        parser = subparsers.add_parser(
            command,
            help=summary,
            description=description,
            epilog=f"example: tinysr-train {command} --config {EXAMPLE_CONFIG} {override}",
        )
        add_recipe_arguments(parser, override)
        parser.set_defaults(func=run, teacher_stage=command)


def run(args: argparse.Namespace) -> int:
    from tinysr_train.config import load_config
    from tinysr_train.train.teacher_latent import train_teacher_latent
    from tinysr_train.train.teacher_vae import train_teacher_vae

    train = {"teacher-vae": train_teacher_vae, "teacher-latent": train_teacher_latent}[args.teacher_stage]
    result = train(load_config(args.config, args.overrides))
    if result.losses:
        last = ", ".join(f"{key} {value:.4g}" for key, value in result.losses[-1].items())
        print(f"{args.teacher_stage}: step {result.step} ({last}); checkpoint {result.checkpoints[-1]}")
    return 0
