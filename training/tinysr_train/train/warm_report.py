"""The warm-started recipe's per-stage report (`tinysr-train report-warm`): what each stage's network does to held-out
crops, from bicubic (the latent teacher at step 0) to the exported pipeline, and what each part costs per tile.

Owns the stage table, the token-border measure and the markdown. The held-out crops are a pixel cache made from the
training photos with another seed (other crops, other degradations) than the training pairs:
`tinysr-train data pairs` and `data cache --what pixels` with `seed=1 paths.pairs=... paths.cache=...` (the command
is in reports/warm-recipe.md). Rows whose stage has not run are named instead of failing.
May import: torch, tinysr_train.{checkpoint, data, eval.metrics, models, profiling, prune, registry, train.*}.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from tinysr_train.data.cache import PairCache
from tinysr_train.eval.metrics import luma, psnr_y
from tinysr_train.models import TinySRPipeline, build_student
from tinysr_train.models.lr_input import SCALE, bicubic_up, vae_input
from tinysr_train.profiling.counter import count
from tinysr_train.prune.stage import load_pruned_student
from tinysr_train.registry import get_config
from tinysr_train.train import restore, teacher_latent, teacher_vae, vae_compress
from tinysr_train.train.runner import StageError, latest_checkpoint, load_stage_modules

Upscale = Callable[[torch.Tensor], torch.Tensor]  # N x 3 x h x w LR in [0, 1] -> N x 3 x 4h x 4w in [0, 1]
BATCH = 16


def token_border_ratio(images: torch.Tensor, period: int, phase: int = SCALE) -> float:
    """Mean |luma step| between neighbours across the `period`-px token borders, over the mean step at the other
    positions of the same phase modulo `phase` (both directions). About 1 for an image without a grid; a model that
    shows its token grid as blocks scores above. Comparing like phases matters: any x4 upsampler's output has a 4 px
    rhythm (each LR pixel spreads over 4 HR pixels), and token borders (16 px) always fall on that rhythm's boundary."""
    y = luma(images)
    steps = [(y[..., :, 1:] - y[..., :, :-1]).abs(), (y[..., 1:, :] - y[..., :-1, :]).abs()]
    border_sum = inside_sum = 0.0
    border_count = inside_count = 0
    for axis, step in zip((-1, -2), steps, strict=True):
        position = torch.arange(step.shape[axis]) + 1  # the step from pixel k to k+1 ends at k+1
        across, same_phase = position % period == 0, position % phase == 0
        masks = [m.view(-1, 1) if axis == -2 else m.view(1, -1) for m in (across, same_phase & ~across)]
        border, inside = (m.expand(step.shape[-2:]) for m in masks)
        border_sum += float(step[..., border].sum())
        border_count += int(border.sum()) * step.shape[0]
        inside_sum += float(step[..., inside].sum())
        inside_count += int(inside.sum()) * step.shape[0]
    return (border_sum / border_count) / (inside_sum / inside_count)


@dataclass(frozen=True)
class Row:
    name: str
    what: str
    agreement: float  # PSNR-Y against x4plus's output, dB
    fidelity: float  # PSNR-Y against the HQ crop, dB
    border: float  # token_border_ratio


def _measure(name: str, what: str, upscale: Upscale, pixels: Mapping[str, torch.Tensor], period: int) -> Row:
    outputs = []
    with torch.no_grad():
        for start in range(0, len(pixels["lq"]), BATCH):
            outputs.append(upscale(pixels["lq"][start : start + BATCH]).clamp(0.0, 1.0))
    out = torch.cat(outputs)
    # PSNR-Y is computed on 8-bit values, as on saved files.
    out = (out * 255.0).round() / 255.0
    return Row(
        name,
        what,
        float(psnr_y(out, pixels["ref"]).mean()),
        float(psnr_y(out, pixels["hq"]).mean()),
        token_border_ratio(out, period),
    )


def _pipeline_stage(cfg: Mapping[str, Any], stage: int) -> TinySRPipeline:
    spec = restore.STAGES[stage]
    checkpoint = latest_checkpoint(Path(cfg[spec.section]["run_dir"]))
    if checkpoint is None:
        raise StageError("STAGE_NOT_RUN", f"{spec.name} has no checkpoint")
    pipeline = restore.initial_pipeline(cfg, 1)
    load_stage_modules(checkpoint, {restore.MODULE: pipeline})
    # RestorationPipeline's forward is the training call (latent -> latent); the plain class runs LR -> HR.
    return TinySRPipeline(pipeline.student, pipeline.tiny_vae).eval()


