"""Importer (b): the authors' TinySR release -> a merged TinySR student + tiny VAE (a TinySRPipeline).

Owns the release's on-disk layout, the checks that it fits a registry config, and the assembly of the pipeline. Writing
a checkpoint and exporting are the caller's (see `command.py`); this module only builds the uncached pipeline.
May import: torch, diffusers' SD3Transformer2DModel, safetensors, tinysr_train.{registry, models},
tinysr_train.importers.errors.

The release layout, as the authors' inference script (Microtreei/TinySR `test/test_tinysr.py`) loads it. Where a
detail is not visible in their code it is marked ASSUMED; a mismatch raises an error naming the missing and unexpected
keys.
- Transformer folder (`--transformer`): a diffusers model folder, `config.json` + `diffusion_pytorch_model.safetensors`
  (or a sharded `.safetensors.index.json`), of an SD3Transformer2DModel whose config has num_layers = the kept depth
  (12) with the full-size block structure. The folder itself or its parent holding `transformer/` is accepted (the
  authors pass the parent with subfolder="transformer"). Tolerated, because the authors' pruned class has or lacks them:
  cached-modulation buffers (`scale`, `shift`, `transformer_blocks.N.{shift,scale,gate}_{msa,mlp}`; ASSUMED present in
  some saves, ignored), a `pos_embed.pos_embed` of another shape (ignored: the student's fixed crop is recomputed), and
  absent context-stream weights (the student drops that stream).
- LoRA file (`--lora`): the authors' `transformer.safetensors`, keys `transformer.<module>.lora_A.weight` / `lora_B`
  (PEFT names with a "transformer." prefix, as their loader expects); rank 64 on to_q/k/v, to_out.0, proj, linear,
  linear_1, linear_2, net.2. alpha = rank (their LoraConfig) unless `lora_alpha` or an `adapter_config.json` beside the
  file says otherwise. Every image-path module those targets select must have a pair (their loader fails otherwise).
- Tiny VAE folder (`--vae`): `diffusion_pytorch_model.safetensors` (+ optional `config.json`) of their AutoencoderTiny
  variant: keys `encoder.layers.N...` / `decoder.layers.N...`, `depthwise`/`pointwise` inside separable convs. The
  variant and width are read from the keys; `scaling_factor` from config.json (default 1.0, as diffusers'
  AutoencoderTiny). Variant, width and scale must equal the registry's tiny VAE (the export rebuilds it from there).
- Conditioning (`--conditioning`, optional): the pooled default-prompt embedding (1 x 2048): their `pool_embeds.pt`
  (a bare tensor), a folder holding it, or a safetensors file with `pooled_prompt_embeds`. Without it the registry's
  configured constant is used (fine for tests, wrong for real weights: the command warns).
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from diffusers import SD3Transformer2DModel
from safetensors.torch import load_file

from tinysr_train.importers.errors import ImportWeightsError, key_mismatch_error
from tinysr_train.models import (
    MissingWeightsError,
    TinySRPipeline,
    TinySRTransformer,
    build_tiny_vae,
    load_lora_file,
    make_conditioning,
    merge_lora,
)
from tinysr_train.models.weights import DIFFUSERS_INDEX, DIFFUSERS_WEIGHTS, check_config_matches
from tinysr_train.registry import ModelConfig

CONFIG_NAME = "config.json"
TRANSFORMER_SUBFOLDER = "transformer"
LORA_PREFIX = "transformer"
ADAPTER_CONFIG_NAME = "adapter_config.json"
POOLED_FILE_NAME = "pool_embeds.pt"
POOLED_KEY = "pooled_prompt_embeds"
SAFETENSORS_SUFFIX = ".safetensors"

# TinySR's student LoRA targets (spec section 2), in PEFT's target_modules form.
STUDENT_LORA_TARGETS: tuple[str, ...] = (
    "to_q", "to_k", "to_v", "to_out.0", "proj", "linear", "linear_1", "linear_2", "net.2"
)
# Module-name fragments of SD3's context stream, which the student removes (their weights may be absent).
CONTEXT_STREAM_MARKERS: tuple[str, ...] = (
    "context_embedder", "norm1_context", "ff_context", "add_q_proj", "add_k_proj", "add_v_proj", "to_add_out"
)
_CACHED_MODULATION_KEY = re.compile(r"^(scale|shift|transformer_blocks\.\d+\.(shift|scale|gate)_(msa|mlp))$")
_POS_EMBED_KEY = "pos_embed.pos_embed"
_HINT = (
    "Point --transformer at the pruned transformer folder (e.g. checkpoint/tinybackbone/prune-12-merge-tinysr), "
    "--lora at the LoRA file (checkpoint/tinysr/transformer.safetensors) and --vae at the tiny VAE folder "
    "(checkpoint/vae/separable)."
)


@dataclass(frozen=True)
class ReleaseFiles:
    """Resolved paths of one release; `missing()` lists every absent file."""

    transformer_dir: Path
    lora_file: Path
    vae_dir: Path
    conditioning: Path | None

    @classmethod
    def resolve(
        cls, transformer: str | Path, lora: str | Path, vae: str | Path, conditioning: str | Path | None = None
    ) -> ReleaseFiles:
        transformer_dir = Path(transformer)
        nested = transformer_dir / TRANSFORMER_SUBFOLDER
        if not (transformer_dir / CONFIG_NAME).is_file() and (nested / CONFIG_NAME).is_file():
            transformer_dir = nested
        return cls(transformer_dir, Path(lora), Path(vae), Path(conditioning) if conditioning is not None else None)

    def transformer_files(self) -> list[Path]:
        index = self.transformer_dir / DIFFUSERS_INDEX
        if index.is_file():
            shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
            return [self.transformer_dir / CONFIG_NAME, index, *(self.transformer_dir / s for s in shards)]
        return [self.transformer_dir / CONFIG_NAME, self.transformer_dir / DIFFUSERS_WEIGHTS]

    def transformer_weights(self) -> list[Path]:
        return [p for p in self.transformer_files() if p.name.endswith(SAFETENSORS_SUFFIX)]

    def conditioning_file(self) -> Path | None:
        if self.conditioning is not None and self.conditioning.is_dir():
            return self.conditioning / POOLED_FILE_NAME
        return self.conditioning

    def missing(self) -> list[Path]:
        # The tiny VAE's config.json is optional (only scaling_factor is read from it).
        required = [*self.transformer_files(), self.lora_file, self.vae_dir / DIFFUSERS_WEIGHTS]
        conditioning = self.conditioning_file()
        if conditioning is not None:
            required.append(conditioning)
        return [path for path in required if not path.is_file()]


def import_tinysr(
    files: ReleaseFiles, cfg: ModelConfig, *, lora_alpha: float | None = None
) -> TinySRPipeline:
    """The release's transformer with its LoRA merged, cut to the image-only student, plus its tiny VAE (uncached).

    `cfg` is the registry config whose student the release must fit (same widths, same kept depth, same tiny VAE).
    Raises MissingWeightsError naming every absent file, ImportWeightsError for files that do not fit.
    """
    absent = files.missing()
    if absent:
        raise MissingWeightsError("the TinySR release", absent, _HINT)
    transformer = load_pruned_transformer(files, cfg)
    merge_release_lora(transformer, files.lora_file, lora_alpha)
    student_cfg = dataclasses.replace(
        cfg,
        transformer=dataclasses.replace(cfg.transformer, num_layers=transformer.config.num_layers),
        keep=tuple(range(transformer.config.num_layers)),
    )
    pooled = load_pooled(files.conditioning_file(), cfg)
    with torch.no_grad():
        timestep = torch.full((1,), cfg.timestep)
        temb = transformer.time_text_embed(timestep, pooled)
    student = TinySRTransformer.from_sd3(transformer, temb, student_cfg)
    return TinySRPipeline(student, load_tiny_vae(files.vae_dir, cfg)).eval()


def load_pruned_transformer(files: ReleaseFiles, cfg: ModelConfig) -> SD3Transformer2DModel:
    """Builds the SD3Transformer2DModel its config.json describes and loads its weights, naming any key mismatch."""
    transformer_dir = files.transformer_dir
    config_path = transformer_dir / CONFIG_NAME
    config = json.loads(config_path.read_text(encoding="utf-8"))
    expected = cfg.transformer.to_diffusers_kwargs()
    del expected["num_layers"]  # the release is pruned: its depth is checked against the keep-list below
    try:
        check_config_matches(transformer_dir, config, expected)
    except ValueError as err:
        raise ImportWeightsError("IMPORT_CONFIG_MISMATCH", f"{err} (registry config {cfg.name!r})") from err
    depth = int(config.get("num_layers", 0))
    if depth != len(cfg.keep):
        raise ImportWeightsError(
            "IMPORT_CONFIG_MISMATCH",
            f"{config_path}: num_layers is {depth}, but students of registry config {cfg.name!r} keep {len(cfg.keep)} "
            "layers; pick the registry config whose keep-list has this depth",
        )
    transformer = SD3Transformer2DModel.from_config(config)
    state = _read_safetensors(files.transformer_weights())
    model_state = transformer.state_dict()
    if _POS_EMBED_KEY in state and state[_POS_EMBED_KEY].shape != model_state[_POS_EMBED_KEY].shape:
        del state[_POS_EMBED_KEY]  # a cached crop: the student recomputes its crop from SD3's grid
    ignored = {k for k in state if _CACHED_MODULATION_KEY.match(k)}
    missing = [
        k for k in model_state if k not in state and k != _POS_EMBED_KEY and not _is_context_stream(k)
    ]
    unexpected = [k for k in state if k not in model_state and k not in ignored]
    wrong_shape = [
        f"{k} {list(state[k].shape)} (expected {list(model_state[k].shape)})"
        for k in state
        if k in model_state and state[k].shape != model_state[k].shape
    ]
    if missing or unexpected or wrong_shape:
        raise key_mismatch_error(
            f"transformer weights in {transformer_dir}",
            missing=missing,
            unexpected=unexpected + wrong_shape,
            hint="Expected diffusers SD3Transformer2DModel parameter names for the config's num_layers.",
        )
    transformer.load_state_dict({k: v for k, v in state.items() if k in model_state}, strict=False)
    return transformer.eval()


def merge_release_lora(transformer: SD3Transformer2DModel, lora_file: Path, alpha: float | None) -> None:
    """Merges the release LoRA after checking it covers exactly the student's LoRA'd modules, with matching shapes."""
    try:
        lora = load_lora_file(lora_file, prefix=LORA_PREFIX)
    except ValueError as err:  # a key that is not a LoRA A/B weight, or half a pair: the message names it
        raise ImportWeightsError("IMPORT_KEY_MISMATCH", str(err)) from err
    layers = {
        name: module
        for name, module in transformer.named_modules()
        if isinstance(module, torch.nn.Linear | torch.nn.Conv2d)
    }
    targeted = [n for n in layers if any(n == t or n.endswith("." + t) for t in STUDENT_LORA_TARGETS)]
    required = [n for n in targeted if not _is_context_stream(n)]
    missing = [f"{LORA_PREFIX}.{n}.lora_A.weight" for n in required if n not in lora]
    unexpected = [f"{LORA_PREFIX}.{n}.lora_A.weight" for n in lora if n not in layers]
    unexpected += [
        f"{LORA_PREFIX}.{n}.lora_A.weight {list(a.shape)} / lora_B.weight {list(b.shape)} "
        f"(layer weight {list(layers[n].weight.shape)})"
        for n, (a, b) in lora.items()
        if n in layers and not _lora_fits(layers[n], a, b)
    ]
    if missing or unexpected:
        raise key_mismatch_error(
            f"LoRA file {lora_file}",
            missing=missing,
            unexpected=unexpected,
            hint=f"Expected '{LORA_PREFIX}.<module>.lora_A.weight'/'lora_B.weight' pairs on the modules targeted by "
            f"{list(STUDENT_LORA_TARGETS)} of a {transformer.config.num_layers}-layer transformer.",
        )
    merge_lora(transformer, lora, alpha if alpha is not None else _adapter_config_alpha(lora_file))


def load_tiny_vae(vae_dir: Path, cfg: ModelConfig) -> torch.nn.Module:
    """The release's tiny VAE in the registry's TinyVAE class; its variant, width and latent scale must match `cfg`."""
    weights = vae_dir / DIFFUSERS_WEIGHTS
    state = load_file(str(weights))
    found = {
        "variant": _tiny_vae_variant(state, weights),
        "channels": _tiny_vae_width(state),
        "latent_scale": _vae_scaling_factor(vae_dir / CONFIG_NAME),
    }
    expected = {k: getattr(cfg.tiny_vae, k) for k in found}
    if found != expected:
        differing = ", ".join(
            f"{k}: registry {expected[k]!r}, release {found[k]!r}" for k in found if found[k] != expected[k]
        )
        raise ImportWeightsError(
            "IMPORT_CONFIG_MISMATCH",
            f"tiny VAE in {vae_dir} does not match registry config {cfg.name!r}: {differing}; "
            "add a registry config with this tiny VAE",
        )
    vae = build_tiny_vae(cfg.tiny_vae)
    model_state = vae.state_dict()
    missing = [k for k in model_state if k not in state]
    unexpected = [k for k in state if k not in model_state]
    unexpected += [
        f"{k} {list(state[k].shape)} (expected {list(v.shape)})"
        for k, v in model_state.items()
        if k in state and state[k].shape != v.shape
    ]
    if missing or unexpected:
        raise key_mismatch_error(
            f"tiny VAE weights {weights}",
            missing=missing,
            unexpected=unexpected,
            hint="Expected diffusers AutoencoderTiny names (encoder.layers.N..., decoder.layers.N...).",
        )
    vae.load_state_dict(state, strict=True)
    return vae.eval()


def load_pooled(path: Path | None, cfg: ModelConfig) -> torch.Tensor:
    """The pooled prompt embedding (1 x pooled_dim) from the release's file, or the registry's configured constant."""
    if path is None:
        return make_conditioning(cfg)[1]
    if path.suffix == SAFETENSORS_SUFFIX:
        tensors = load_file(str(path))
        if POOLED_KEY not in tensors:
            raise ImportWeightsError(
                "IMPORT_BAD_CONDITIONING", f"{path}: no tensor {POOLED_KEY!r}; found {sorted(tensors)}"
            )
        pooled = tensors[POOLED_KEY]
    else:
        pooled = torch.load(path, map_location="cpu", weights_only=True)
    width = cfg.transformer.pooled_projection_dim
    if not isinstance(pooled, torch.Tensor) or pooled.numel() != width:
        found = tuple(pooled.shape) if isinstance(pooled, torch.Tensor) else type(pooled).__name__
        raise ImportWeightsError(
            "IMPORT_BAD_CONDITIONING",
            f"{path}: expected the pooled prompt embedding with {width} values (1 x {width}), found {found}",
        )
    return pooled.reshape(1, width).float()


def _read_safetensors(paths: list[Path]) -> dict[str, torch.Tensor]:
    state: dict[str, torch.Tensor] = {}
    for path in paths:
        state.update(load_file(str(path)))
    return state


def _is_context_stream(name: str) -> bool:
    return any(marker in name for marker in CONTEXT_STREAM_MARKERS)


def _lora_fits(layer: torch.nn.Module, down: torch.Tensor, up: torch.Tensor) -> bool:
    weight = layer.weight
    rank = down.shape[0]
    if isinstance(layer, torch.nn.Linear):
        return tuple(down.shape) == (rank, weight.shape[1]) and tuple(up.shape) == (weight.shape[0], rank)
    return tuple(down.shape) == (rank, *weight.shape[1:]) and tuple(up.shape) == (weight.shape[0], rank, 1, 1)


def _adapter_config_alpha(lora_file: Path) -> float | None:
    """PEFT's adapter_config.json beside the LoRA file, when present, sets alpha; rsLoRA/DoRA are refused."""
    path = lora_file.parent / ADAPTER_CONFIG_NAME
    if not path.is_file():
        return None
    config = json.loads(path.read_text(encoding="utf-8"))
    if config.get("use_rslora") or config.get("use_dora"):
        raise ImportWeightsError(
            "IMPORT_UNSUPPORTED_LORA", f"{path}: rsLoRA/DoRA adapters are not supported, only plain LoRA"
        )
    alpha = config.get("lora_alpha")
    return float(alpha) if alpha is not None else None


