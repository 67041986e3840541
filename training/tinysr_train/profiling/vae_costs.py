"""The cost side of the Tab. 3 analogue: one HR tile encoded and decoded by the teacher's SD3-layout VAE and by every
tiny-VAE variant of a config, in params, MACs (the paper's convention, `counter`) and CPU milliseconds.

Owns the list of compared VAEs, their labels and the timing protocol (random weights: cost does not depend on them;
`threads` intra-op threads; the median of `repeats` timed runs after one warm-up). MACs are traced on the meta device,
like `report.py`'s rows. May import: torch, diffusers, the registry, the model family and `.counter` / `.report`.
"""

from __future__ import annotations

import dataclasses
import functools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from diffusers import AutoencoderKL
from torch import nn

from ..models import build_tiny_vae
from ..registry import ModelConfig
from .counter import Counts, Tally, trace
from .report import trace_tiny_vae

TEACHER_KEY = "teacher"
# Tab. 3's order: the teacher's VAE, channel pruning, attention removal, TAESD, then separable convs.
VARIANT_ORDER = ("sd3-64", "sd3-64-noattn", "taesd", "taesd-sepboth", "taesd-sepenc")


@dataclass(frozen=True)
class VAECost:
    key: str  # "teacher" or a tiny-VAE variant
    label: str
    encoder_params: int
    decoder_params: int
    counts: Counts  # encoder + decoder on one tile
    cpu_ms: float | None  # median encode + decode time of one tile, None when not timed


def variant_label(variant: str, channels: int) -> str:
    return {
        "sd3-64": f"SD3 layout pruned to {channels} ch (channel pruning)",
        "sd3-64-noattn": f"SD3 layout at {channels} ch, attention removed",
        "taesd": f"TAESD at {channels} ch (plain convs)",
        "taesd-sepboth": f"TAESD at {channels} ch, SepConv encoder and decoder",
        "taesd-sepenc": f"TAESD at {channels} ch, SepConv encoder (TinySR's)",
    }[variant]


def teacher_vae_label(cfg: ModelConfig) -> str:
    widths = ", ".join(str(c) for c in cfg.vae.block_out_channels)
    return f"teacher: SD3-layout AutoencoderKL ({widths})"


def build_teacher_vae(cfg: ModelConfig, device: str | torch.device = "cpu") -> AutoencoderKL:
    with torch.device(device):
        return AutoencoderKL(**cfg.vae.to_diffusers_kwargs()).eval()


def round_trip(vae: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """[-1, 1] image -> reconstruction through either kind of VAE (posterior mean for the AutoencoderKL)."""
    if isinstance(vae, AutoencoderKL):
        return lambda image: vae.decode(vae.encode(image).latent_dist.mean).sample
    return lambda image: vae.decode(vae.encode(image))


def trace_teacher_vae(cfg: ModelConfig) -> Tally:
    vae = build_teacher_vae(cfg, device="meta")
    image = torch.empty(1, 3, cfg.hr_tile, cfg.hr_tile, device="meta")
    return trace(vae, lambda: round_trip(vae)(image))


def time_round_trip(vae: nn.Module, tile: int, repeats: int, threads: int) -> float:
    """Median milliseconds of one encode + decode of a 1 x 3 x tile x tile image on the CPU with `threads` threads."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        run = round_trip(vae.eval())
        image = torch.rand(1, 3, tile, tile, generator=torch.Generator().manual_seed(0)) * 2.0 - 1.0
        timings = []
        with torch.inference_mode():
            run(image)  # warm-up: first-call allocations and kernel selection
            for _ in range(repeats):
                start = time.perf_counter()
                run(image)
                timings.append((time.perf_counter() - start) * 1e3)
        return statistics.median(timings)
    finally:
        torch.set_num_threads(previous)


@functools.cache
def traced_costs(cfg: ModelConfig) -> tuple[tuple[str, str, int, int, Counts], ...]:
    """(key, label, encoder params, decoder params, counts) of the teacher VAE and every variant; computed once."""
    rows = []
    for key in (TEACHER_KEY, *VARIANT_ORDER):
        if key == TEACHER_KEY:
            tally, label = trace_teacher_vae(cfg), teacher_vae_label(cfg)
        else:
            tally, label = trace_tiny_vae(key, cfg), variant_label(key, cfg.tiny_vae.channels)
        rows.append((key, label, tally.counts("encoder").params, tally.counts("decoder").params, tally.counts()))
    return tuple(rows)


def vae_costs(cfg: ModelConfig, *, repeats: int, threads: int) -> list[VAECost]:
    """The teacher VAE and every tiny variant at `cfg`'s sizes (tiny width `cfg.tiny_vae.channels`), one HR tile each;
    `repeats=0` skips timing."""
    costs = []
    for key, label, encoder_params, decoder_params, counts in traced_costs(cfg):
        cpu_ms = None
        if repeats:
            vae = build_teacher_vae(cfg) if key == TEACHER_KEY else build_tiny_vae(
                dataclasses.replace(cfg.tiny_vae, variant=key)
            )
            cpu_ms = time_round_trip(vae, cfg.hr_tile, repeats, threads)
        costs.append(VAECost(key, label, encoder_params, decoder_params, counts, cpu_ms))
    return costs
