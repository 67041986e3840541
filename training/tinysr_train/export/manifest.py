"""The model manifest the app reads (`<model folder>/manifest.json`): assembly, validation against
`native-models/manifest.schema.json` (generated from electron/core/shared/manifest.ts, the contract) and file entries.

May import: the standard library, jsonschema, tinysr_train.config, tinysr_train.export.errors.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

import tinysr_train
from tinysr_train.atomic import atomic_write_text
from tinysr_train.config import config_hash
from tinysr_train.export.errors import ExportError

MANIFEST_SCHEMA_VERSION = 1
MANIFEST_NAME = "manifest.json"
REPO_ROOT = Path(__file__).resolve().parents[3]
SCHEMA_PATH = REPO_ROOT / "native-models" / "manifest.schema.json"
EXPORTER = f"tinysr-train {tinysr_train.__version__}"


def file_entry(path: Path, *, dtype: str = "float32") -> dict[str, Any]:
    """The manifest's description of one model file: name inside the folder, sha256, byte size, I/O dtype."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return {"path": path.name, "sha256": digest.hexdigest(), "bytes": path.stat().st_size, "dtype": dtype}


def build_manifest(
    *,
    model_id: str,
    name: str,
    version: str,
    description: str,
    family: str,
    scale: int,
    files: Mapping[str, Any],
    input_name: str,
    output_name: str,
    opset: int,
    tile: Mapping[str, Any],
    overlap: int,
    receptive_field: int | None,
    color_fix: str,
    cost: Mapping[str, Any],
    license: Mapping[str, Any],
    provenance: Mapping[str, Any],
    parity: Mapping[str, float],
    quality: list[Mapping[str, Any]] | None,
    summary: str = "",
) -> dict[str, Any]:
    """Assembles a manifest dict in the contract's shape; `provenance` holds weights, teacher, data and config."""
    config = dict(provenance["config"])
    manifest: dict[str, Any] = {
        "schemaVersion": MANIFEST_SCHEMA_VERSION,
        "id": model_id,
        "name": name,
        "version": version,
        "description": description,
        "family": family,
        "scale": scale,
        "files": dict(files),
        "io": {
            "input": input_name,
            "output": output_name,
            "layout": "NCHW",
            "channels": 3,
            "colorOrder": "RGB",
            "range": [0, 1],
            "dynamicBatch": True,
            "opset": opset,
        },
        "tile": dict(tile),
        "overlap": overlap,
        "colorFix": color_fix,
        "cost": dict(cost),
        "license": {k: v for k, v in license.items() if v not in (None, "")},
        "provenance": {
            "weights": provenance["weights"],
            "teacher": provenance.get("teacher", ""),
            "data": provenance.get("data", ""),
            "configHash": config_hash(config),
            "config": config,
            "exporter": EXPORTER,
            "createdAt": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "parity": dict(parity),
        },
        "quality": [dict(q) for q in quality or []],
    }
    if summary:  # what the app's model card says in plain words
        manifest["summary"] = summary
    if receptive_field is not None:
        manifest["receptiveField"] = receptive_field
    return manifest


def validate_manifest(manifest: Mapping[str, Any], *, source: str = "manifest") -> None:
    """Raises ExportError('MANIFEST_INVALID') naming every violation of the JSON Schema (and the tile rule's order)."""
    validator = jsonschema.Draft202012Validator(_schema())
    problems = [
        f"{'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
        for err in sorted(validator.iter_errors(manifest), key=lambda e: list(map(str, e.absolute_path)))
    ]
    tile = manifest.get("tile", {})
    # The zod schema's refine (min <= default <= max) does not survive into the JSON Schema; check it here.
    if tile.get("mode") == "free" and not tile.get("min", 0) <= tile.get("default", 0) <= tile.get("max", 0):
        problems.append(f"tile: expected min <= default <= max, found {tile}")
    if problems:
        raise ExportError(
            "MANIFEST_INVALID", f"{source} does not follow {SCHEMA_PATH}:\n  " + "\n  ".join(problems)
        )


def write_manifest(manifest: Mapping[str, Any], folder: Path) -> Path:
    """Validates, then writes `manifest.json` into `folder` (tmp + rename); returns its path."""
    validate_manifest(manifest, source=str(folder / MANIFEST_NAME))
    target = folder / MANIFEST_NAME
    return atomic_write_text(target, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def read_manifest(folder: Path) -> dict[str, Any]:
    """Reads and validates `<folder>/manifest.json`."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise ExportError("MANIFEST_NOT_FOUND", f"no {MANIFEST_NAME} in {folder}")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    validate_manifest(manifest, source=str(path))
    return manifest


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    if not SCHEMA_PATH.is_file():
        raise ExportError(
            "MANIFEST_SCHEMA_MISSING",
            f"the manifest JSON Schema {SCHEMA_PATH} is missing; regenerate it with `npm run gen:schema`",
        )
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
