"""`python -m tinysr_train.recipe_value CONFIG KEY [--latest-checkpoint]`: prints one value of a resolved recipe, for
shell scripts such as scripts/train-small.sh (so they never parse YAML themselves).

With --latest-checkpoint, KEY must name a stage's run_dir and the path of its latest checkpoint is printed instead
(exit 2 with the STAGE_NOT_RUN message when there is none). May import: the standard library, config, train.runner.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tinysr_train.config import ConfigError, load_config


def lookup(cfg: dict[str, Any], dotted: str) -> Any:
    node: Any = cfg
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError("CONFIG_UNKNOWN_KEY", f"the recipe has no key {dotted!r} (missing at {part!r})")
        node = node[part]
    return node


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinysr_train.recipe_value")
    parser.add_argument("config", type=Path)
    parser.add_argument("key")
    parser.add_argument("--latest-checkpoint", action="store_true")
    args = parser.parse_args(argv)
    try:
        value = lookup(load_config(args.config), args.key)
        if args.latest_checkpoint:
            from tinysr_train.train.runner import StageError, stage_output

            try:
                value = stage_output(Path(str(value)), args.key.split(".")[0].replace("_", "-"))
            except StageError as err:
                raise ConfigError(err.code, str(err)) from err
    except ConfigError as err:
        print(f"error [{err.code}]: {err}", file=sys.stderr)
        return 2
    print("" if value is None else value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