def stage_rows(cfg: Mapping[str, Any], pixels: Mapping[str, torch.Tensor]) -> tuple[list[Row], list[str]]:
    """One row per stage that has run, and a note for each that has not."""
    model_cfg = get_config(cfg["model"]["registry"])
    period = model_cfg.vae_scale * model_cfg.transformer.patch_size  # HR px per token side
    rows = [_measure("bicubic", "bicubic x4 (= the latent teacher at step 0)", bicubic_up, pixels, period)]
    notes: list[str] = []
    untrained = teacher_latent.build_untrained_teacher(cfg).eval()
    with torch.no_grad():
        step0 = (untrained.decode(untrained.denoise(teacher_latent.encode_lq(untrained, pixels["lq"][:BATCH]))) + 1) / 2
    gap = float((step0 - bicubic_up(pixels["lq"][:BATCH]).clamp(0, 1)).abs().max())
    notes.append(f"Latent teacher at step 0 vs bicubic on {BATCH} held-out crops: max |difference| {gap:.2e}.")

    def attempt(name: str, what: str, build: Callable[[], Upscale]) -> None:
        try:
            rows.append(_measure(name, what, build(), pixels, period))
        except StageError as error:
            notes.append(f"{name}: not measured ({error}).")

    def teacher_upscale() -> Upscale:
        teacher = teacher_latent.load_trained_teacher(cfg)
        return lambda lq: (teacher.decode(teacher.denoise(teacher_latent.encode_lq(teacher, lq))) + 1) / 2

    def teacher_with_tiny_decoder() -> Upscale:
        teacher, vae = teacher_latent.load_trained_teacher(cfg), vae_compress.load_trained_tiny_vae(cfg)
        return lambda lq: (vae.decode(teacher.denoise(teacher_latent.encode_lq(teacher, lq))) + 1) / 2

    def pruned() -> Upscale:
        return TinySRPipeline(load_pruned_student(cfg), vae_compress.load_trained_tiny_vae(cfg)).eval()

    attempt("latent teacher", "24 layers, codec decode", teacher_upscale)
    attempt("teacher + tiny decoder", "the refinement fitted in vae-decoder", teacher_with_tiny_decoder)
    attempt("pruned student", "DIA + ECS keep-list, before restoration", pruned)
    attempt("restoration 1", "latent distillation", lambda: _pipeline_stage(cfg, 1))
    attempt("restoration 2", "pixel + perceptual + GAN (the exported model)", lambda: _pipeline_stage(cfg, 2))
    return rows, notes


