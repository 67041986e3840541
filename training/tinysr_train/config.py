"""Configs: YAML files in `training/configs/`, resolved as defaults <- file <- command-line overrides.

Owns loading, merging, override parsing, the canonical config hash and saving the resolved config beside an artifact.
The resolved config is a plain dict of JSON-compatible values (it is embedded in checkpoints and manifests as is).
May import: the standard library, PyYAML and tinysr_train.{errors, atomic} (both standard library only).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from tinysr_train.atomic import atomic_write_text
from tinysr_train.errors import TinySRError

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
DEFAULTS_FILE = CONFIG_DIR / "defaults.yaml"
RESOLVED_CONFIG_NAME = "resolved-config.yaml"

# A config file may name the defaults it builds on (a file name in CONFIG_DIR); the key is consumed, not kept.
DEFAULTS_KEY = "defaults"
# Sections whose `run_dir`, when not set, is `<paths.runs>/<section with dashes>` (e.g. teacher_vae ->
# runs/small/teacher-vae), so a recipe that builds on another moves every stage by setting paths.runs alone.
RUN_DIR_SECTIONS = (
    "teacher_vae", "teacher_latent", "vae_encoder", "vae_decoder", "prune", "recoverability", "restore1", "restore2",
    "eval",
)


class ConfigError(TinySRError):
    """A config that cannot be read or resolved. `code` is stable; the message names the file or key at fault."""


def load_config(
    path: str | Path | None = None,
    overrides: Iterable[str] = (),
    *,
    defaults: str | Path | None = None,
) -> dict[str, Any]:
    """Resolves defaults <- file <- overrides into a plain dict.

    `defaults` (a path, or a file name in CONFIG_DIR) wins over the file's own `defaults:` key, which wins over
    `defaults.yaml`. A defaults file may itself name defaults (a chain); one that names none is the base.
    Overrides are `key.sub=value` with the value parsed as a YAML scalar or flow collection; an override may only
    set a key that the defaults or the file already define (typos fail loudly), unless written `+key.sub=value`.
    A section of RUN_DIR_SECTIONS without a `run_dir` gets `<paths.runs>/<section, dashes for underscores>`, filled
    in before the overrides (so `teacher_vae.run_dir=...` works) and following a `paths.runs=...` override.
    """
    file_values: dict[str, Any] = {}
    if path is not None:
        file_values = _read_yaml_mapping(Path(path))
    named_defaults = file_values.pop(DEFAULTS_KEY, None)
    defaults_path = _resolve_defaults_path(defaults if defaults is not None else named_defaults, path)
    resolved = merge_config(_read_with_defaults(defaults_path), file_values)
    derived = derive_run_dirs(resolved)
    for override in overrides:
        apply_override(resolved, override)
    for section, value in derived.items():  # not overridden itself: follow an overridden paths.runs
        if resolved[section].get("run_dir") == value:
            resolved[section]["run_dir"] = _run_dir(resolved, section)
    _require_json_compatible(resolved, where=str(path or defaults_path))
    return resolved


def derive_run_dirs(cfg: dict[str, Any]) -> dict[str, str]:
    """Fills in `<section>.run_dir` = `<paths.runs>/<section with dashes>` for each section of RUN_DIR_SECTIONS that
    has none (in place); returns what it filled in. Nothing without `paths.runs`."""
    filled: dict[str, str] = {}
    runs = (cfg.get("paths") or {}).get("runs") if isinstance(cfg.get("paths"), Mapping) else None
    if not runs:
        return filled
    for section in RUN_DIR_SECTIONS:
        values = cfg.get(section)
        if isinstance(values, dict) and values.get("run_dir") is None:
            values["run_dir"] = filled[section] = _run_dir(cfg, section)
    return filled


def _run_dir(cfg: Mapping[str, Any], section: str) -> str:
    return f"{str(cfg['paths']['runs']).rstrip('/')}/{section.replace('_', '-')}"


def merge_config(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merges `update` into a copy of `base`: nested mappings merge, anything else is replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_config(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def apply_override(cfg: dict[str, Any], override: str) -> None:
    """Applies one `key.sub=value` (or `+key.sub=value` to add a new key) to `cfg` in place."""
    key_path, sep, raw_value = override.partition("=")
    if not sep or not key_path.strip():
        raise ConfigError(
            "CONFIG_OVERRIDE_SYNTAX",
            f"override {override!r}: expected key.sub=value (for example export.opset=17)",
        )
    adding = key_path.startswith("+")
    keys = key_path.removeprefix("+").strip().split(".")
    if any(not k for k in keys):
        raise ConfigError("CONFIG_OVERRIDE_SYNTAX", f"override {override!r}: empty key segment in {key_path!r}")
    try:
        value = yaml.safe_load(raw_value) if raw_value.strip() else None
    except yaml.YAMLError as err:
        raise ConfigError(
            "CONFIG_OVERRIDE_VALUE",
            f"override {override!r}: value {raw_value!r} is not valid YAML ({_first_line(err)})",
        ) from err
    node: dict[str, Any] = cfg
    for depth, key in enumerate(keys[:-1]):
        child = node.get(key)
        if child is None and adding:
            child = node[key] = {}
        if not isinstance(child, dict):
            where = ".".join(keys[: depth + 1])
            found = "missing" if child is None else f"a {type(child).__name__}"
            raise ConfigError(
                "CONFIG_UNKNOWN_KEY",
                f"override {override!r}: {where!r} is {found}, expected a section; known keys here: {_known(node)}",
            )
        node = child
    leaf = keys[-1]
    if leaf not in node and not adding:
        raise ConfigError(
            "CONFIG_UNKNOWN_KEY",
            f"override {override!r}: no key {key_path!r} in the config; known keys here: {_known(node)}. "
            f"Write +{key_path}=... to add a new key.",
        )
    node[leaf] = value


def canonical_json(cfg: Mapping[str, Any]) -> str:
    """The one serialisation that config hashes are computed on: sorted keys, no whitespace, UTF-8."""
    return json.dumps(cfg, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def config_hash(cfg: Mapping[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON of a resolved config; independent of key order."""
    _require_json_compatible(cfg, where="config")
    return hashlib.sha256(canonical_json(cfg).encode("utf-8")).hexdigest()


