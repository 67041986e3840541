"""The Tab. 3 analogue of the VAE-compression stage (`tinysr-train report-vae`): cost and quality of the teacher's VAE
and of every tiny-VAE variant at the recipe's sizes, as markdown.

Owns the quality measurements on the held-out cached pairs (`vae_compress.split`) and the table. Cost comes from
`profiling.vae_costs`. Quality is measured only for what was trained: the teacher VAE (decoding the cached teacher
latent of HQ) and the recipe's tiny VAE (its decoder on the same latents; its encoder against the cached LQ latents).
The other variants are listed with their cost only and marked "not trained"; a stage that has not run yet is named,
so the report also works on a fresh checkout or a smoke run.
May import: torch, tinysr_train.{checkpoint, config, data, registry, profiling, train.*}.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from tinysr_train.checkpoint import load_checkpoint
from tinysr_train.config import config_hash
from tinysr_train.data.errors import DataError
from tinysr_train.models.lr_input import vae_input
from tinysr_train.profiling.vae_costs import TEACHER_KEY, VAECost, vae_costs
from tinysr_train.registry import get_config
from tinysr_train.train import teacher_latent, vae_compress
from tinysr_train.train.runner import StageError, latest_checkpoint
from tinysr_train.train.stage_common import load_cache

EVAL_BATCH = 8
M, G = 1e6, 1e9


@dataclass(frozen=True)
class Quality:
    """Held-out quality of one trained VAE; None where it does not apply or was not measured."""

    hq_psnr: float | None  # decoder(cached teacher latent of HQ) vs HQ, dB
    lq_latent_mse: float | None = None  # tiny encoder(bicubic x4 LQ) vs the cached teacher latent of that LQ


def psnr(image: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR (dB) of [0, 1] RGB batches (no colour conversion, no border crop)."""
    mse = (image.clamp(0, 1) - reference).pow(2).flatten(1).mean(dim=1)
    return 10.0 * torch.log10(1.0 / mse.clamp_min(1e-12))


@torch.no_grad()
def measure_quality(cfg: Mapping[str, Any]) -> tuple[dict[str, Quality], int, list[str]]:
    """({"teacher" | variant: Quality}, the number of held-out pairs, notes on what could not be measured)."""
    try:
        cache = load_cache(cfg)
        _, held_out = vae_compress.split(cache, cfg)
        cache.latents(held_out[:1])  # fails now, with the command to run, if the latents are not cached yet
    except DataError as err:
        return {}, 0, [f"quality not measured: {err}"]
    if not len(held_out):
        return {}, 0, [f"quality not measured: {vae_compress.ENCODER_SECTION}.holdout is 0 (no held-out pairs)"]
    notes: list[str] = []
    decoders: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {}
    tiny = None
    try:
        teacher = teacher_latent.load_trained_teacher(cfg)
        decoders[TEACHER_KEY] = teacher.decode
    except StageError as err:
        notes.append(f"teacher VAE quality not measured: {err}")
    try:
        tiny = vae_compress.load_trained_tiny_vae(cfg)
        decoders[tiny.config.variant] = lambda latent: tiny.decode(latent).clamp(-1.0, 1.0)
    except StageError as err:
        notes.append(f"tiny VAE quality not measured: {err}")
    scores: dict[str, list[torch.Tensor]] = {key: [] for key in decoders}
    latent_errors: list[torch.Tensor] = []
    for batch in held_out.split(EVAL_BATCH):
        pixels, latents = cache.pixels(batch), cache.latents(batch)
        for key, decode in decoders.items():
            scores[key].append(psnr((decode(latents["hq"]) + 1.0) / 2.0, pixels["hq"]))
        if tiny is not None:
            encoded = tiny.encode(vae_input(pixels["lq"]))
            latent_errors.append((encoded - latents["lq"]).pow(2).flatten(1).mean(dim=1))
    quality = {key: Quality(float(torch.cat(values).mean())) for key, values in scores.items()}
    if tiny is not None:
        variant = tiny.config.variant
        quality[variant] = Quality(quality[variant].hq_psnr, float(torch.cat(latent_errors).mean()))
    return quality, len(held_out), notes


def decoder_losses(cfg: Mapping[str, Any]) -> dict[str, str]:
    """What the tiny decoder was trained with, from its checkpoint (the descriptions say when a substitute was used)."""
    path = latest_checkpoint(Path(cfg[vae_compress.DECODER_SECTION]["run_dir"]))
    if path is None:
        return {}
    checkpoint = load_checkpoint(path)
    return {
        "checkpoint": f"{path} (step {checkpoint.step})",
        "perceptual term": str(checkpoint.extra.get("perceptual", "?")),
        "discriminator": str(checkpoint.extra.get("discriminator", "?")),
    }


