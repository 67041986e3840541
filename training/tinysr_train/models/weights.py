"""Reading real checkpoint files for the model family: file checks, config checks, LoRA merging, cached conditioning.

Owns the on-disk layouts the loaders accept (diffusers model folders, PEFT/diffusers LoRA safetensors, prompt-embedding
files) and the errors they raise. Imports torch, safetensors and this package's errors; no model classes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from .errors import MissingWeightsError

DIFFUSERS_WEIGHTS = "diffusion_pytorch_model.safetensors"
DIFFUSERS_INDEX = "diffusion_pytorch_model.safetensors.index.json"
CONDITIONING_KEYS = ("prompt_embeds", "pooled_prompt_embeds")
# Prefixes a LoRA key may carry in front of the module path: diffusers' pipeline component name, PEFT's wrapper.
_PEFT_WRAPPER = "base_model.model."


def require_files(what: str, files: list[Path], hint: str) -> None:
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise MissingWeightsError(what, missing, hint)


def weight_files_of(model_dir: Path) -> list[Path]:
    """config.json + the weights of a diffusers model folder (one safetensors file, or an index and its shards)."""
    index = model_dir / DIFFUSERS_INDEX
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        return [model_dir / "config.json", index, *(model_dir / s for s in shards)]
    return [model_dir / "config.json", model_dir / DIFFUSERS_WEIGHTS]


def check_config_matches(model_dir: Path, found: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
    """The folder's config.json must describe the architecture the chosen ModelConfig names."""

    def normalise(value: Any) -> Any:
        return list(value) if isinstance(value, tuple | list) else value

    wrong = {k: (v, found.get(k)) for k, v in expected.items() if normalise(found.get(k)) != normalise(v)}
    if wrong:
        details = ", ".join(f"{k}: expected {e!r}, found {f!r}" for k, (e, f) in wrong.items())
        raise ValueError(
            f"{model_dir / 'config.json'} does not match the model config: {details}; "
            "pass the ModelConfig whose sizes match these weights"
        )


def load_lora_file(path: Path, prefix: str) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """LoRA safetensors -> {module path: (A, B)}.

    Accepts diffusers' layout (`<prefix>.<module>.lora_A.weight`), PEFT's (`base_model.model.<module>.lora_A.weight`),
    bare module paths, and PEFT's adapter-named keys (`lora_A.<adapter>.weight`).
    """
    pairs: dict[str, dict[str, torch.Tensor]] = {}
    for key, tensor in load_file(str(path)).items():
        name = key.removeprefix(f"{prefix}.").removeprefix(_PEFT_WRAPPER)
        parts = name.split(".")
        which = next((i for i, p in enumerate(parts) if p in ("lora_A", "lora_B")), None)
        if which is None or parts[-1] != "weight":
            raise ValueError(f"{path}: key {key!r} is not a LoRA A/B weight (expected '<module>.lora_A.weight')")
        pairs.setdefault(".".join(parts[:which]), {})[parts[which]] = tensor
    incomplete = [m for m, ab in pairs.items() if set(ab) != {"lora_A", "lora_B"}]
    if incomplete:
        raise ValueError(f"{path}: modules with only one of lora_A/lora_B: {incomplete[:5]}")
    return {m: (ab["lora_A"], ab["lora_B"]) for m, ab in pairs.items()}


@torch.no_grad()
def merge_lora(model: nn.Module, lora: Mapping[str, tuple[torch.Tensor, torch.Tensor]], alpha: float | None) -> None:
    """W += (alpha / rank) * B @ A for every LoRA'd Linear or Conv2d (alpha defaults to the rank, as TSD-SR/TinySR)."""
    modules = dict(model.named_modules())
    unknown = [m for m in lora if m not in modules]
    if unknown:
        raise ValueError(f"LoRA names modules the model does not have: {unknown[:5]}")
    for name, (a, b) in lora.items():
        layer = modules[name]
        if not isinstance(layer, nn.Linear | nn.Conv2d):
            raise ValueError(f"LoRA on {name!r}: expected a Linear or Conv2d, found {type(layer).__name__}")
        rank = a.shape[0]
        scale = (alpha if alpha is not None else rank) / rank
        # Conv LoRA: A carries the kernel, B is 1x1, so the delta is B (out x r) times A flattened (r x in*k*k).
        delta = (b.flatten(1).float() @ a.flatten(1).float()).view(layer.weight.shape)
        layer.weight += (scale * delta).to(layer.weight.dtype)


def conditioning_files(path: Path) -> list[Path]:
    """A safetensors file with both tensors, or the official embedding folder (prompt_embeds.pt + pool_embeds.pt)."""
    if path.suffix == ".safetensors":
        return [path]
    return [path / "prompt_embeds.pt", path / "pool_embeds.pt"]


def _as_batch_of_one(tensor: torch.Tensor, ndim: int, name: str, source: Path) -> torch.Tensor:
    if tensor.ndim == ndim - 1:
        tensor = tensor.unsqueeze(0)
    if tensor.ndim != ndim or tensor.shape[0] != 1:
        raise ValueError(f"{source}: {name} must have batch 1 and {ndim} dims, found shape {tuple(tensor.shape)}")
    return tensor.float()


def load_conditioning(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """-> (prompt_embeds 1 x L x joint_dim, pooled_prompt_embeds 1 x pooled_dim), float32."""
    if path.suffix == ".safetensors":
        tensors = load_file(str(path))
        absent = [k for k in CONDITIONING_KEYS if k not in tensors]
        if absent:
            raise ValueError(f"{path}: missing tensors {absent}; found {sorted(tensors)}")
        seq, pooled = tensors["prompt_embeds"], tensors["pooled_prompt_embeds"]
    else:
        seq_file, pooled_file = conditioning_files(path)
        seq = torch.load(seq_file, map_location="cpu", weights_only=True)
        pooled = torch.load(pooled_file, map_location="cpu", weights_only=True)
    return _as_batch_of_one(seq, 3, "prompt_embeds", path), _as_batch_of_one(pooled, 2, "pooled_prompt_embeds", path)


def save_conditioning(path: Path, prompt_embeds: torch.Tensor, pooled_prompt_embeds: torch.Tensor) -> None:
    save_file(
        {"prompt_embeds": prompt_embeds.contiguous(), "pooled_prompt_embeds": pooled_prompt_embeds.contiguous()},
        str(path),
    )