def save_resolved_config(cfg: Mapping[str, Any], artifact_dir: str | Path) -> Path:
    """Writes `resolved-config.yaml` (with its hash in a header comment) into `artifact_dir`; returns its path."""
    out_dir = Path(artifact_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / RESOLVED_CONFIG_NAME
    header = f"# Resolved tinysr-train config. configHash: {config_hash(cfg)}\n"
    body = yaml.safe_dump(dict(cfg), sort_keys=True, allow_unicode=True)
    return atomic_write_text(target, header + body)


def config_diff(expected: Mapping[str, Any], found: Mapping[str, Any]) -> list[str]:
    """Dotted keys whose values differ between two configs (added, removed or changed), sorted."""
    flat_expected, flat_found = _flatten(expected), _flatten(found)
    keys = set(flat_expected) | set(flat_found)
    return sorted(k for k in keys if flat_expected.get(k, _MISSING) != flat_found.get(k, _MISSING))


_MISSING = object()


def _flatten(cfg: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in cfg.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


MAX_DEFAULTS_DEPTH = 8


def _read_with_defaults(path: Path, depth: int = 0) -> dict[str, Any]:
    """A config file merged over the chain of files it names as `defaults:`; a file naming none is the base.

    This lets a recipe build on another (recipe-cpu.yaml on recipe-small.yaml) without copying it."""
    values = _read_yaml_mapping(path)
    named = values.pop(DEFAULTS_KEY, None)
    if named is None:
        return values
    if depth >= MAX_DEFAULTS_DEPTH:
        raise ConfigError("CONFIG_INVALID", f"{path}: more than {MAX_DEFAULTS_DEPTH} nested '{DEFAULTS_KEY}' files")
    base = _read_with_defaults(_resolve_defaults_path(named, path), depth + 1)
    return merge_config(base, values)


def _resolve_defaults_path(defaults: Any, config_path: str | Path | None) -> Path:
    if defaults is None:
        return DEFAULTS_FILE
    if not isinstance(defaults, (str, Path)):
        raise ConfigError(
            "CONFIG_INVALID",
            f"{config_path}: '{DEFAULTS_KEY}' must be a file name in {CONFIG_DIR}, found {type(defaults).__name__}",
        )
    candidate = Path(defaults)
    if not candidate.is_absolute() and not candidate.exists():
        candidate = CONFIG_DIR / candidate
    return candidate


def _read_yaml_mapping(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError("CONFIG_NOT_FOUND", f"config file {path} does not exist; configs live in {CONFIG_DIR}")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError("CONFIG_PARSE", f"config file {path} is not valid YAML: {_first_line(err)}") from err
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(
            "CONFIG_INVALID", f"config file {path}: expected a mapping at the top level, found {type(loaded).__name__}"
        )
    return loaded


def _require_json_compatible(value: Any, *, where: str, key: str = "") -> None:
    """Rejects values that would not survive JSON (YAML dates, non-string keys, NaN), naming the key."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ConfigError("CONFIG_INVALID", f"{where}: key {k!r} under {key or '<root>'!r} must be a string")
            _require_json_compatible(v, where=where, key=f"{key}.{k}" if key else k)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _require_json_compatible(item, where=where, key=f"{key}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ConfigError("CONFIG_INVALID", f"{where}: {key!r} is {value}, expected a finite number")
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise ConfigError(
            "CONFIG_INVALID",
            f"{where}: {key!r} holds a {type(value).__name__} ({value!r}); quote it to make it a string",
        )


def _known(node: Mapping[str, Any]) -> str:
    return ", ".join(sorted(node)) or "(none)"


def _first_line(err: Exception) -> str:
    return " ".join(str(err).split())


def emit_report(text: str, out: Path | None) -> None:
    """How the report commands (`report-vae`, `report-warm`) deliver their markdown: printed, or written atomically to
    `--out` with a line saying so."""
    if out is None:
        print(text, end="")
        return
    atomic_write_text(out, text)
    print(f"wrote {out}")


def add_recipe_arguments(parser: argparse.ArgumentParser, example: str) -> None:
    """`--config FILE` (required) and trailing `KEY=VALUE` overrides: how every recipe-driven command reads its recipe
    (pass both to `load_config`). `example` is one override shown in the help, e.g. "prune.steps=4"."""
    parser.add_argument("--config", required=True, type=Path, help="recipe YAML (defaults <- this file <- overrides)")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help=f"config overrides such as {example}")