def _tiny_vae_variant(state: dict[str, torch.Tensor], source: Path) -> str:
    separable_encoder = "encoder.layers.0.depthwise.weight" in state
    separable_decoder = "decoder.layers.0.depthwise.weight" in state
    if not any(k.startswith("encoder.layers.0.") for k in state):
        raise key_mismatch_error(
            f"tiny VAE weights {source}",
            missing=["encoder.layers.0.weight (or encoder.layers.0.depthwise.weight)"],
            unexpected=sorted(state)[:3],
            hint="Expected diffusers AutoencoderTiny names (encoder.layers.N..., decoder.layers.N...).",
        )
    if separable_encoder and separable_decoder:
        return "taesd-sepboth"
    return "taesd-sepenc" if separable_encoder else "taesd"


def _tiny_vae_width(state: dict[str, torch.Tensor]) -> int:
    """Output channels of the encoder's first conv (the pointwise half when it is separable)."""
    first = state.get("encoder.layers.0.pointwise.weight", state.get("encoder.layers.0.weight"))
    return int(first.shape[0]) if first is not None else 0


def _vae_scaling_factor(config_path: Path) -> float:
    if not config_path.is_file():
        return 1.0
    return float(json.loads(config_path.read_text(encoding="utf-8")).get("scaling_factor", 1.0))
