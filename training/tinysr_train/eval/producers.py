"""The methods an evaluation compares, each a producer of x4 SR images for an LR image.

Specs (the `eval.methods` list; `LABEL=SPEC` renames one):
- `bicubic`, `lanczos`: PIL's resize (the conventional interpolation baselines).
- `reference`: the recipe's reference teacher (`reference.model`: Real-ESRGAN x4plus, or the random stand-in of smoke
  runs, labelled as such), whole image, clamped and rounded as Real-ESRGAN writes its outputs.
- `folder:PATH`: precomputed outputs with the LR file names (e.g. the OSEDiff reference outputs). A relative PATH is
  looked up beside the set's LR folder first (so `folder:osediff_reference` works for every set), then from the
  working directory; `{set}` in PATH is replaced by the set name.
- `onnx:PATH`: an exported model folder (manifest.json + its fp32 file) or a .onnx file beside its manifest, run by
  onnxruntime through the app's tiling (manifest tile/overlap/receptiveField) and colour fix (manifest colorFix).
- `checkpoint:PATH`: a stage checkpoint holding module `pipeline` (or a run folder: its latest checkpoint), run in
  torch through the same tiler with the export settings of the recipe (`export.overlap`, `export.color_fix`), i.e.
  what its export would do in the app.

Owns: parsing specs, the producers, and each method's identity (what a cached output was made from).
May import: numpy, pillow, torch, onnxruntime (inside the onnx producer), `tinysr_train.{checkpoint, export, data,
models, reference, registry}`, `.tiler`, `.errors`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from tinysr_train.data.reference_teacher import file_sha256
from tinysr_train.models.lr_input import SCALE, bicubic_up

from .errors import EvalError
from .tiler import upscale_tiled

Upscale = Callable[[torch.Tensor], torch.Tensor]  # 1 x 3 x h x w in [0, 1] -> 1 x 3 x 4h x 4w in [0, 1]
MODEL_KINDS = ("reference", "onnx", "checkpoint")  # methods that are models (vs interpolation and precomputed files)


@dataclass(frozen=True)
class Method:
    label: str
    kind: str  # bicubic | lanczos | reference | folder | onnx | checkpoint
    spec: str
    description: str  # what the report says about it
    identity: str  # changes whenever its outputs would: cached outputs made under another identity are discarded
    folder: Path | None = None  # precomputed outputs (kind folder)
    upscale: Upscale | None = None

    @property
    def slug(self) -> str:
        return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in self.label)


def _pil_resize(resample: Image.Resampling) -> Upscale:
    def upscale(lr: torch.Tensor) -> torch.Tensor:
        pixels = (lr[0].permute(1, 2, 0).numpy() * 255.0).round().astype(np.uint8)
        image = Image.fromarray(pixels).resize((pixels.shape[1] * SCALE, pixels.shape[0] * SCALE), resample)
        return torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)

    return upscale


def _interpolation(kind: str, label: str) -> Method:
    resample = Image.Resampling.BICUBIC if kind == "bicubic" else Image.Resampling.LANCZOS
    return Method(label, kind, kind, f"PIL {kind} x{SCALE}", f"pil-{kind}", upscale=_pil_resize(resample))


def _reference(cfg: Mapping[str, Any], label: str) -> Method:
    from tinysr_train.data.reference_teacher import load_reference_teacher, upscale_uint8

    model = str(cfg.get("reference", {}).get("model", "realesrgan-x4plus"))
    teacher = load_reference_teacher(model, int(cfg.get("seed", 0)))

    def upscale(lr: torch.Tensor) -> torch.Tensor:
        return upscale_uint8(teacher.module, (lr * 255.0).round().to(torch.uint8)).float() / 255.0

    note = teacher.provenance.get("note")
    description = f"reference teacher {model} ({teacher.provenance.get('arch')}), whole image" + (
        f"; {note}" if note else ""
    )
    identity = json.dumps({"model": model, "sha256": teacher.provenance.get("sha256"), "seed": cfg.get("seed")})
    return Method(label, "reference", "reference", description, identity, upscale=upscale)


def _folder(path_text: str, label: str | None, set_name: str, lr_dir: Path) -> Method:
    text = path_text.replace("{set}", set_name)
    path = Path(text)
    if not path.is_absolute() and (lr_dir.parent / path).is_dir():
        path = lr_dir.parent / path
    if not path.is_dir():
        raise EvalError("EVAL_METHOD", f"folder:{path_text}: no folder {path} (nor beside {lr_dir})")
    description = f"precomputed outputs in {path}"
    return Method(label or path.name, "folder", f"folder:{path_text}", description, str(path), path)


def _with_color_fix(run: Upscale, color_fix: str) -> Upscale:
    from tinysr_train.models.colorfix import adain_color_fix, wavelet_color_fix

    if color_fix == "none":
        return run

    def fixed(lr: torch.Tensor) -> torch.Tensor:
        sr = run(lr)
        if color_fix == "adain":
            # The app matches the LR image's own statistics; a nearest x4 copy has exactly the LR mean and std.
            return adain_color_fix(sr, F.interpolate(lr, scale_factor=SCALE, mode="nearest"))
        return wavelet_color_fix(sr, bicubic_up(lr))

    return fixed


def _tiled(
    run_tiles: Callable[[torch.Tensor], torch.Tensor], tile: Mapping[str, Any], overlap: int, margin: int | None
) -> Upscale:
    def upscale(lr: torch.Tensor) -> torch.Tensor:
        side = int(tile["size"]) if tile["mode"] == "fixed" else _free_side(tile, lr.shape[-2:])
        out = upscale_tiled(lr, run_tiles, tile=side, scale=SCALE, overlap=min(overlap, side - 1), margin=margin)
        return out.clamp(0.0, 1.0)

    return upscale


def _free_side(tile: Mapping[str, Any], size: torch.Size) -> int:
    """A free-size model: the whole image as one tile when it fits `max`, else tiles of the model's default side."""
    longest, step = max(int(size[0]), int(size[1])), int(tile["multipleOf"])
    whole = -(-longest // step) * step
    return max(whole, int(tile["min"])) if whole <= int(tile["max"]) else int(tile["default"])


def _margin(receptive_field: int | None, overlap: int) -> int | None:
    # As the app's engine: the receptive field when the overlap leaves room for it, else the tiler's default.
    return receptive_field if receptive_field is not None and 2 * receptive_field < overlap else None


def onnx_model_folder(path_text: str) -> Path:
    """The model folder of an `onnx:PATH` spec: PATH itself, or the folder of the model file PATH names."""
    path = Path(path_text)
    return path if path.is_dir() else path.parent


def _onnx(path_text: str, label: str | None) -> Method:
    from tinysr_train.export.manifest import read_manifest
    from tinysr_train.export.onnx_runtime import open_session, run_session

    path = Path(path_text)
    folder = onnx_model_folder(path_text)
    try:
        manifest = read_manifest(folder)
    except Exception as err:  # ExportError: missing or invalid manifest
        raise EvalError("EVAL_METHOD", f"onnx:{path_text}: {err}") from err
    model_file = path if path.is_file() else folder / manifest["files"]["fp32"]["path"]
    if not model_file.is_file():
        raise EvalError("EVAL_METHOD", f"onnx:{path_text}: model file {model_file} not found")
    session = open_session(model_file, threads=torch.get_num_threads())

    def run_tiles(batch: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(run_session(session, batch.float().numpy()))

    overlap = int(manifest["overlap"])
    upscale = _tiled(run_tiles, manifest["tile"], overlap, _margin(manifest.get("receptiveField"), overlap))
    upscale = _with_color_fix(upscale, manifest["colorFix"])
    description = (
        f"ONNX {manifest['id']} {manifest['version']} ({model_file.name}), tile {manifest['tile']}, overlap {overlap}, "
        f"colour fix {manifest['colorFix']}, weights {manifest['provenance']['weights']}"
    )
    identity = json.dumps({"onnx": str(model_file), "sha256": file_sha256(model_file)})
    return Method(label or manifest["id"], "onnx", f"onnx:{path_text}", description, identity, upscale=upscale)


def _checkpoint(path_text: str, label: str | None, cfg: Mapping[str, Any]) -> Method:
    from tinysr_train.checkpoint import load_checkpoint
    from tinysr_train.export.tinysr import load_pipeline
    from tinysr_train.train.runner import latest_checkpoint

    path = Path(path_text)
    if path.is_dir():
        found = latest_checkpoint(path)
        if found is None:
            raise EvalError("EVAL_METHOD", f"checkpoint:{path_text}: no step-*.pt checkpoint in {path}")
        path = found
    if not path.is_file():
        raise EvalError("EVAL_METHOD", f"checkpoint:{path_text}: {path} not found")
    registry = load_checkpoint(path).config.get("model", {}).get("registry") or cfg["model"]["registry"]
    export_cfg = cfg.get("export", {})
    load_cfg = {
        "seed": cfg.get("seed", 0),
        "model": {"registry": registry, "checkpoint": str(path)},
        "export": {"random_weights": False, "provenance": {"teacher": "", "data": ""}},
    }
    pipeline, provenance = load_pipeline(load_cfg)
    pipeline.eval()
    overlap = int(export_cfg.get("overlap", 16))
    color_fix = str(export_cfg.get("color_fix", "adain"))

    @torch.inference_mode()
    def run_tiles(batch: torch.Tensor) -> torch.Tensor:
        return pipeline(batch.float())

    tile = {"mode": "fixed", "size": pipeline.config.lr_tile}
    upscale = _with_color_fix(_tiled(run_tiles, tile, overlap, None), color_fix)
    description = (
        f"checkpoint {path} ({registry}, weights {provenance['weights']}), torch, tile {pipeline.config.lr_tile}, "
        f"overlap {overlap}, colour fix {color_fix}"
    )
    identity = json.dumps({"checkpoint": str(path), "sha256": file_sha256(path), "overlap": overlap, "fix": color_fix})
    return Method(label or f"checkpoint-{path.parent.name}", "checkpoint", f"checkpoint:{path_text}", description,
                  identity, upscale=upscale)


def parse_method(spec: str, cfg: Mapping[str, Any], *, set_name: str, lr_dir: Path) -> Method:
    """The Method for one entry of `eval.methods` (see the module docstring); EvalError('EVAL_METHOD') if unknown."""
    label, _, body = spec.partition("=") if "=" in spec.split(":", 1)[0] else ("", "", spec)
    kind, _, argument = body.partition(":")
    if kind in ("bicubic", "lanczos") and not argument:
        return _interpolation(kind, label or kind)
    if kind == "reference" and not argument:
        return _reference(cfg, label or "reference")
    if kind == "folder" and argument:
        return _folder(argument, label or None, set_name, lr_dir)
    if kind == "onnx" and argument:
        return _onnx(argument, label or None)
    if kind == "checkpoint" and argument:
        return _checkpoint(argument, label or None, cfg)
    raise EvalError(
        "EVAL_METHOD",
        f"eval.methods: cannot parse {spec!r}; expected bicubic, lanczos, reference, folder:PATH, onnx:PATH or "
        "checkpoint:PATH, optionally prefixed LABEL=",
    )