def cpu_description() -> str:
    """The CPU model, its core count and its load average (timings on a busy machine are rough)."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        lines = cpuinfo.read_text().splitlines()
        model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), model)
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return f"{model} ({os.cpu_count()} cores{load})"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def format_report(
    cfg: Mapping[str, Any],
    costs: list[VAECost],
    quality: Mapping[str, Quality],
    held_out: int,
    notes: list[str],
    trained_with: Mapping[str, str],
    *,
    threads: int,
    repeats: int,
    cpu: str,
    regenerate: str,
) -> str:
    model_cfg = get_config(cfg["model"]["registry"])
    tile = model_cfg.hr_tile
    header = (
        "| VAE | params M (enc / dec) | GMACs thop | GMACs +attn | CPU ms / tile | trained | "
        "HQ PSNR dB (decode teacher latent) | LQ latent MSE (tiny encoder) |"
    )
    lines = [header, "|" + "---|" * 8]
    recipe_variant = vae_compress.tiny_vae_config(cfg).variant
    for cost in costs:
        score = quality.get(cost.key)
        trained = (
            "yes" if score is not None
            else "not yet (see notes)" if cost.key in (TEACHER_KEY, recipe_variant)
            else "not trained"
        )
        psnr_cell = "-" if score is None or score.hq_psnr is None else f"{score.hq_psnr:.2f}"
        mse_cell = "-" if score is None or score.lq_latent_mse is None else f"{score.lq_latent_mse:.4f}"
        lines.append(
            f"| {cost.label} | {cost.encoder_params / M:.3f} / {cost.decoder_params / M:.3f} | "
            f"{cost.counts.macs / G:.2f} | {cost.counts.macs_with_attention / G:.2f} | {_ms(cost.cpu_ms)} | "
            f"{trained} | {psnr_cell} | {mse_cell} |"
        )
    trained_lines = [f"- tiny decoder {key}: {value}" for key, value in trained_with.items()]
    scored = f"Quality on the {held_out} held-out cached pairs" if held_out else "Quality (not measured yet: see notes)"
    return "\n".join(
        [
            "# VAE compression: the Tab. 3 analogue at the recipe's size",
            "",
            f"Regenerate (from training/): `{regenerate}`  ",
            f"Recipe: model `{model_cfg.name}`, config hash `{config_hash(cfg)[:16]}`; torch {torch.__version__}.",
            "",
            f"One {tile} x {tile} px HR tile, encoded then decoded. *GMACs thop* is the paper's convention (conv, "
            "linear, LayerNorm, nearest upsample; no attention matmuls, GroupNorm or activations); *+attn* adds the "
            f"attention matmuls. CPU ms: median of {repeats} runs after a warm-up, {threads} intra-op threads, random "
            f"weights (cost does not depend on them), on {cpu}. {scored} (`vae_encoder.holdout`: never seen by the "
            "tiny VAE; the teacher VAE and teacher were trained on every cached pair): *HQ PSNR* is RGB PSNR of "
            "decoding the teacher encoder's latent of HQ (for the teacher: its own encode + decode round trip); *LQ "
            "latent MSE* compares the tiny encoder's latent of bicubic x4 LQ with the teacher encoder's.",
            "",
            *lines,
            "",
            "Notes:",
            "- Only the recipe's variant "
            f"(`{recipe_variant}`) is trained by `tinysr-train vae-compress`; the other rows give cost only. Train "
            "another with `vae_encoder.variant=NAME` and new `run_dir`s.",
            *trained_lines,
            *(f"- {note}" for note in notes),
            "",
        ]
    )


def build_report(cfg: Mapping[str, Any], *, repeats: int, threads: int, regenerate: str) -> str:
    """The whole report; `regenerate` is the command (run from training/) printed at its top."""
    cpu = cpu_description()  # the load before our own timing runs add to it
    costs = vae_costs(get_config(cfg["model"]["registry"]), repeats=repeats, threads=threads)
    quality, held_out, notes = measure_quality(cfg)
    return format_report(
        cfg, costs, quality, held_out, notes, decoder_losses(cfg),
        threads=threads, repeats=repeats, cpu=cpu, regenerate=regenerate,
    )