def cost_rows(cfg: Mapping[str, Any]) -> list[tuple[str, int, int]]:
    """(part, params, MACs incl. attention) for one tile of the pipeline: tiny encoder, transformer, tiny decoder, and
    the teacher's codec and transformer for comparison."""
    model_cfg = get_config(cfg["model"]["registry"])
    keep = json.loads((Path(cfg["prune"]["run_dir"]) / "keep.json").read_text(encoding="utf-8"))["keep"]
    student_cfg = dataclasses.replace(model_cfg, keep=tuple(keep), tiny_vae=vae_compress.tiny_vae_config(cfg))
    pipeline = TinySRPipeline(build_student(student_cfg), vae_compress.build_tiny_vae_for(cfg)).eval()
    tile = torch.rand(1, 3, student_cfg.lr_tile, student_cfg.lr_tile)
    image = vae_input(tile)
    latent = pipeline.tiny_vae.encode(image)
    teacher = teacher_latent.build_untrained_teacher(cfg).eval()

    def counted(module: nn.Module, *args: Any) -> tuple[int, int]:
        with torch.no_grad():
            counts = count(module, *args)
        return counts.params, counts.macs_with_attention

    class TeacherStep(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.teacher = teacher

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            return self.teacher.denoise(z)

    return [
        ("tiny encoder (= teacher codec encode)", *counted(pipeline.tiny_vae.encoder, image)),
        ("student transformer", *counted(pipeline.student, latent)),
        ("tiny decoder (codec inverse + refinement)", *counted(pipeline.tiny_vae.decoder, latent)),
        ("teacher codec decode", 0, 0),
        ("latent teacher transformer (24 layers, both streams)", *counted(TeacherStep(), latent)),
    ]


def eval_border_rows(eval_dir: Path, period: int) -> list[tuple[str, str, int, float]]:
    """(set, method, images, token_border_ratio over all its outputs) for every method folder that
    `tinysr-train eval` left under `eval_dir/<set>/<method>/`: the same measure on the evaluation sets' full images
    (the app's tiling starts every tile on the token grid, so a grid shows at multiples of `period` px)."""
    from tinysr_train.reference.photo_check import list_images, read_rgb

    rows = []
    for set_dir in sorted(p for p in eval_dir.iterdir() if p.is_dir()):
        for method_dir in sorted(p for p in set_dir.iterdir() if p.is_dir()):
            images = list_images(method_dir, None)
            if not images:
                continue
            ratios = [token_border_ratio(read_rgb(path), period) for path in images]
            rows.append((set_dir.name, method_dir.name, len(images), sum(ratios) / len(ratios)))
    return rows


def build_report(
    cfg: Mapping[str, Any], holdout: PairCache, command: str, header: str, eval_dir: Path | None = None
) -> str:
    pixels = holdout.pixels(list(range(len(holdout))))
    rows, notes = stage_rows(cfg, pixels)
    codec_file = Path(cfg[teacher_vae.SECTION]["run_dir"]) / teacher_vae.CODEC_REPORT
    codec = json.loads(codec_file.read_text(encoding="utf-8")) if codec_file.is_file() else None
    model_cfg = get_config(cfg["model"]["registry"])
    lines = [
        "# Warm-started recipe: each stage on held-out crops",
        "",
        f"Command: `{command}`",
        "",
        header,
        "",
        f"Held-out crops: {len(holdout)} pairs ({holdout.cache_dir}); LQ {tuple(pixels['lq'].shape[-2:])} px, "
        "targets = Real-ESRGAN x4plus's outputs on the same LQ. Agreement = PSNR-Y against x4plus's output; "
        "fidelity = PSNR-Y against the HQ crop; token borders = mean luma step across the "
        f"{model_cfg.vae_scale * model_cfg.transformer.patch_size} px token borders over the mean step at the other "
        f"multiples of {SCALE} px inside tokens (1.00 = no grid).",
        "",
        "| stage | what | agreement (dB) | fidelity (dB) | token borders |",
        "| --- | --- | ---: | ---: | ---: |",
        *(f"| {r.name} | {r.what} | {r.agreement:.2f} | {r.fidelity:.2f} | {r.border:.3f} |" for r in rows),
        "",
        *(f"- {note}" for note in notes),
    ]
    keep_file = Path(cfg["prune"]["run_dir"]) / "keep.json"
    if keep_file.is_file():
        keep = json.loads(keep_file.read_text(encoding="utf-8"))
        lines += [
            "",
            "## Kept layers",
            "",
            f"{keep['method']} keeps {keep['kept_layers']} of {keep['layers']} teacher layers: {keep['keep']} "
            f"(search steps {keep['search_steps']}, search complete: {keep['search_complete']}; masked-teacher L1 on "
            f"{keep['holdout_samples']} held-out cached pairs {keep['holdout_masked_teacher_l1']:.4f}). The rows "
            "'pruned student' and 'restoration 1' above are the recoverability check of this keep-list: what cutting "
            "the layers loses, and how much of it latent distillation wins back.",
        ]
    if codec is not None:
        lines += [
            "",
            "## The teacher's codec",
            "",
            f"Round trip (encode then decode) on the training cache's last {codec['held_out_pairs']} pairs, PSNR in "
            "dB on [0, 1] pixels (float rounding only; the codec is a permutation): "
            + ", ".join(f"{k.removeprefix('psnr_')} {v:.1f}" for k, v in codec.items() if k.startswith("psnr_"))
            + ".",
        ]
    if eval_dir is not None:
        period = model_cfg.vae_scale * model_cfg.transformer.patch_size
        lines += [
            "",
            f"## Token borders on the evaluation sets ({eval_dir})",
            "",
            f"Mean over each method's outputs of the {period} px token-border ratio above (1.00 = no grid; every "
            "method is measured on the same grid, so bicubic and the other models show what no grid looks like).",
            "",
            "| set | method | images | token borders |",
            "| --- | --- | ---: | ---: |",
            *(f"| {name} | {method} | {n} | {ratio:.3f} |" for name, method, n, ratio in eval_border_rows(eval_dir, period)),
        ]
    try:
        costs = cost_rows(cfg)
    except (FileNotFoundError, StageError) as error:
        lines += ["", f"Costs not measured: {error}"]
    else:
        tile = model_cfg.lr_tile
        lines += [
            "",
            f"## Cost per tile ({tile} x {tile} LR -> {4 * tile} x {4 * tile} HR)",
            "",
            "| part | params | MMACs (incl. attention) |",
            "| --- | ---: | ---: |",
            *(f"| {name} | {params:,} | {macs / 1e6:.1f} |" for name, params, macs in costs),
        ]
    return "\n".join(lines) + "\n"
