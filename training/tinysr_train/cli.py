"""`tinysr-train`: the training workspace's command line. Owns argument dispatch and error reporting only.

Each command lives in its own module, listed in COMMAND_MODULES, which exposes `register(subparsers) -> None` adding its
parser with `set_defaults(func=run)`, where `run(args) -> int`. Command modules keep heavy imports (torch, diffusers)
inside `run`, so `tinysr-train --help` stays fast; a module that fails to import is reported and the rest still work.
Errors that carry a stable `code` attribute (ConfigError, CheckpointError, ExportError, ...) print as one line
`error [CODE]: message` and exit with status 2.
May import: the standard library and the command modules listed below.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from tinysr_train import __version__

COMMAND_MODULES: tuple[str, ...] = (
    "tinysr_train.profiling.command",  # profile
    "tinysr_train.train.command",  # training stages
    "tinysr_train.train.vae_command",  # vae-compress, report-vae (the tiny VAE)
    "tinysr_train.train.warm_command",  # report-warm (the warm-started recipe, stage by stage)
    "tinysr_train.train.teacher_command",  # teacher-vae, teacher-latent (the small latent teacher)
    "tinysr_train.importers.command",  # import-* from real checkpoints
    "tinysr_train.export.command",  # export, fixtures
    "tinysr_train.reference.command",  # reference (Real-ESRGAN from ncnn)
    "tinysr_train.data.command",  # data pairs (Real-ESRGAN degradations)
    "tinysr_train.eval.command",  # eval, eval-fetch, eval-validate (quality tables, comparison sheets)
    "tinysr_train.prune.command",  # prune, recoverability (depth pruning, paper Tab. 2 / C.2)
)

EXIT_USAGE_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinysr-train",
        description="TinySR training workspace: profile, train, import and export the models TinySR Studio runs.",
    )
    parser.add_argument("--version", action="version", version=f"tinysr-train {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except Exception as err:  # a broken command module must not take the others (or --help) down
            print(f"warning: commands from {module_name} are unavailable: {err}", file=sys.stderr)
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return EXIT_USAGE_ERROR
    try:
        return int(args.func(args))
    except Exception as err:
        code = getattr(err, "code", None)
        if not isinstance(code, str):
            raise
        print(f"error [{code}]: {err}", file=sys.stderr)
        return EXIT_USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
