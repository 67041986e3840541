"""Export of the TinySR pipeline named by a config: registry name + checkpoint (or seeded random weights) -> cache() ->
one end-to-end tile graph with its manifest; plus the per-tile onnxruntime CPU latency measurement.

Config keys read: seed, model.registry, model.checkpoint, export.* (see training/configs/defaults.yaml).
A checkpoint's `model_state` is a TinySRPipeline state_dict (uncached, as training keeps it), bare or as the stage
runner's `pipeline.*` group; its optional `extra` keys `keep` (the learned keep-list; else the registry's), `weights`
('trained'|'imported'), `teacher` and `data` fill the model and the manifest's provenance.
May import: torch, numpy, tinysr_train.{registry, models, checkpoint, config}, tinysr_train.export.*.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tinysr_train.checkpoint import load_checkpoint
from tinysr_train.export.errors import ExportError
from tinysr_train.export.onnx_export import ExportResult, export_onnx
from tinysr_train.export.onnx_runtime import open_session, run_session
from tinysr_train.models import TinySRPipeline, build_pipeline
from tinysr_train.models.lr_input import SCALE
from tinysr_train.registry import ModelConfig, config_names, get_config
from tinysr_train.train.runner import module_state

CHECKPOINT_WEIGHTS = ("trained", "imported")
# The module name restoration checkpoints store the pipeline under (see train/runner.py's checkpoint layout).
PIPELINE_MODULE = "pipeline"


def export_tinysr(cfg: dict[str, Any], *, out_dir: str | Path, ort_threads: int = 1) -> ExportResult:
    """Builds, caches and exports the pipeline of `cfg` into `out_dir`; refuses to export without weights unless
    export.random_weights is true."""
    spec = cfg["export"]
    _require(spec.get("id") and spec.get("name"), "export.id and export.name must be set (model folder and name)")
    pipeline, provenance = load_pipeline(cfg)
    pipeline.eval().cache()
    tile = pipeline.config.lr_tile
    example = torch.rand(1, 3, tile, tile, generator=torch.Generator().manual_seed(int(cfg["seed"])))
    return export_onnx(
        pipeline,
        out_dir=out_dir,
        model_id=spec["id"],
        name=spec["name"],
        description=spec["description"],
        summary=spec.get("summary", ""),  # optional: a recipe may give the app's card a plain-words summary
        version=spec["version"],
        family="tinysr",
        scale=SCALE,
        tile={"mode": "fixed", "size": tile},
        overlap=spec["overlap"],
        receptive_field=None,  # attention spans the whole tile: unbounded within it
        color_fix=spec["color_fix"],
        license=spec["license"],
        provenance=provenance,
        example_input=example,
        fp16=spec["fp16"],
        opset=spec["opset"],
        ort_threads=ort_threads,
    )


def load_pipeline(cfg: dict[str, Any]) -> tuple[TinySRPipeline, dict[str, Any]]:
    """The uncached pipeline of `cfg` with its weights, and the manifest provenance describing them."""
    registry_name = cfg["model"]["registry"]
    _require(
        registry_name in config_names(), f"model.registry must be one of {config_names()}, found {registry_name!r}"
    )
    checkpoint_path = cfg["model"]["checkpoint"]
    random_weights = bool(cfg["export"]["random_weights"])
    if checkpoint_path is None and not random_weights:
        raise ExportError(
            "EXPORT_NO_WEIGHTS",
            f"no weights to export for {registry_name!r}: set model.checkpoint=PATH (a tinysr-train checkpoint), "
            "or pass --random-weights to export untrained test weights",
        )
    _require(
        checkpoint_path is None or not random_weights,
        "model.checkpoint and --random-weights (export.random_weights) exclude each other",
    )
    provenance = {
        "weights": "random-init",
        "teacher": cfg["export"]["provenance"]["teacher"],
        "data": cfg["export"]["provenance"]["data"],
        "config": cfg,
    }
    if checkpoint_path is None:
        return _seeded_pipeline(get_config(registry_name), int(cfg["seed"])), provenance
    checkpoint = load_checkpoint(checkpoint_path)
    trained_on = checkpoint.config.get("model", {}).get("registry")
    _require(
        trained_on in (None, registry_name),
        f"checkpoint {checkpoint_path} holds a {trained_on!r} model but model.registry is {registry_name!r}",
    )
    # A learned keep-list travels in the checkpoint (the prune stage writes it, restoration copies it).
    keep = checkpoint.extra.get("keep")
    model_cfg = get_config(registry_name)
    if keep is not None:
        model_cfg = replace(model_cfg, keep=tuple(int(layer) for layer in keep))
    pipeline = _seeded_pipeline(model_cfg, int(cfg["seed"]))
    state = pipeline_state(checkpoint.model_state)
    missing, unexpected = _state_mismatch(pipeline, state)
    if missing or unexpected:
        raise ExportError(
            "EXPORT_CHECKPOINT_STATE",
            f"checkpoint {checkpoint_path} does not hold a {registry_name!r} TinySRPipeline state_dict: "
            f"{len(missing)} missing keys (e.g. {missing[:3]}), {len(unexpected)} unexpected (e.g. {unexpected[:3]})",
        )
    pipeline.load_state_dict(state, strict=True)
    weights = checkpoint.extra.get("weights", "trained")
    _require(
        weights in CHECKPOINT_WEIGHTS,
        f"checkpoint extra.weights must be one of {CHECKPOINT_WEIGHTS}, found {weights!r}",
    )
    provenance.update(
        weights=weights,
        teacher=checkpoint.extra.get("teacher", provenance["teacher"]),
        data=checkpoint.extra.get("data", provenance["data"]),
        # The training recipe travels with the export: the checkpoint's own resolved config and step.
        config={
            **cfg,
            "checkpoint": {"step": checkpoint.step, "configHash": checkpoint.config_hash, "config": checkpoint.config},
        },
    )
    return pipeline, provenance


def pipeline_state(model_state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The TinySRPipeline state of a checkpoint: a stage runner's `pipeline.*` group, or a bare pipeline state_dict."""
    grouped = module_state(model_state, PIPELINE_MODULE)
    return grouped if grouped else dict(model_state)


def _seeded_pipeline(model_cfg: ModelConfig, seed: int) -> TinySRPipeline:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build_pipeline(model_cfg)


def time_tile(model_path: Path, *, tile_lr: int, threads: int, repeats: int = 2) -> float:
    """Best wall time (s) of `repeats` onnxruntime CPU runs of one tile, after one warm-up run."""
    session = open_session(model_path, threads=threads)
    tile = np.random.default_rng(0).random((1, 3, tile_lr, tile_lr), dtype=np.float32)
    run_session(session, tile)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        run_session(session, tile)
        timings.append(time.perf_counter() - start)
    return min(timings)


def _state_mismatch(pipeline: TinySRPipeline, state: dict[str, torch.Tensor]) -> tuple[list[str], list[str]]:
    expected = set(pipeline.state_dict())
    return sorted(expected - set(state)), sorted(set(state) - expected)


def _require(condition: object, message: str) -> None:
    if not condition:
        raise ExportError("EXPORT_CONFIG", message)
